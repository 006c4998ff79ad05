/**
 * A Node `tls.Server` on 127.0.0.1 (TLS 1.3 only by default; `maxVersion:
 * 'TLSv1.2'` pins TLS 1.2, `minVersion: 'TLSv1.2'` accepts both) that records,
 * per connection, what was negotiated and what the client put on the wire.
 *
 * Every TCP connection goes through a tap (net.Server -> Duplex -> tls.Server)
 * that feeds a ConnectionObserver: the ClientHello/ServerHello are parsed, and
 * with the server's keylog the client's protected records are decrypted, so a
 * test can assert the group/suite chosen (server-side view), whether the client
 * sent close_notify, and which alert it sent on failure.
 *
 * Modes: 'echo' (default) pipes the socket back to itself; 'sink' reads and
 * discards; 'custom' hands the socket to `onSecureConnection`.
 *
 * TLS 1.2 resumption: Node servers issue session tickets by default (resumption
 * by ticket). Node's OpenSSL context has no internal session cache, so
 * session-ID resumption needs `sessionCache: true` (an in-memory store behind
 * the 'newSession'/'resumeSession' events) and, to force it, `tickets: false`
 * (SSL_OP_NO_TICKET). Node supplies a default sessionIdContext.
 */
import { constants as cryptoConstants } from 'node:crypto';
import { once } from 'node:events';
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { loadCert, type ServerCertName } from './fixtures.js';
import { ConnectionObserver } from './tls-wire.js';

export type NodeServerMode = 'echo' | 'sink' | 'custom';

export interface NodeTlsServerOptions {
  /** Use the generated fixture's chain (leaf + intermediates) and key. */
  fixture?: ServerCertName;
  /** PEM: leaf followed by intermediates. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** CAs that validate client certificates (mTLS). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Ask for a client certificate. */
  requestCert?: boolean;
  /** With requestCert: refuse clients without a valid certificate (default true). */
  rejectUnauthorized?: boolean;
  /**
   * Node `ciphers`: TLS 1.3 suite names (e.g. 'TLS_AES_256_GCM_SHA384') and/or
   * TLS 1.2 OpenSSL names (e.g. 'ECDHE-ECDSA-AES128-GCM-SHA256'). Node splits
   * them: a list without TLS 1.3 names disables TLS 1.3 suites, and vice versa.
   */
  ciphers?: readonly string[] | string;
  /** Lowest version; default: `maxVersion` if that is given, else 'TLSv1.3'. */
  minVersion?: tls.SecureVersion;
  /** Highest version; default 'TLSv1.3'. */
  maxVersion?: tls.SecureVersion;
  /** Issue session tickets (default true); false sets SSL_OP_NO_TICKET. */
  tickets?: boolean;
  /** Keep sessions in memory for session-ID resumption (default false). */
  sessionCache?: boolean;
  /** TLS group names, e.g. ['x25519', 'secp384r1'] (Node `ecdhCurve`). */
  groups?: readonly string[];
  /** Raw Node `ecdhCurve` (overrides `groups`). */
  ecdhCurve?: string;
  alpn?: readonly string[];
  mode?: NodeServerMode;
  onSecureConnection?: (socket: tls.TLSSocket, conn: NodeServerConnection) => void;
  /** Anything else for tls.createServer. */
  tlsOptions?: tls.TlsOptions;
  host?: string;
}

export interface NodeServerConnection {
  readonly id: number;
  /** The client's TCP port (match it with the client socket's localPort). */
  readonly remotePort: number | undefined;
  /** Wire-level view (hellos, client alerts, close_notify, ...). */
  readonly observer: ConnectionObserver;
  /** The server-side TLS socket, once the handshake completed. */
  socket?: tls.TLSSocket;
  secure: boolean;
  /** From the server socket: getProtocol(), getCipher().standardName, ... */
  protocol?: string | null;
  cipher?: string;
  servername?: string | false;
  alpnProtocol?: string | false | null;
  authorized?: boolean;
  authorizationError?: string;
  /** DER of the client certificate (mTLS). */
  peerCertificate?: Uint8Array;
  /** The server socket's isSessionReused(). */
  resumed?: boolean;
  /** From the wire: the version the final ServerHello selected ('TLSv1.3', 'TLSv1.2'). */
  readonly version: string | undefined;
  /** From the wire: the final ServerHello. */
  readonly cipherSuite: string | undefined;
  readonly group: string | undefined;
  readonly helloRetryRequest: boolean;
  /** Application bytes received from / written to the client by the server socket. */
  bytesReceived: number;
  bytesSent: number;
  /** The TLS socket saw end-of-stream from the client (close_notify or FIN). */
  clientEnded: boolean;
  /** tlsClientError / socket error, if any. */
  error?: Error;
  /** Resolves when the TCP connection is fully closed. */
  readonly closed: Promise<void>;
  isClosed: boolean;
}

