/**
 * A TCP relay on 127.0.0.1 in front of any TLS server, feeding a
 * ConnectionObserver per connection: the wire view (hellos, version, suite,
 * group, resumption, alerts each way, close_notify) for peers that report
 * little themselves (gnutls-serv, the Go server).
 *
 * With `keylogFile` (the server's NSS key log: -keylogfile, SSLKEYLOGFILE,
 * -keylog) the observers decrypt: TLS 1.2 both directions, TLS 1.3 the
 * client's records. The file is read when a connection closes and on
 * `refreshKeylog()`. TLS 1.2 resumptions the server logs no line for are
 * decrypted with the master secret of the session they resume (one
 * Tls12SessionMemory per tap).
 */
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { ConnectionObserver, Tls12SessionMemory } from './tls-wire.js';

export interface TapConnection {
  readonly id: number;
  /** The client's TCP port (match it with the client socket's localPort). */
  readonly clientPort: number | undefined;
  /** The tap's own port towards the server: the client port in the server's logs. */
  readonly upstreamLocalPort: number | undefined;
  readonly observer: ConnectionObserver;
  /** Resolves when both TCP legs are closed (and the keylog has been read). */
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
}

export interface TlsTap {
  readonly host: string;
  /** Connect here. */
  readonly port: number;
  readonly connections: readonly TapConnection[];
  /** Resolves once the connection from the client's local port `clientPort` has fully closed. */
  connectionFrom(clientPort: number, timeoutMs?: number): Promise<TapConnection>;
  /** Read new keylog lines and hand them to the observers. */
  refreshKeylog(): void;
  stop(): Promise<void>;
}

export interface TlsTapOptions {
  upstreamPort: number;
  upstreamHost?: string;
  /** The server's key log file (NSS format). */
  keylogFile?: string;
  /** Listen address; default 127.0.0.1. */
  host?: string;
}

export async function startTlsTap(options: TlsTapOptions): Promise<TlsTap> {
  const host = options.host ?? '127.0.0.1';
  const upstreamHost = options.upstreamHost ?? '127.0.0.1';
  const sessions = new Tls12SessionMemory();
  const connections: Array<TapConnection & { raw: Set<net.Socket>; fed: number }> = [];
  const keylogLines: string[] = [];
  let keylogOffset = 0;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };

  const refreshKeylog = () => {
    if (options.keylogFile && existsSync(options.keylogFile)) {
      const text = readFileSync(options.keylogFile, 'latin1');
      const end = text.lastIndexOf('\n') + 1;
      if (end > keylogOffset) {
        keylogLines.push(...text.slice(keylogOffset, end).split('\n').filter((l) => l.trim() && !l.startsWith('#')));
        keylogOffset = end;
      }
    }
    for (const c of connections) {
      const random = c.observer.clientRandom;
      if (!random) continue;
      for (; c.fed < keylogLines.length; c.fed++) {
        const line = keylogLines[c.fed]!;
        if (line.split(/\s+/)[1]?.toLowerCase() === random) c.observer.keylog(line);
      }
    }
    // A resumption may only now find the master secret of the session it resumes.
    for (const c of connections) c.observer.flush();
  };

  const tap = net.createServer({ allowHalfOpen: true }, (client) => {
    const observer = new ConnectionObserver(sessions);
    const upstream = net.connect({ host: upstreamHost, port: options.upstreamPort, allowHalfOpen: true });
    const raw = new Set([client, upstream]);
    let open = 2;
    let resolveClosed!: () => void;
    const closed = new Promise<void>((r) => (resolveClosed = r));
    const conn = {
      id: connections.length,
      clientPort: client.remotePort,
      upstreamLocalPort: undefined as number | undefined,
      observer,
      closed,
      isClosed: false,
      raw,
      fed: 0,
    };
    connections.push(conn);
    upstream.once('connect', () => {
      conn.upstreamLocalPort = upstream.localPort;
    });
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
        if (--open === 0) {
          refreshKeylog();
          conn.isClosed = true;
          resolveClosed();
          notify();
        }
      });
    }
    notify();
  });
  tap.listen(0, host);
  await once(tap, 'listening');

  let stopping: Promise<void> | undefined;
  return {
    host,
    port: (tap.address() as net.AddressInfo).port,
    connections,
    refreshKeylog,
    connectionFrom: (clientPort, timeoutMs = 10_000) =>
      new Promise<TapConnection>((resolve, reject) => {
        const check = () => {
          const c = connections.find((x) => x.clientPort === clientPort && x.isClosed);
          if (c) {
            done();
            resolve(c);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`tap: timed out waiting for the connection from port ${clientPort} to close`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      }),
    stop() {
      stopping ??= (async () => {
        const closing = new Promise<void>((r) => tap.close(() => r()));
        for (const c of connections) for (const s of c.raw) s.destroy();
        await closing;
      })();
      return stopping;
    },
  };
}
