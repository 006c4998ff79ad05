/**
 * `gnutls-serv` (GnuTLS) as a test peer, TLS 1.2 only by default
 * (--priority NORMAL:-VERS-ALL:+VERS-TLS1.2).
 *
 * gnutls-serv has no listen address and no port 0: it listens on every
 * address (0.0.0.0 and ::) on the port given. A free port is picked here (the
 * kernel's choice for a throwaway socket) and, when gnutls-serv reports
 * "bind() failed" (someone took it meanwhile; gnutls-serv keeps running
 * without a socket), the server is stopped and started again on another port.
 *
 * Modes: 'echo' (default, --echo --crlf) answers each piece of input that
 * contains a newline with all the input since the previous answer: send
 * newline-terminated text without NUL bytes (its buffer is a C string), and
 * expect it back byte for byte; 'http' answers a request with an HTML page.
 *
 * Client certificates: by default none is asked for (--disable-client-cert);
 * `clientCa` requires one and verifies it (--require-client-cert
 * --verify-client-cert --x509cafile): without --verify-client-cert gnutls-serv
 * would accept any certificate.
 *
 * TLS 1.2 resumption: tickets by default; `noTicket` (--noticket) leaves
 * session IDs (its in-memory session database); `noDb` (--nodb) disables that.
 *
 * What it says about each connection ("* Accepted connection from ...", then
 * "- Version: TLS1.2", "- Cipher: AES-128-GCM", ...) is parsed by
 * `connections()`. The key log (`keylogFile`) is written through
 * SSLKEYLOGFILE; GnuTLS logs no line for a resumed TLS 1.2 session.
 */
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import * as net from 'node:net';
import { certFiles, type ServerCertName } from './fixtures.js';
import { spawnGuarded, type GuardedProcess } from './process.js';

/** The default priority string: GnuTLS's NORMAL set, TLS 1.2 only. */
export const GNUTLS_TLS12_PRIORITY = 'NORMAL:-VERS-ALL:+VERS-TLS1.2';

export interface GnutlsServerOptions {
  /** Use the generated fixture's chain (leaf + intermediates) and key. */
  fixture?: ServerCertName;
  /** PEM file: leaf followed by intermediates (--x509certfile). */
  certChain?: string;
  /** PEM private key file (--x509keyfile). */
  key?: string;
  /** GnuTLS priority string; default GNUTLS_TLS12_PRIORITY. See `gnutlsPriority()` in tls12.ts. */
  priority?: string;
  /** Protocols to accept (--alpn, repeated). */
  alpn?: readonly string[];
  /** Refuse clients whose ALPN list has no match with a fatal alert (--alpn-fatal). */
  alpnFatal?: boolean;
  /** Require a client certificate and verify it against this CA file. */
  clientCa?: string;
  /** Issue no session tickets (--noticket): TLS 1.2 resumption by session ID. */
  noTicket?: boolean;
  /** No session-ID database (--nodb). */
  noDb?: boolean;
  mode?: 'echo' | 'http';
  /** Write TLS secrets here (SSLKEYLOGFILE). */
  keylogFile?: string;
  extraArgs?: readonly string[];
  startTimeoutMs?: number;
  /** Ports to try before giving up; default 5. */
  portAttempts?: number;
  /** The first port to try (default: a free one); later attempts pick free ones. */
  port?: number;
}

