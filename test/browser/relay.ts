/**
 * A WebSocket-to-TCP relay for tests: each WebSocket connection opens one
 * TCP connection and copies bytes both ways (binary messages <-> stream).
 * The TLS bytes pass through untouched; the relay sees only ciphertext.
 *
 * The target is fixed (`target`) or taken from the URL path "/HOST:PORT"
 * when `allow(host, port)` accepts it (default: loopback only).
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface RelayOptions {
  /** Where to connect when the path names no target. */
  target?: { host: string; port: number };
  /** Which path-named targets are allowed; default: 127.0.0.1, ::1 and localhost. */
  allow?: (host: string, port: number) => boolean;
  /** Attach to this HTTP server (under `path`) instead of listening on its own. */
  server?: http.Server;
  /** URL path prefix to accept upgrades on (default '/'). */
  path?: string;
}

export interface RelayStats {
  connections: number;
  bytesToTarget: number;
  bytesFromTarget: number;
  /** Text frames received (TLS needs binary: should stay 0). */
  textMessages: number;
}

export interface Relay {
  /** ws://127.0.0.1:PORT/ (or the attached server's address + path). */
  readonly url: string;
  readonly stats: RelayStats;
  stop(): Promise<void>;
}

const loopback = (host: string) => host === '127.0.0.1' || host === '::1' || host === 'localhost';

function targetFromPath(pathname: string, prefix: string): { host: string; port: number } | null {
  const rest = decodeURIComponent(pathname.slice(prefix.length)).replace(/^\/+/, '');
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(rest) ?? /^([^:/]+):(\d+)$/.exec(rest);
  return m ? { host: m[1]!, port: Number(m[2]) } : null;
}

export async function startRelay(options: RelayOptions = {}): Promise<Relay> {
  const prefix = options.path ?? '/';
  const allow = options.allow ?? ((host: string) => loopback(host));
  const own = !options.server;
  const server = options.server ?? http.createServer((_req, res) => res.writeHead(426).end('WebSocket only\n'));
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const stats: RelayStats = { connections: 0, bytesToTarget: 0, bytesFromTarget: 0, textMessages: 0 };
  const sockets = new Set<net.Socket>();

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://relay');
    if (!url.pathname.startsWith(prefix)) return; // another handler's path
    const named = targetFromPath(url.pathname, prefix);
    const target = named ?? options.target;
    if (!target || (named && !allow(named.host, named.port))) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => bridge(ws, target));
  });

  function bridge(ws: WebSocket, target: { host: string; port: number }): void {
    stats.connections++;
    const tcp = net.connect({ host: target.host, port: target.port });
    sockets.add(tcp);
    tcp.setNoDelay(true);
    const pending: Buffer[] = [];
    let connected = false;
    tcp.on('connect', () => {
      connected = true;
      for (const b of pending.splice(0)) tcp.write(b);
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        stats.textMessages++;
        ws.close(1003, 'binary only');
        return;
      }
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      stats.bytesToTarget += buf.length;
      if (connected) tcp.write(buf);
      else pending.push(buf);
    });
    tcp.on('data', (chunk) => {
      stats.bytesFromTarget += chunk.length;
      ws.send(chunk, { binary: true });
      // Backpressure: stop reading TCP while the WebSocket buffers a lot.
      if (ws.bufferedAmount > 1 << 20) {
        tcp.pause();
        const resume = () => (ws.bufferedAmount > 1 << 18 ? setTimeout(resume, 5) : tcp.resume());
        setTimeout(resume, 5);
      }
    });
    // TCP end -> WebSocket close (after the data queued before it).
    tcp.on('end', () => ws.close(1000));
    tcp.on('error', () => ws.close(1011, 'target connection failed'));
    tcp.on('close', () => {
      sockets.delete(tcp);
      if (ws.readyState === ws.OPEN) ws.close(1000);
    });
    // WebSocket close -> TCP end (the client has nothing more to send).
    ws.on('close', () => tcp.end());
    ws.on('error', () => tcp.destroy());
  }

  if (own) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${addr.port}${prefix}`,
    stats,
    async stop() {
      for (const c of wss.clients) c.terminate();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      if (own) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
