/**
 * Command-line plumbing shared by the commands: option tables for
 * node:util parseArgs, the process streams, and exit codes.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Readable, Writable } from 'node:stream';
import { TlsError } from '../errors.js';
import { failureJson, failureLine } from './summary.js';
import type { SessionFlags } from './session.js';
import { readOptionFile } from './session.js';

/** Exit code 0: success. */
export const EXIT_OK = 0;
/** Exit code 1: a connection or TLS failure, or a vector mismatch. */
export const EXIT_FAILURE = 1;
/** Exit code 2: bad usage (unknown option, bad argument, bad configuration). */
export const EXIT_USAGE = 2;

/** The process streams and environment a command uses (injectable for tests). */
export interface Io {
  readonly stdin: Readable & { isTTY?: boolean };
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A command-line mistake: reported as one line and exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options of `connect` and `demo` that shape the TLS client. */
export const TLS_OPTIONS = {
  servername: { type: 'string' },
  ca: { type: 'string' },
  roots: { type: 'string' },
  insecure: { type: 'boolean', short: 'k' },
  alpn: { type: 'string' },
  groups: { type: 'string' },
  ciphers: { type: 'string' },
  'min-version': { type: 'string' },
  'max-version': { type: 'string' },
  keylog: { type: 'string' },
  trace: { type: 'boolean' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** Help text for {@link TLS_OPTIONS}, shared by the commands' --help. */
export const TLS_OPTIONS_HELP = `TLS options:
  --servername NAME     name to send (SNI) and verify (default: HOST)
  --ca FILE             trust only the certificates in this file (PEM bundle or DER)
  --roots mozilla|system  base trust store (default mozilla; with --ca: only --ca)
  -k, --insecure        report a failed verification but go on
  --alpn LIST           offer these ALPN protocols, e.g. h2,http/1.1
  --groups LIST         key exchange groups in order, e.g. x25519,secp256r1,X25519MLKEM768
  --ciphers LIST        suites in order: TLS 1.3 (TLS_AES_256_GCM_SHA384, or aes128, aes256,
                        chacha20) and TLS 1.2 (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, or
                        OpenSSL names such as ECDHE-ECDSA-CHACHA20-POLY1305)
  --min-version V       oldest version to accept: 1.2 (default) or 1.3
  --max-version V       newest version to offer: 1.3 (default) or 1.2
  --cert FILE --key FILE  client certificate chain and key (PEM or DER; the key
                        PKCS#8, SEC1 or PKCS#1) for mutual TLS
  --keylog FILE         append the secrets in SSLKEYLOGFILE format (Wireshark);
                        $SSLKEYLOGFILE does the same
  --trace               print every handshake message and derived secret to stderr,
                        laid out like RFC 8448 (prints secrets)
  --json                print the summary (or the failure) as one JSON line on stderr
  --timeout MS          give up on a handshake that takes longer
  -h, --help            this help
`;

/** Option values as node:util parseArgs returns them. */
export type ParsedValues = Record<string, string | boolean | undefined>;

/** Parses `args` strictly against `options`; any parse failure becomes a {@link UsageError}. */
export function parse(args: readonly string[], options: Options): { values: ParsedValues; positionals: string[] } {
  try {
    const r = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return { values: r.values as ParsedValues, positionals: r.positionals };
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

const list = (v: string | boolean | undefined): string[] | undefined =>
  typeof v === 'string' ? v.split(/[,:]/).map((s) => s.trim()).filter(Boolean) : undefined;
const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** The SessionFlags in parsed values (files read here). */
export function sessionFlags(values: ParsedValues): SessionFlags {
  const flags: SessionFlags = {};
  const servername = str(values.servername);
  if (servername) flags.servername = servername;
  const ca = str(values.ca);
  if (ca) flags.ca = readOptionFile('--ca', ca);
  const roots = str(values.roots);
  if (roots !== undefined) {
    if (roots !== 'mozilla' && roots !== 'system') throw new UsageError('--roots takes mozilla or system');
    flags.roots = roots;
  }
  if (values.insecure) flags.insecure = true;
  // ALPN names may contain ':' (none registered do), so split only on ','.
  const alpn = typeof values.alpn === 'string' ? values.alpn.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  if (alpn) flags.alpn = alpn;
  const groups = list(values.groups);
  if (groups) flags.groups = groups;
  const ciphers = list(values.ciphers);
  if (ciphers) flags.ciphers = ciphers;
  for (const which of ['min', 'max'] as const) {
    const v = str(values[`${which}-version`]);
    if (v === undefined) continue;
    const version = ({ '1.2': 'TLSv1.2', '1.3': 'TLSv1.3', 'TLSv1.2': 'TLSv1.2', 'TLSv1.3': 'TLSv1.3' } as const)[v];
    if (!version) throw new UsageError(`--${which}-version takes 1.2 or 1.3`);
    flags[`${which}Version`] = version;
  }
  const keylog = str(values.keylog);
  if (keylog) flags.keylog = keylog;
  if (values.trace) flags.trace = true;
  const timeout = str(values.timeout);
  if (timeout !== undefined) {
    const ms = Number(timeout);
    if (!Number.isFinite(ms) || ms <= 0) throw new UsageError('--timeout takes a number of milliseconds');
    flags.timeoutMs = ms;
  }
  const cert = str(values.cert);
  const key = str(values.key);
  if (cert) flags.clientCert = readOptionFile('--cert', cert);
  if (key) flags.clientKey = readOptionFile('--key', key);
  return flags;
}

/** Prints the one-line reason (or JSON) and returns the exit code for `e`. */
export function reportFailure(io: Io, e: unknown, json: boolean): number {
  const usageError = e instanceof UsageError || (e instanceof TlsError && e.code === 'BAD_CONFIG');
  if (json) io.stderr.write(JSON.stringify(failureJson(e)) + '\n');
  else io.stderr.write(`puretls: ${usageError && e instanceof UsageError ? e.message : failureLine(e)}\n`);
  return usageError ? EXIT_USAGE : EXIT_FAILURE;
}