/** What gnutls-serv printed about one accepted connection. */
export interface GnutlsConnectionInfo {
  /** The client's TCP port. */
  clientPort: number;
  /** "*** This is a resumed session". */
  resumed: boolean;
  /** e.g. 'TLS1.2' (GnuTLS spelling). */
  version?: string;
  /** e.g. '(TLS1.2-X.509)-(ECDHE-X25519)-(ECDSA-SHA256)-(AES-128-GCM)'. */
  description?: string;
  /** e.g. 'ECDHE-ECDSA'. */
  keyExchange?: string;
  /** e.g. 'AES-128-GCM', 'CHACHA20-POLY1305'. */
  cipher?: string;
  /** e.g. 'AEAD'. */
  mac?: string;
  /** e.g. 'X25519', 'SECP256R1'. */
  curve?: string;
  /** e.g. 'ECDSA-SHA256', 'RSA-PSS-RSAE-SHA256'. */
  serverSignature?: string;
  clientSignature?: string;
  /** e.g. ['extended master secret', 'safe renegotiation']. */
  options: string[];
  alpn?: string;
  sessionId?: string;
  serverName?: string;
  /** Number of client certificates received. */
  clientCertificates: number;
  /** e.g. 'The certificate is trusted.' */
  clientCertificateStatus?: string;
  /** "Error in handshake: ..." and other error lines. */
  errors: string[];
  /** The handshake summary (through "- Options:") or a handshake error has been printed. */
  complete: boolean;
}

export interface GnutlsServer {
  readonly host: string;
  readonly port: number;
  readonly args: readonly string[];
  readonly process: GuardedProcess;
  /** Combined stdout+stderr so far. */
  readonly output: string;
  /** Current output length: pass to connections()/waitForOutput to look only at what follows. */
  mark(): number;
  waitForOutput(pattern: RegExp | string, options?: { since?: number; timeoutMs?: number }): Promise<RegExpMatchArray>;
  /** The connections reported in the output after `since`. */
  connections(since?: number): GnutlsConnectionInfo[];
  /**
   * Resolves with the report of the connection from `clientPort` once it is
   * complete (handshake summary or handshake error printed).
   */
  connectionFrom(clientPort: number, timeoutMs?: number): Promise<GnutlsConnectionInfo>;
  stop(): Promise<void>;
}

const STDBUF = ['/usr/bin/stdbuf', '/bin/stdbuf'].find((p) => existsSync(p));

/** A port no one listens on right now (on every address, as gnutls-serv binds). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  s.listen(0, '0.0.0.0');
  await once(s, 'listening');
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Parse gnutls-serv's per-connection reports. */
export function parseGnutlsServOutput(text: string): GnutlsConnectionInfo[] {
  const out: GnutlsConnectionInfo[] = [];
  let cur: GnutlsConnectionInfo | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    const accepted = /^\* Accepted connection from IPv[46] .* port (\d+)/.exec(line);
    if (accepted) {
      cur = { clientPort: Number(accepted[1]), resumed: false, options: [], clientCertificates: 0, errors: [], complete: false };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    let m: RegExpExecArray | null;
    if (line === '*** This is a resumed session') cur.resumed = true;
    else if ((m = /^- Version: (.*)$/.exec(line))) cur.version = m[1];
    else if ((m = /^- Description: (.*)$/.exec(line))) cur.description = m[1];
    else if ((m = /^- Key Exchange: (.*)$/.exec(line))) cur.keyExchange = m[1];
    else if ((m = /^- Cipher: (.*)$/.exec(line))) cur.cipher = m[1];
    else if ((m = /^- MAC: (.*)$/.exec(line))) cur.mac = m[1];
    else if ((m = /^ - Using curve: (.*)$/.exec(line))) cur.curve = m[1];
    else if ((m = /^- Server Signature: (.*)$/.exec(line))) cur.serverSignature = m[1];
    else if ((m = /^- Client Signature: (.*)$/.exec(line))) cur.clientSignature = m[1];
    else if ((m = /^- Options:(.*)$/.exec(line))) {
      cur.options = m[1]!.split(',').map((o) => o.trim()).filter(Boolean);
      cur.complete = true;
    }
    else if ((m = /^- Application protocol: (.*)$/.exec(line))) cur.alpn = m[1];
    else if ((m = /^- Session ID: (.*)$/.exec(line))) cur.sessionId = m[1]!.replace(/:/g, '').toLowerCase();
    else if ((m = /^- Given server name\[\d+\]: (.*)$/.exec(line))) cur.serverName = m[1];
    else if ((m = /^- Got a certificate list of (\d+) certificates/.exec(line))) cur.clientCertificates = Number(m[1]);
    else if ((m = /^- Status: (.*)$/.exec(line))) cur.clientCertificateStatus = m[1]!.trim();
    else if (/^Error in handshake: |^Error while /.test(line)) {
      cur.errors.push(line);
      if (line.startsWith('Error in handshake')) cur.complete = true;
    }
  }
  return out;
}

