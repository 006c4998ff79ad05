/**
 * A Go `crypto/tls` server (test/peers/go-server/main.go, standard library
 * only) as a test peer. TLS 1.2 only by default.
 *
 * The binary is built on first use with Go 1.19
 * (`GO111MODULE=off /usr/lib/go-1.19/bin/go build`; $PURETLS_GO names another
 * `go`), into test/peers/go-server/go-tls-server (git-ignored), with HOME and
 * GOCACHE in test/peers/go-server/.cache. A stamp (hash of main.go and the Go
 * version) says when it must be rebuilt; the build writes a temporary file and
 * renames it, so parallel test workers cannot see half a binary.
 *
 * The server prints "LISTENING host:port", then one JSON line per event
 * (handshake, handshakeError, closed). Echo mode (default) writes back what
 * it reads until the client's close_notify, then sends close_notify.
 *
 * Go 1.19 as a TLS 1.2 server: resumption by session ticket only (no
 * session-ID cache: a client offering only a session ID gets a full
 * handshake); no extended_master_secret (RFC 7627; Go 1.21 added it); the key
 * log has no line for a resumed session; with ALPN on both sides and no
 * overlap it fails the handshake (no_application_protocol).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { certFiles, type ServerCertName } from './fixtures.js';
import { jsonEvents, spawnGuarded, type GuardedProcess } from './process.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const GO_SERVER_DIR = path.join(HERE, 'go-server');
export const GO_SERVER_SOURCE = path.join(GO_SERVER_DIR, 'main.go');
export const GO_SERVER_BINARY = path.join(GO_SERVER_DIR, 'go-tls-server');
const STAMP = `${GO_SERVER_BINARY}.stamp`;
const CACHE_DIR = path.join(GO_SERVER_DIR, '.cache');

/** The `go` tool: $PURETLS_GO, else Debian's golang-1.19-go. */
export function goTool(): string | undefined {
  const candidates = [process.env.PURETLS_GO, '/usr/lib/go-1.19/bin/go'];
  return candidates.find((c): c is string => !!c && existsSync(c));
}

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, [...args], { cwd: GO_SERVER_DIR, env, timeout: 300_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

let building: Promise<string> | undefined;

/** Build the Go server if needed (once per process); resolves with the binary's path. */
export function ensureGoServer(): Promise<string> {
  building ??= (async () => {
    const go = goTool();
    if (!go) throw new Error('no Go toolchain: apt-get install golang-1.19-go (or set PURETLS_GO)');
    mkdirSync(CACHE_DIR, { recursive: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: CACHE_DIR,
      GOCACHE: path.join(CACHE_DIR, 'go-build'),
      GOPATH: path.join(CACHE_DIR, 'gopath'),
      GO111MODULE: 'off',
      CGO_ENABLED: '0',
      GOFLAGS: '',
    };
    const version = (await run(go, ['version'], env)).trim();
    const stamp = createHash('sha256').update(readFileSync(GO_SERVER_SOURCE)).update(version).digest('hex');
    if (existsSync(GO_SERVER_BINARY) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === stamp) return GO_SERVER_BINARY;
    const tmp = `${GO_SERVER_BINARY}.${process.pid}.tmp`;
    try {
      await run(go, ['build', '-o', tmp, 'main.go'], env);
      renameSync(tmp, GO_SERVER_BINARY);
    } finally {
      rmSync(tmp, { force: true });
    }
    writeFileSync(STAMP, stamp + '\n');
    return GO_SERVER_BINARY;
  })();
  building.catch(() => {
    building = undefined; // let a later call try again
  });
  return building;
}

export type GoTlsVersion = '1.0' | '1.1' | '1.2' | '1.3';

export interface GoServerOptions {
  /** Use the generated fixture's chain (leaf + intermediates) and key. */
  fixture?: ServerCertName;
  /** PEM file: leaf followed by intermediates. */
  certChain?: string;
  key?: string;
  /** Default '1.2'. */
  minVersion?: GoTlsVersion;
  /** Default '1.2'. */
  maxVersion?: GoTlsVersion;
  /** TLS 1.2 suites, Go names (e.g. 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'); default Go's list. */
  ciphers?: readonly string[];
  /** 'X25519', 'P-256', 'P-384', 'P-521' (also secp256r1 / CurveP256 spellings); default Go's list. */
  curves?: readonly string[];
  alpn?: readonly string[];
  /** Require a client certificate and verify it against this CA file (RequireAndVerifyClientCert). */
  clientCa?: string;
  /** Session tickets (default true). Go 1.19 has no session-ID resumption. */
  tickets?: boolean;
  /** 'echo' (default) or 'handshake' (close_notify right after the handshake). */
  mode?: 'echo' | 'handshake';
  /** Write TLS secrets here (NSS key log). */
  keylogFile?: string;
  startTimeoutMs?: number;
}

export interface GoServerEvent {
  event: 'handshake' | 'handshakeError' | 'closed' | 'internalError';
  id: number;
  remotePort?: number;
  /** handshake: 'TLSv1.2' / 'TLSv1.3' */
  version?: string;
  /** handshake: IANA name */
  cipherSuite?: string;
  resumed?: boolean;
  alpn?: string;
  serverName?: string;
  /** handshake: subjects of the client's certificates (null when none). */
  peerCertificates?: string[] | null;
  /** handshakeError */
  error?: string;
  /** closed: application bytes read / written */
  bytesIn?: number;
  bytesOut?: number;
  /** closed: 'close_notify', 'eof' (TCP FIN without close_notify), 'server closed' (handshake mode) or an error */
  end?: string;
  closeError?: string;
}

export interface GoConnectionReport {
  handshake?: GoServerEvent;
  handshakeError?: GoServerEvent;
  closed?: GoServerEvent;
}

export interface GoServer {
  readonly host: string;
  readonly port: number;
  readonly args: readonly string[];
  readonly process: GuardedProcess;
  readonly events: readonly GoServerEvent[];
  /** Resolves with the first event after index `since` that matches. */
  waitForEvent(match: (e: GoServerEvent) => boolean, since?: number, timeoutMs?: number): Promise<GoServerEvent>;
  /** Resolves once the connection from `clientPort` is over (closed or handshake error). */
  connectionFrom(clientPort: number, timeoutMs?: number): Promise<GoConnectionReport>;
  stop(): Promise<void>;
}

export async function startGoServer(options: GoServerOptions): Promise<GoServer> {
  const bin = await ensureGoServer();
  const files = options.fixture ? certFiles(options.fixture) : undefined;
  const certChain = options.certChain ?? files?.chainPath;
  const key = options.key ?? files?.keyPath;
  if (!certChain || !key) throw new Error('startGoServer: need `fixture` or `certChain` + `key`');
  const host = '127.0.0.1';
  const args = [
    '-addr', `${host}:0`,
    '-cert', certChain,
    '-key', key,
    '-min', options.minVersion ?? '1.2',
    '-max', options.maxVersion ?? '1.2',
    '-mode', options.mode ?? 'echo',
    `-tickets=${options.tickets ?? true}`,
  ];
  if (options.ciphers?.length) args.push('-ciphers', options.ciphers.join(','));
  if (options.curves?.length) args.push('-curves', options.curves.join(','));
  if (options.alpn?.length) args.push('-alpn', options.alpn.join(','));
  if (options.clientCa) args.push('-client-ca', options.clientCa);
  if (options.keylogFile) args.push('-keylog', options.keylogFile);
  const proc = spawnGuarded(bin, args);

  const { events, waitForEvent } = jsonEvents<GoServerEvent>(proc, 'go server');

  let port: number;
  try {
    const m = await proc.waitForOutput(/^LISTENING (.*):(\d+)$/m, { timeoutMs: options.startTimeoutMs ?? 10_000 });
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
    events,
    waitForEvent,
    async connectionFrom(clientPort, timeoutMs = 10_000) {
      const last = await waitForEvent(
        (e) => e.remotePort === clientPort && (e.event === 'closed' || e.event === 'handshakeError'),
        0,
        timeoutMs,
      );
      const mine = events.filter((e) => e.id === last.id);
      return {
        handshake: mine.find((e) => e.event === 'handshake'),
        handshakeError: mine.find((e) => e.event === 'handshakeError'),
        closed: mine.find((e) => e.event === 'closed'),
      };
    },
    stop: () => proc.stop(),
  };
}