export interface NodeTlsServer {
  readonly host: string;
  readonly port: number;
  readonly server: tls.Server;
  /** Every TCP connection accepted, in order. */
  readonly connections: readonly NodeServerConnection[];
  /** Every 'tlsClientError' (handshake failures), in order. */
  readonly clientErrors: readonly Error[];
  /** With `sessionCache`: sessions stored ('newSession') and found again ('resumeSession' hits). */
  readonly sessionCacheStats: { readonly stored: number; readonly hits: number; readonly misses: number };
  /** Resolves with the connection number `index` (0-based) once accepted. */
  connection(index: number, timeoutMs?: number): Promise<NodeServerConnection>;
  /** Resolves once connection `index` has fully closed. */
  closedConnection(index: number, timeoutMs?: number): Promise<NodeServerConnection>;
  /**
   * Resolves once the connection from the client's local port `clientPort` has
   * fully closed (immune to stray connections from other processes).
   */
  closedConnectionFrom(clientPort: number, timeoutMs?: number): Promise<NodeServerConnection>;
  stop(): Promise<void>;
}

const GROUP_TO_NODE: Readonly<Record<string, string>> = {
  x25519: 'X25519',
  x448: 'X448',
  secp256r1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

export async function startNodeTlsServer(options: NodeTlsServerOptions): Promise<NodeTlsServer> {
  const fixture = options.fixture ? loadCert(options.fixture) : undefined;
  const cert = options.cert ?? fixture?.chain;
  const key = options.key ?? fixture?.key;
  if (!cert || !key) throw new Error('startNodeTlsServer: need `fixture` or `cert` + `key`');
  const host = options.host ?? '127.0.0.1';
  const mode = options.mode ?? 'echo';

  const maxVersion = options.maxVersion ?? 'TLSv1.3';
  const minVersion = options.minVersion ?? (options.maxVersion ? maxVersion : 'TLSv1.3');
  const tlsOpts: tls.TlsOptions = {
    cert,
    key,
    minVersion,
    maxVersion,
    ...(options.tickets === false ? { secureOptions: cryptoConstants.SSL_OP_NO_TICKET } : {}),
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
    ...(options.requestCert ? { requestCert: true, rejectUnauthorized: options.rejectUnauthorized ?? true } : {}),
    ...(options.ciphers !== undefined
      ? { ciphers: typeof options.ciphers === 'string' ? options.ciphers : options.ciphers.join(':') }
      : {}),
    ...(options.ecdhCurve !== undefined
      ? { ecdhCurve: options.ecdhCurve }
      : options.groups?.length
        ? { ecdhCurve: options.groups.map((g) => GROUP_TO_NODE[g] ?? g).join(':') }
        : {}),
    ...(options.alpn?.length ? { ALPNProtocols: [...options.alpn] } : {}),
    ...options.tlsOptions,
  };
  const server = tls.createServer(tlsOpts);
  const sessionCacheStats = { stored: 0, hits: 0, misses: 0 };
  if (options.sessionCache) {
    const sessions = new Map<string, Buffer>();
    server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
      sessions.set(id.toString('hex'), data);
      sessionCacheStats.stored++;
      done();
    });
    server.on('resumeSession', (id: Buffer, done: (err: Error | null, data: Buffer | null) => void) => {
      const data = sessions.get(id.toString('hex'));
      if (data) sessionCacheStats.hits++;
      else sessionCacheStats.misses++;
      done(null, data ?? null);
    });
  }
  const connections: NodeServerConnection[] = [];
  const clientErrors: Error[] = [];
  const bySocket = new WeakMap<tls.TLSSocket, NodeServerConnection>();
  const rawSockets = new Set<net.Socket>();
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };

  const findConn = (socket: tls.TLSSocket): NodeServerConnection | undefined =>
    bySocket.get(socket) ?? [...connections].reverse().find((c) => !c.secure && !c.error && !c.isClosed);

  server.on('keylog', (line: Buffer, socket: tls.TLSSocket) => {
    const text = line.toString('latin1');
    const random = text.split(' ')[1]?.toLowerCase();
    const conn = connections.find((c) => c.observer.clientRandom === random);
    if (conn) {
      bySocket.set(socket, conn);
      conn.observer.keylog(text);
    }
  });

  server.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
    clientErrors.push(err);
    const conn = findConn(socket);
    if (conn && !conn.error) conn.error = err;
    notify();
  });

  server.on('secureConnection', (socket: tls.TLSSocket) => {
    const conn = findConn(socket);
    if (!conn) {
      socket.destroy();
      return;
    }
    bySocket.set(socket, conn);
    conn.socket = socket;
    conn.secure = true;
    conn.protocol = socket.getProtocol();
    conn.resumed = socket.isSessionReused();
    conn.cipher = (socket.getCipher() as { standardName?: string; name: string }).standardName ?? socket.getCipher().name;
    conn.servername = (socket as unknown as { servername?: string | false }).servername;
    conn.alpnProtocol = socket.alpnProtocol;
    conn.authorized = socket.authorized;
    const authErr = socket.authorizationError as unknown;
    conn.authorizationError = authErr === null || authErr === undefined ? undefined : String(authErr);
    const peer = socket.getPeerCertificate(false) as { raw?: Buffer } | null;
    if (peer?.raw) conn.peerCertificate = new Uint8Array(peer.raw);
    socket.on('data', (d: Buffer) => {
      conn.bytesReceived += d.length;
    });
    const write = socket.write.bind(socket) as (...a: unknown[]) => boolean;
    (socket as unknown as { write: (...a: unknown[]) => boolean }).write = (...a: unknown[]) => {
      const chunk = a[0];
      conn.bytesSent += typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).length;
      return write(...a);
    };
    socket.on('end', () => {
      conn.clientEnded = true;
      notify();
    });
    socket.on('error', (e) => {
      conn.error ??= e;
      notify();
    });
    if (mode === 'echo') socket.pipe(socket);
    else if (mode === 'sink') socket.resume();
    options.onSecureConnection?.(socket, conn);
    notify();
  });

  const tap = net.createServer({ allowHalfOpen: true }, (raw) => {
    rawSockets.add(raw);
    const observer = new ConnectionObserver();
    let resolveClosed!: () => void;
    const closed = new Promise<void>((r) => (resolveClosed = r));
    const conn: NodeServerConnection = {
      id: connections.length,
      remotePort: raw.remotePort,
      observer,
      secure: false,
      get version() {
        return observer.version;
      },
      get cipherSuite() {
        return observer.cipherSuite;
      },
      get group() {
        return observer.group;
      },
      get helloRetryRequest() {
        return observer.helloRetryRequest;
      },
      bytesReceived: 0,
      bytesSent: 0,
      clientEnded: false,
      closed,
      isClosed: false,
    };
    connections.push(conn);

    const duplex = new Duplex({
      allowHalfOpen: true,
      read() {
        raw.resume();
      },
      write(chunk: Buffer, _enc, cb) {
        observer.fromServer(chunk);
        if (raw.writable) raw.write(chunk, () => cb());
        else cb();
      },
      final(cb) {
        raw.end(() => cb());
      },
      destroy(err, cb) {
        raw.destroy();
        cb(err);
      },
    });
    raw.on('data', (chunk: Buffer) => {
      observer.fromClient(chunk);
      if (!duplex.push(chunk)) raw.pause();
    });
    raw.on('end', () => duplex.push(null));
    raw.on('error', (e) => {
      conn.error ??= e;
    });
    raw.on('close', () => {
      rawSockets.delete(raw);
      duplex.destroy();
      conn.isClosed = true;
      resolveClosed();
      notify();
    });
    server.emit('connection', duplex);
    notify();
  });

  tap.listen(0, host);
  await once(tap, 'listening');
  const port = (tap.address() as net.AddressInfo).port;

  const waitFor = <T>(get: () => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const v = get();
        if (v !== undefined) {
          done();
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`node tls server: timed out waiting for ${what}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  let stopping: Promise<void> | undefined;
  return {
    host,
    port,
    server,
    connections,
    clientErrors,
    sessionCacheStats,
    connection: (index, timeoutMs = 10_000) => waitFor(() => connections[index], timeoutMs, `connection #${index}`),
    closedConnection: (index, timeoutMs = 10_000) =>
      waitFor(() => (connections[index]?.isClosed ? connections[index] : undefined), timeoutMs, `connection #${index} to close`),
    closedConnectionFrom: (clientPort, timeoutMs = 10_000) =>
      waitFor(
        () => connections.find((c) => c.remotePort === clientPort && c.isClosed),
        timeoutMs,
        `the connection from port ${clientPort} to close`,
      ),
    stop() {
      stopping ??= (async () => {
        const closing = new Promise<void>((r) => tap.close(() => r()));
        for (const s of rawSockets) s.destroy();
        await closing;
        server.close();
      })();
      return stopping;
    },
  };
}
