/**
 * `openssl s_server -tls1_3` (or `-tls1_2`) on 127.0.0.1, on a port the kernel picks.
 *
 * Modes:
 *  - 'rev'   (default) every line the client sends comes back reversed
 *            ("hello\n" -> "olleh\n"); the client's close_notify is answered
 *            with close_notify ("CONNECTION CLOSED" in the output).
 *  - 'www'   answers "GET / HTTP/1.0\r\n\r\n" with an HTML status page, then closes.
 *  - 'stdio' plain s_server: what the client sends appears in `output`, what
 *            you `write()` goes to the client (a connection must be up).
 *
 * With `msg` (default on) the server prints every protocol message (-msg);
 * `transcript(since)` parses that: ClientHello/ServerHello contents and the
 * alerts received/sent (e.g. "fatal bad_certificate", "warning close_notify").
 * s_server serves one connection at a time; connect sequentially.
 */
import { existsSync } from 'node:fs';
import { certFiles, type ServerCertName } from './fixtures.js';
import { spawnGuarded, type GuardedProcess } from './process.js';
import { parseMsgOutput, type MsgTranscript } from './tls-wire.js';

export type OpenSslServerMode = 'rev' | 'www' | 'stdio';

export interface OpenSslServerOptions {
  /** Use the generated fixture's leaf, key and intermediates. */
  fixture?: ServerCertName;
  /** Path to the leaf certificate (PEM). Only the first certificate is sent. */
  cert?: string;
  /** Path to the private key (PEM). */
  key?: string;
  /** Path to the extra chain certificates (intermediates) to send: -cert_chain. */
  chain?: string;
  /** TLS group names, e.g. ['x25519', 'secp256r1'] (-groups). */
  groups?: readonly string[];
  /** TLS 1.3 suites, e.g. ['TLS_AES_128_GCM_SHA256'] (-ciphersuites). */
  ciphersuites?: readonly string[];
  /** The one protocol version served: -tls1_3 (default) or -tls1_2. */
  version?: 'TLSv1.2' | 'TLSv1.3';
  /** TLS 1.2 suites in OpenSSL's names, e.g. ['ECDHE-RSA-CHACHA20-POLY1305'] (-cipher). */
  ciphers?: readonly string[];
  /** Protocols to accept (-alpn). */
  alpn?: readonly string[];
  /**
   * Ask for a client certificate and check it against `caFile`.
   * required (default true) -> -Verify (a certificate is mandatory), else -verify.
   */
  verifyClient?: { caFile: string; required?: boolean; depth?: number };
  mode?: OpenSslServerMode;
  /** Print protocol messages (-msg); default true. */
  msg?: boolean;
  /** Number of session tickets to send (-num_tickets); OpenSSL default is 2. */
  numTickets?: number;
  /** Write TLS secrets here (-keylogfile). */
  keylogFile?: string;
  extraArgs?: readonly string[];
  /** Listen address; default 127.0.0.1. */
  host?: string;
  startTimeoutMs?: number;
}

export interface OpenSslServer {
  readonly host: string;
  readonly port: number;
  readonly args: readonly string[];
  readonly process: GuardedProcess;
  /** Combined stdout+stderr so far. */
  readonly output: string;
  /** Current output length: pass to waitForOutput/transcript to look only at what follows. */
  mark(): number;
  waitForOutput(pattern: RegExp | string, options?: { since?: number; timeoutMs?: number }): Promise<RegExpMatchArray>;
  /** Parsed -msg trace of the output after `since`. */
  transcript(since?: number): MsgTranscript;
  /** Send data to the connected client (stdio mode). */
  write(data: string | Uint8Array): void;
  stop(): Promise<void>;
}

const STDBUF = ['/usr/bin/stdbuf', '/bin/stdbuf'].find((p) => existsSync(p));

export async function startOpenSslServer(options: OpenSslServerOptions): Promise<OpenSslServer> {
  const host = options.host ?? '127.0.0.1';
  const files = options.fixture ? certFiles(options.fixture) : undefined;
  const cert = options.cert ?? files?.certPath;
  const key = options.key ?? files?.keyPath;
  const chain = options.chain ?? files?.intermediatesPath;
  if (!cert || !key) throw new Error('startOpenSslServer: need `fixture` or `cert` + `key`');

  const hostPart = host.includes(':') ? `[${host}]` : host;
  const args = ['s_server', options.version === 'TLSv1.2' ? '-tls1_2' : '-tls1_3', '-accept', `${hostPart}:0`, '-cert', cert, '-key', key];
  if (chain) args.push('-cert_chain', chain);
  if (options.groups?.length) args.push('-groups', options.groups.join(':'));
  if (options.ciphersuites?.length) args.push('-ciphersuites', options.ciphersuites.join(':'));
  if (options.ciphers?.length) args.push('-cipher', options.ciphers.join(':'));
  if (options.alpn?.length) args.push('-alpn', options.alpn.join(','));
  if (options.verifyClient) {
    const v = options.verifyClient;
    args.push(v.required === false ? '-verify' : '-Verify', String(v.depth ?? 4), '-CAfile', v.caFile, '-verify_return_error');
  }
  const mode = options.mode ?? 'rev';
  if (mode === 'rev') args.push('-rev');
  else if (mode === 'www') args.push('-www');
  else args.push('-ign_eof');
  if (options.msg !== false) args.push('-msg');
  if (options.numTickets !== undefined) args.push('-num_tickets', String(options.numTickets));
  if (options.keylogFile) args.push('-keylogfile', options.keylogFile);
  if (options.extraArgs) args.push(...options.extraArgs);

  // s_server writes -msg dumps to stdout (fully buffered on a pipe, so a
  // connection's last lines could wait for the next connection) and status
  // lines to stderr (another pipe, so no order between them). One pipe,
  // line-buffered, keeps every line whole and in the order written.
  const openssl = process.env.OPENSSL ?? 'openssl';
  const proc = STDBUF
    ? spawnGuarded('/bin/sh', ['-c', `exec ${STDBUF} -oL "$@" 2>&1`, 'openssl-lines', openssl, ...args])
    : spawnGuarded(openssl, args);
  let port: number;
  try {
    const m = await proc.waitForOutput(/^ACCEPT (.*):(\d+)\s*$/m, { timeoutMs: options.startTimeoutMs ?? 10_000 });
    port = Number(m[2]);
  } catch (err) {
    await proc.stop();
    throw err;
  }

  return {
    host,
    port,
    args,
    process: proc,
    get output() {
      return proc.output;
    },
    mark: () => proc.outputLength,
    waitForOutput: (pattern, o) => proc.waitForOutput(pattern, o),
    transcript: (since = 0) => parseMsgOutput(proc.outputSince(since)),
    write(data) {
      proc.stdin.write(data);
    },
    stop: () => proc.stop(),
  };
}
