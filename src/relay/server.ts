/**
 * puretls/relay: the WebSocket-to-TCP relay that browser pages (puretls's
 * WebSocket transport, and the wasi:sockets host of puretls/wasi in a page)
 * reach TCP through. Each WebSocket carries one TCP connection. The relay
 * sees only what the page sends: with TLS inside, ciphertext.
 *
 * It connects only to targets on its allow-list, by default only to public
 * addresses, and bounds connections, connect time, idle time and message
 * size. See docs/wasi.md, "In the browser". Node only.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';
import type { Duplex } from 'node:stream';
import { compileAllowList, isPublicAddress, type AllowRule } from './policy.js';
import {
  MSG_CONNECTED,
  MSG_END,
  TCP_SUBPROTOCOL,
  closeCodeForSystemError,
  parseTarget,
  type RelayCloseCode,
  type RelayTarget,
} from './protocol.js';
import { WebSocketConnection, checkUpgrade, offeredProtocols, rejectUpgrade } from './websocket-server.js';

/** An address a name resolved to. */
export interface ResolvedAddress {
  /** The IP address as text. */
  readonly address: string;
  /** 4 or 6. */
  readonly family: number;
}

/** Settings of {@link startRelay}. */
export interface RelayOptions {
  /** Targets the relay may connect to: rules such as `example.com:443`, `*.example.net:443`, `[::1]:8443`, or a predicate. */
  allow: readonly AllowRule[] | ((target: RelayTarget) => boolean);
  /**
   * `'public'` (default): refuse targets that are, or resolve to, loopback,
   * private, link-local and other non-public addresses. `'any'`: no address check.
   */
  addresses?: 'public' | 'any';
  /** Origin header values allowed to connect; `'*'` (default) allows any, including none. */
  origins?: readonly string[] | '*';
  /** Where to connect when the URL path names no target (no allow-list check: the operator chose it). */
  target?: RelayTarget;
  /** URL path prefix of relay upgrades (default `/`); the target follows it: `/tcp/example.com:443`. */
  path?: string;
  /** Attach to this HTTP server instead of listening on a new one. */
  server?: http.Server;
  /** Where a new server listens (default 127.0.0.1, port 0: any free port). */
  listen?: { host?: string; port?: number };
  /** Open relayed connections at most (default 256). */
  maxConnections?: number;
  /** Open relayed connections per client address at most (default 16). */
  maxConnectionsPerClient?: number;
  /** Milliseconds for name lookup plus TCP connect (default 10000). */
  connectTimeout?: number;
  /** Milliseconds without a byte either way before the connection is closed (default 120000; 0: never). */
  idleTimeout?: number;
  /** The client's address for the per-client limit (default: the TCP peer address). */
  clientAddress?: (req: http.IncomingMessage) => string;
  /** Name lookup (default node:dns lookup, all addresses). */
  lookup?: (host: string) => Promise<readonly ResolvedAddress[]>;
  /** Called for each connection refused, opened and closed: for logs. */
  onEvent?: (event: RelayEvent) => void;
}

/** What {@link RelayOptions.onEvent} receives. */
export interface RelayEvent {
  /** `refused`: not connected (code says why); `open`: TCP is up; `closed`: over. */
  readonly type: 'refused' | 'open' | 'closed';
  /** The client's address. */
  readonly client: string;
  /** The target as named in the URL, when there was one. */
  readonly target: string | null;
  /** The WebSocket close code (refused, closed). */
  readonly code?: number;
  /** Why, in words (refused, closed). */
  readonly reason?: string;
}

/** Counters of a running relay. */
export interface RelayStats {
  /** WebSocket connections accepted. */
  connections: number;
  /** Relayed connections open now. */
  active: number;
  /** Connections closed before TCP was up, by close code. */
  refused: Record<number, number>;
  /** Bytes written to targets. */
  bytesToTarget: number;
  /** Bytes read from targets. */
  bytesFromTarget: number;
  /** Text frames received without the signalling subprotocol (TLS needs binary: should stay 0). */
  textMessages: number;
}

/** A running relay. */
export interface Relay {
  /** `ws://HOST:PORT/PATH` of the relay; append `host:port`. */
  readonly url: string;
  /** The HTTP server the relay listens on. */
  readonly server: http.Server;
  /** Live counters. */
  readonly stats: RelayStats;
  /** Ends every relayed connection, and closes the server if the relay started it. */
  stop(): Promise<void>;
}

/** Bytes a client may send before its TCP connection is up; then the relay stops reading it. */
const PENDING_LIMIT = 256 * 1024;

async function defaultLookup(host: string): Promise<readonly ResolvedAddress[]> {
  return dnsLookup(host, { all: true, verbatim: true });
}

