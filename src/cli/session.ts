/**
 * What `connect` and `demo` share: turning command-line options into
 * connector options, capturing the verification verdict, and running a
 * connection that pipes an input stream to the server and the server to an
 * output stream.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { TlsError } from '../errors.js';
import { TLS12_CIPHER_SUITES, type CipherSuiteName } from '../handshake/constants.js';
import type { GroupName } from '../crypto/provider.js';
import { connect, type NodeConnectOptions, type TlsConnection } from '../node.js';
import { certificatesFrom, privateKeyFrom } from '../inputs.js';
import { resolveTrustStore, type ConnectorOptions } from '../options.js';
import { verifyDerChain } from '../verify/index.js';
import { Progress } from './progress.js';
import { buildSummary, passedVerdict, type Summary, type Verdict } from './summary.js';
import { TraceFormatter } from './trace.js';

/** Options common to `connect` and `demo`, as parsed from the command line. */
export interface SessionFlags {
  servername?: string;
  /** Trust anchors (replace the bundled roots): a file's bytes, PEM or DER, or PEM text. */
  ca?: OptionFile;
  roots?: 'mozilla' | 'system';
  insecure?: boolean;
  alpn?: string[];
  groups?: string[];
  ciphers?: string[];
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  keylog?: string;
  trace?: boolean;
  timeoutMs?: number;
  /** Client certificate chain and key for mutual TLS (PEM or DER). */
  clientCert?: OptionFile;
  clientKey?: OptionFile;
}

/** A file given on the command line: its name (for messages) and its bytes, PEM or DER. */
export interface OptionFile {
  /** How errors name it, e.g. "--ca root.pem". */
  readonly name: string;
  readonly data: string | Uint8Array;
}

/** OpenSSL and Node spellings of the groups, to puretls's IANA names. */
const GROUP_ALIASES: Readonly<Record<string, GroupName>> = {
  x25519: 'x25519',
  X25519: 'x25519',
  'P-256': 'secp256r1',
  prime256v1: 'secp256r1',
  secp256r1: 'secp256r1',
  'P-384': 'secp384r1',
  secp384r1: 'secp384r1',
  'P-521': 'secp521r1',
  secp521r1: 'secp521r1',
  X25519MLKEM768: 'X25519MLKEM768',
  x25519mlkem768: 'X25519MLKEM768',
};

const SUITE_ALIASES: Readonly<Record<string, CipherSuiteName>> = {
  TLS_AES_128_GCM_SHA256: 'TLS_AES_128_GCM_SHA256',
  TLS_AES_256_GCM_SHA384: 'TLS_AES_256_GCM_SHA384',
  TLS_CHACHA20_POLY1305_SHA256: 'TLS_CHACHA20_POLY1305_SHA256',
  aes128: 'TLS_AES_128_GCM_SHA256',
  aes256: 'TLS_AES_256_GCM_SHA384',
  chacha20: 'TLS_CHACHA20_POLY1305_SHA256',
  // TLS 1.2: IANA names and OpenSSL's.
  ...Object.fromEntries(TLS12_CIPHER_SUITES.map((s) => [s.name, s.name])),
  'ECDHE-ECDSA-AES128-GCM-SHA256': 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384': 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305': 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384': 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305': 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
};

function usage(message: string): TlsError {
  return new TlsError('BAD_CONFIG', message);
}