export async function startGnutlsServer(options: GnutlsServerOptions): Promise<GnutlsServer> {
  const files = options.fixture ? certFiles(options.fixture) : undefined;
  const certChain = options.certChain ?? files?.chainPath;
  const key = options.key ?? files?.keyPath;
  if (!certChain || !key) throw new Error('startGnutlsServer: need `fixture` or `certChain` + `key`');

  const baseArgs: string[] = ['--priority', options.priority ?? GNUTLS_TLS12_PRIORITY, '--x509certfile', certChain, '--x509keyfile', key];
  if ((options.mode ?? 'echo') === 'echo') baseArgs.push('--echo', '--crlf');
  else baseArgs.push('--http');
  for (const p of options.alpn ?? []) baseArgs.push('--alpn', p);
  if (options.alpnFatal) baseArgs.push('--alpn-fatal');
  if (options.clientCa) baseArgs.push('--require-client-cert', '--verify-client-cert', '--x509cafile', options.clientCa);
  else baseArgs.push('--disable-client-cert');
  if (options.noTicket) baseArgs.push('--noticket');
  if (options.noDb) baseArgs.push('--nodb');
  if (options.extraArgs) baseArgs.push(...options.extraArgs);
  const env = options.keylogFile ? { ...process.env, SSLKEYLOGFILE: options.keylogFile } : process.env;

  const attempts = options.portAttempts ?? 5;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = attempt === 0 && options.port !== undefined ? options.port : await freePort();
    const args = ['--port', String(port), ...baseArgs];
    const proc = STDBUF
      ? spawnGuarded('/bin/sh', ['-c', `exec ${STDBUF} -oL -eL "$@" 2>&1`, 'gnutls-lines', 'gnutls-serv', ...args], { env })
      : spawnGuarded('gnutls-serv', args, { env });
    try {
      const m = await proc.waitForOutput(/listening on IPv4 \S+ port (\d+)\.\.\.(done|.*failed.*)$/m, {
        timeoutMs: options.startTimeoutMs ?? 10_000,
      });
      if (m[2] !== 'done') throw new Error(`gnutls-serv could not listen on port ${port}: ${m[2]}`);
    } catch (err) {
      lastError = err;
      await proc.stop();
      continue;
    }
    return makeServer(proc, port, args);
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

function makeServer(proc: GuardedProcess, port: number, args: readonly string[]): GnutlsServer {
  const connections = (since = 0) => parseGnutlsServOutput(proc.outputSince(since));
  return {
    host: '127.0.0.1',
    port,
    args,
    process: proc,
    get output() {
      return proc.output;
    },
    mark: () => proc.outputLength,
    waitForOutput: (pattern, o) => proc.waitForOutput(pattern, o),
    connections,
    async connectionFrom(clientPort, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const c = connections().find((x) => x.clientPort === clientPort);
        if (c?.complete) return c;
        const left = deadline - Date.now();
        if (left <= 0 || proc.hasExited) {
          throw new Error(`gnutls-serv: no complete report for the connection from port ${clientPort}; output:\n${proc.output.slice(-3000)}`);
        }
        await proc.waitForOutput(/\n/, { since: proc.outputLength, timeoutMs: left }).catch(() => undefined);
      }
    },
    stop: () => proc.stop(),
  };
}