class Refusal extends Error {
  constructor(
    readonly code: RelayCloseCode,
    message: string,
  ) {
    super(message);
  }
}

function connectOnce(address: ResolvedAddress, port: number, deadline: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    // Half-open: the target's FIN ends one direction; the client may still send.
    const tcp = net.connect({ host: address.address, port, family: address.family, allowHalfOpen: true });
    const timer = setTimeout(() => {
      tcp.destroy();
      reject(new Refusal(4110, `connect timed out`));
    }, Math.max(0, deadline - Date.now()));
    tcp.once('connect', () => {
      clearTimeout(timer);
      tcp.removeAllListeners('error');
      resolve(tcp);
    });
    tcp.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Refusal(closeCodeForSystemError(e.code, false), e.code ?? e.message));
    });
  });
}

/** Starts a relay (on its own server, or attached to `options.server`). */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const allow = typeof options.allow === 'function' ? options.allow : compileAllowList(options.allow);
  const prefix = options.path ?? '/';
  const addressPolicy = options.addresses ?? 'public';
  const origins = options.origins ?? '*';
  const maxConnections = options.maxConnections ?? 256;
  const maxPerClient = options.maxConnectionsPerClient ?? 16;
  const connectTimeout = options.connectTimeout ?? 10_000;
  const idleTimeout = options.idleTimeout ?? 120_000;
  const lookup = options.lookup ?? defaultLookup;
  const clientAddress = options.clientAddress ?? ((req: http.IncomingMessage) => req.socket.remoteAddress ?? '?');
  const emit = options.onEvent ?? (() => undefined);
  const own = !options.server;
  const server = options.server ?? http.createServer((_req, res) => res.writeHead(426).end('WebSocket only\n'));
  const stats: RelayStats = { connections: 0, active: 0, refused: {}, bytesToTarget: 0, bytesFromTarget: 0, textMessages: 0 };
  const perClient = new Map<string, number>();
  const live = new Set<{ readonly ws: WebSocketConnection; readonly tcp: () => net.Socket | null }>();

  async function resolveTarget(target: RelayTarget, deadline: number): Promise<net.Socket> {
    let addresses: readonly ResolvedAddress[];
    const family = net.isIP(target.host);
    if (family !== 0) addresses = [{ address: target.host, family }];
    else {
      try {
        addresses = await Promise.race([
          lookup(target.host),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Refusal(4110, 'name lookup timed out')), Math.max(0, deadline - Date.now())).unref(),
          ),
        ]);
      } catch (e) {
        if (e instanceof Refusal) throw e;
        throw new Refusal(4113, `cannot resolve ${target.host}: ${(e as NodeJS.ErrnoException).code ?? e}`);
      }
    }
    const usable = addressPolicy === 'any' ? addresses : addresses.filter((a) => isPublicAddress(a.address));
    if (usable.length === 0) throw new Refusal(4403, `${target.host} has no address this relay connects to`);
    let last: unknown = new Refusal(4113, 'no address');
    for (const address of usable) {
      try {
        return await connectOnce(address, target.port, deadline);
      } catch (e) {
        last = e;
        if (e instanceof Refusal && e.code === 4110) break;
      }
    }
    throw last;
  }

  function relay(req: http.IncomingMessage, socket: Duplex, head: Buffer, targetText: string | null): void {
    const client = clientAddress(req);
    const signalling = offeredProtocols(req).includes(TCP_SUBPROTOCOL);
    let tcpSocket: net.Socket | null = null;
    const pending: Buffer[] = [];
    let clientEnded = false;
    let targetEnded = false;
    let connected = false;
    let counted = false;
    let idle: ReturnType<typeof setTimeout> | null = null;
    const touch = () => {
      if (idleTimeout <= 0 || !connected) return;
      if (idle) clearTimeout(idle);
      idle = setTimeout(() => finish(4408, 'idle timeout'), idleTimeout);
      idle.unref?.();
    };
    const finish = (code: number, reason: string) => {
      if (!connected && code !== 1000) {
        stats.refused[code] = (stats.refused[code] ?? 0) + 1;
        emit({ type: 'refused', client, target: targetText, code, reason });
      }
      ws.close(code, reason);
      tcpSocket?.destroy();
    };
    const ws = new WebSocketConnection(
      req,
      socket,
      head,
      {
        binary(data) {
          const tcp = tcpSocket;
          if (clientEnded) return finish(1002, 'data after end');
          if (tcp && connected) {
            stats.bytesToTarget += data.length;
            touch();
            if (!tcp.write(data)) {
              ws.pause();
              tcp.once('drain', () => ws.resume());
            }
          } else {
            pending.push(data);
            if (pending.reduce((n, b) => n + b.length, 0) > PENDING_LIMIT) ws.pause();
          }
        },
        text(message) {
          if (!signalling) {
            stats.textMessages++;
            return finish(1003, 'binary only');
          }
          if (message !== MSG_END || clientEnded) return finish(1002, 'unexpected text message');
          clientEnded = true;
          if (connected) tcpSocket?.end();
        },
        drain() {
          tcpSocket?.resume();
        },
        close() {
          if (idle) clearTimeout(idle);
          const tcp = tcpSocket;
          if (tcp && !(signalling ? clientEnded && targetEnded : false)) {
            // Byte-only mode: a WebSocket close is the client's end; flush, send FIN, then let go.
            if (signalling) tcp.destroy();
            else tcp.end(() => tcp.destroy());
          }
          live.delete(entry);
          if (counted) {
            stats.active--;
            const n = (perClient.get(client) ?? 1) - 1;
            if (n > 0) perClient.set(client, n);
            else perClient.delete(client);
          }
          if (connected) emit({ type: 'closed', client, target: targetText });
        },
      },
      { protocol: signalling ? TCP_SUBPROTOCOL : undefined },
    );
    const entry = { ws, tcp: () => tcpSocket };
    live.add(entry);
    stats.connections++;

    if (stats.active >= maxConnections) return finish(4429, 'relay at its connection limit');
    if ((perClient.get(client) ?? 0) >= maxPerClient) return finish(4429, 'too many connections from this client');
    counted = true;
    stats.active++;
    perClient.set(client, (perClient.get(client) ?? 0) + 1);

    let target: RelayTarget | null;
    if (targetText === null) target = options.target ?? null;
    else {
      target = parseTarget(targetText);
      if (target && !allow(target)) return finish(4403, `${targetText} is not on the relay's allow-list`);
    }
    if (!target) return finish(4400, `no valid target: expected ${prefix}HOST:PORT`);

    resolveTarget(target, Date.now() + connectTimeout).then(
      (tcp) => {
        if (!ws.open) {
          tcp.destroy();
          return;
        }
        tcpSocket = tcp;
        connected = true;
        tcp.setNoDelay(true);
        emit({ type: 'open', client, target: targetText });
        if (signalling) ws.sendText(MSG_CONNECTED);
        for (const b of pending.splice(0)) {
          stats.bytesToTarget += b.length;
          tcp.write(b);
        }
        ws.resume();
        if (clientEnded) tcp.end();
        touch();
        tcp.on('data', (chunk: Buffer) => {
          stats.bytesFromTarget += chunk.length;
          touch();
          if (!ws.send(chunk)) tcp.pause();
        });
        tcp.on('end', () => {
          targetEnded = true;
          if (signalling) ws.sendText(MSG_END);
          else ws.close(1000);
        });
        tcp.on('error', (e: NodeJS.ErrnoException) => finish(closeCodeForSystemError(e.code, true), e.code ?? 'target error'));
        tcp.on('close', () => {
          if (!ws.open) return;
          if (!signalling || (clientEnded && targetEnded)) ws.close(1000);
          else ws.close(4103, 'target connection closed');
        });
      },
      (e: unknown) => {
        if (!ws.open) return;
        if (e instanceof Refusal) finish(e.code, e.message);
        else finish(4103, String(e));
      },
    );
  }

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://relay');
    if (!url.pathname.startsWith(prefix)) return; // another handler's path
    let rest: string;
    try {
      rest = decodeURIComponent(url.pathname.slice(prefix.length)).replace(/^\/+/, '');
    } catch {
      return rejectUpgrade(socket, 400, 'Bad target encoding');
    }
    const bad = checkUpgrade(req);
    if (bad !== null) return rejectUpgrade(socket, bad, 'Bad WebSocket upgrade');
    const origin = req.headers.origin;
    if (origins !== '*' && (origin === undefined || !origins.includes(origin))) {
      emit({ type: 'refused', client: clientAddress(req), target: null, code: 403, reason: `origin ${origin ?? '(none)'}` });
      return rejectUpgrade(socket, 403, 'Forbidden');
    }
    relay(req, socket, head, rest === '' ? null : rest);
  };
  server.on('upgrade', onUpgrade);

  if (own) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.listen?.port ?? 0, options.listen?.host ?? '127.0.0.1', () => resolve());
    });
  }
  const addr = server.address() as net.AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `ws://${host}:${addr.port}${prefix}`,
    server,
    stats,
    async stop() {
      server.off('upgrade', onUpgrade);
      for (const e of live) {
        e.ws.close(4429, 'relay stopped');
        e.ws.terminate();
        e.tcp()?.destroy();
      }
      if (own) {
        server.closeAllConnections?.();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