/** Reads a file for an option (bytes: PEM or DER), failing with a usage error that names it. */
export function readOptionFile(option: string, file: string): OptionFile {
  try {
    return { name: `${option} ${file}`, data: new Uint8Array(readFileSync(file)) };
  } catch (e) {
    throw usage(`${option} ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Connector options built from the command line, with the verification verdict and cleanup. */
export interface PreparedOptions {
  options: ConnectorOptions;
  /** Set by the verifier; `ok: null` until it runs (it does not on resumption). */
  verdict(): Verdict;
  /** Closes the key log file. */
  dispose(): void;
}

/** Turns the command-line flags into ConnectorOptions (trust, groups, suites, key log, trace) and a verifier that records its verdict; --insecure lets a failed verification through. */
export function prepareOptions(flags: SessionFlags, stderr: Writable): PreparedOptions {
  const options: ConnectorOptions = {};
  // Read here, so a wrong file is reported under its option name (src/inputs.ts).
  if (flags.ca !== undefined) options.ca = certificatesFrom(flags.ca.data, flags.ca.name);
  if (flags.roots) options.roots = flags.roots;
  if (flags.alpn?.length) options.alpn = flags.alpn;
  if (flags.groups?.length) {
    options.groups = flags.groups.map((g) => {
      const name = GROUP_ALIASES[g];
      if (!name) throw usage(`unknown group ${g} (known: x25519, secp256r1, secp384r1, secp521r1, X25519MLKEM768)`);
      return name;
    });
  }
  if (flags.ciphers?.length) {
    options.cipherSuites = flags.ciphers.map((c) => {
      const name = SUITE_ALIASES[c];
      if (!name) throw usage(`unknown cipher suite ${c} (e.g. ${Object.keys(SUITE_ALIASES).slice(0, 3).join(', ')}, ECDHE-RSA-AES128-GCM-SHA256)`);
      return name;
    });
  }
  if (flags.minVersion) options.minVersion = flags.minVersion;
  if (flags.maxVersion) options.maxVersion = flags.maxVersion;
  if (flags.timeoutMs !== undefined) options.handshakeTimeout = flags.timeoutMs;
  if (flags.clientCert !== undefined || flags.clientKey !== undefined) {
    if (flags.clientCert === undefined || flags.clientKey === undefined) throw usage('--cert and --key go together');
    options.clientCertificate = {
      chain: certificatesFrom(flags.clientCert.data, flags.clientCert.name),
      key: privateKeyFrom(flags.clientKey.data, flags.clientKey.name),
    };
  }
  // A CLI process makes one connection: a resumption cache would only hold secrets.
  options.sessions = false;

  let keylogFd: number | null = null;
  const keylogPath = flags.keylog ?? process.env.SSLKEYLOGFILE;
  if (keylogPath) {
    try {
      keylogFd = openSync(keylogPath, 'a', 0o600);
    } catch (e) {
      throw usage(`--keylog ${keylogPath}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const fd = keylogFd;
    // Synchronous, so each secret is on disk before the records it protects.
    options.keyLog = (line) => writeSync(fd, line + '\n');
  }
  if (flags.trace) {
    const f = new TraceFormatter((text) => stderr.write(text));
    options.trace = (label, value) => f.entry(label, value);
  }

  let verdict: Verdict = { ok: null, message: 'not run (resumed session: verified when the ticket was issued)' };
  const trust = resolveTrustStore(options);
  options.verify = async (ctx) => {
    try {
      const v = await verifyDerChain({ chain: ctx.chain, serverName: ctx.serverName, roots: await trust });
      verdict = passedVerdict(v);
    } catch (e) {
      const err = e instanceof TlsError ? e : new TlsError('BAD_CERTIFICATE', String(e));
      verdict = { ok: false, code: err.code, message: err.message };
      if (!flags.insecure) throw err;
    }
  };
  return {
    options,
    verdict: () => verdict,
    dispose() {
      if (keylogFd !== null) closeSync(keylogFd);
      keylogFd = null;
    },
  };
}

/** Where to connect: a host name or IP literal and a TCP port. */
export interface Target {
  host: string;
  port: number;
}

/** HOST:PORT, [IPv6]:PORT, or HOST (port 443). */
export function parseTarget(text: string): Target {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const m = v6 ?? /^([^:]+)(?::(\d+))?$/.exec(text);
  if (!m || !m[1]) throw usage(`expected HOST:PORT, got ${JSON.stringify(text)}`);
  const port = m[2] === undefined ? 443 : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw usage(`bad port in ${JSON.stringify(text)}`);
  return { host: m[1], port };
}

/** An established connection and the summary of its handshake. */
export interface OpenResult {
  conn: TlsConnection;
  summary: Summary;
}

/** Dials and runs the handshake; on failure the error says why (TlsError). */
export async function openConnection(target: Target, flags: SessionFlags, prepared: PreparedOptions): Promise<OpenResult> {
  const started = Date.now();
  const opts: NodeConnectOptions = { ...prepared.options, host: target.host, port: target.port };
  if (flags.servername) opts.servername = flags.servername;
  const conn = await connect(opts);
  const summary = buildSummary({
    host: target.host,
    port: target.port,
    info: conn.info,
    alpnOffered: flags.alpn ?? [],
    verdict: prepared.verdict(),
    handshakeMs: Date.now() - started,
  });
  return { conn, summary };
}

/** The two ends {@link pipeConnection} copies between, and an optional transfer meter. */
export interface PipeOptions {
  input: Readable | null;
  output: Writable;
  progress: Progress | null;
}

/**
 * Copies input to the server (closing our side, with close_notify, at the
 * input's end) and the server to output, until the server closes.
 * Resolves on a clean close; rejects with the connection's error.
 */
export async function pipeConnection(conn: TlsConnection, p: PipeOptions): Promise<void> {
  const writer = conn.writable.getWriter();
  let serverDone = false;
  const upload = (async () => {
    try {
      if (p.input) {
        for await (const chunk of p.input) {
          if (serverDone) break;
          const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : new Uint8Array(chunk as Buffer);
          await writer.write(bytes);
          if (p.progress) p.progress.sent += bytes.length;
        }
      }
      if (!serverDone) await writer.close();
    } catch {
      // The download side reports the connection's error.
    }
  })();

  let outputBroken = false;
  p.output.on('error', () => {
    outputBroken = true;
  });
  const reader = conn.readable.getReader();
  try {
    for (;;) {
      const { value: chunk, done } = await reader.read();
      if (done) break;
      p.progress?.beforeData();
      if (p.progress) p.progress.received += chunk.length;
      if (outputBroken) continue; // keep draining so the TLS close completes
      const ok = p.output.write(chunk);
      p.progress?.afterData(chunk);
      if (!ok && !outputBroken) {
        await new Promise<void>((resolve) => {
          p.output.once('drain', resolve);
          p.output.once('error', resolve);
        });
      }
    }
  } finally {
    serverDone = true;
    p.progress?.stop();
    // Stop reading the input: a terminal or an open pipe would keep us waiting.
    p.input?.destroy();
  }
  // The server is done; end our direction too (close_notify) unless the
  // input already did, without waiting for an input that may never end.
  await writer.close().catch(() => undefined);
  void upload;
  await conn.close();
}
