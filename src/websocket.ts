/**
 * puretls/websocket: TLS over a WebSocket to a TCP relay, for browsers
 * (and any runtime with a WHATWG WebSocket). Each binary message carries
 * TLS bytes; the relay copies them to and from a TCP connection, so the
 * handshake, verification and keys stay in this process.
 *
 *   const conn = await connectWebSocket('wss://relay.example/tcp/example.com:443',
 *     { serverName: 'example.com' });
 *   const w = conn.writable.getWriter(); await w.write(bytes);
 *   for await (const chunk of conn.readable) ...
 */
import { CleartextQueue } from './cleartext-queue.js';
import { tlsConnection, type TlsConnection } from './connection.js';
import { Connector } from './connector.js';
import { TlsError } from './errors.js';
import type { ConnectionInfo } from './handshake/client.js';
import type { ConnectorOptions } from './options.js';
import type { NetworkInput, PushNetwork } from './push-network.js';

/** The parts of the WHATWG WebSocket this transport uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: WebSocketEventLike) => void): void;
}
/** The parts of WebSocket events this transport reads. */
export interface WebSocketEventLike {
  readonly data?: unknown;
  readonly code?: number;
  readonly reason?: string;
}
/** A WebSocket constructor, such as globalThis.WebSocket. */
export type WebSocketConstructorLike = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Options of connectWebSocket(): the Connector's, plus the server name and the WebSocket to use. */
export interface WebSocketConnectOptions extends ConnectorOptions {
  /** The TLS server's name: sent as SNI and verified against its certificate. */
  serverName: string;
  /** Subprotocols to ask the relay for. */
  protocols?: string | string[];
  /** A WebSocket implementation; default globalThis.WebSocket. */
  WebSocket?: WebSocketConstructorLike;
  /** Pause sending while the socket buffers more than this (bytes, default 1 MiB). */
  sendHighWaterMark?: number;
}

/** The same shape as puretls/node's connect() result, plus the socket. */
export interface WebSocketTlsConnection extends TlsConnection {
  /** The WebSocket itself. */
  readonly socket: WebSocketLike;
}

const OPEN = 1;
const CLOSING = 2;
/** Application writes queued before the connector takes them (as puretls/node's). */
const SEND_QUEUE = 64 * 1024;

function closedError(message: string, cause?: unknown): TlsError {
  return new TlsError('CONNECTION_CLOSED', message, { alert: null, cause });
}

function open(Ctor: WebSocketConstructorLike, url: string, protocols: string | string[] | undefined, signal?: AbortSignal): Promise<WebSocketLike> {
  return new Promise((resolve, reject) => {
    let ws: WebSocketLike;
    try {
      ws = protocols === undefined ? new Ctor(url) : new Ctor(url, protocols);
    } catch (e) {
      reject(closedError(`cannot open WebSocket ${url}: ${e instanceof Error ? e.message : String(e)}`, e));
      return;
    }
    ws.binaryType = 'arraybuffer';
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      reject(closedError(message));
    };
    ws.addEventListener('open', () => {
      if (settled) return;
      settled = true;
      resolve(ws);
    });
    ws.addEventListener('error', () => fail(`cannot open WebSocket ${url}`));
    ws.addEventListener('close', (ev) => fail(`WebSocket ${url} closed before opening (code ${ev.code ?? '?'})`));
    signal?.addEventListener(
      'abort',
      () => {
        if (settled) return;
        ws.close();
        settled = true;
        reject(new TlsError('ABORTED', 'aborted while opening the WebSocket', { alert: null }));
      },
      { once: true },
    );
  });
}

/**
 * The WebSocket as the Connector's push transport: each binary message in
 * goes to the core, each batch of records out is one message. A WebSocket
 * cannot stop its peer, so nothing is paused on the way in; on the way out
 * cleartext waits while the socket buffers more than `highWater` (there is
 * no 'drain' event: the buffer is polled).
 */
function websocketNetwork(ws: WebSocketLike, highWater: number, onStop: () => void): {
  network: PushNetwork;
  ended: Promise<void>;
  listen(input: NetworkInput): void;
} {
  let markEnded!: () => void;
  const ended = new Promise<void>((resolve) => (markEnded = resolve));
  const network: PushNetwork = {
    write(records) {
      if (ws.readyState === OPEN) ws.send(records);
    },
    room(connectorHighWater) {
      const limit = Math.max(connectorHighWater, highWater);
      if (ws.readyState !== OPEN || ws.bufferedAmount <= limit) return null;
      return (async () => {
        while (ws.readyState === OPEN && ws.bufferedAmount > limit) await new Promise((r) => setTimeout(r, 5));
      })();
    },
    // No half-close on a WebSocket: it closes once both directions are done.
    end: () => markEnded(),
    stop: onStop,
  };
  const listen = (input: NetworkInput) => {
    let over = false;
    ws.addEventListener('message', (ev) => {
      if (over) return;
      const d = ev.data;
      if (d instanceof ArrayBuffer) input.data(new Uint8Array(d));
      else if (ArrayBuffer.isView(d)) input.data(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      else {
        over = true;
        input.error(closedError('the relay sent a text message; TLS needs binary messages'));
        ws.close(1003, 'binary only');
      }
    });
    // A WebSocket close is the relay's TCP end: the connector decides whether
    // close_notify came first (a clean end) or not (truncation).
    ws.addEventListener('close', () => {
      if (over) return;
      over = true;
      markEnded();
      input.end();
    });
    ws.addEventListener('error', () => {
      if (over) return;
      over = true;
      input.error(closedError('WebSocket error'));
    });
  };
  return { network, ended, listen };
}

async function drained(ws: WebSocketLike, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (ws.readyState === OPEN && ws.bufferedAmount > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Opens a WebSocket to a relay and runs a TLS 1.3 handshake over it. */
export async function connectWebSocket(url: string | URL, options: WebSocketConnectOptions): Promise<WebSocketTlsConnection> {
  const { serverName, protocols, WebSocket: given, sendHighWaterMark, ...connectorOptions } = options;
  if (!serverName) throw new TlsError('BAD_CONFIG', 'connectWebSocket needs a serverName');
  const Ctor = given ?? (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket;
  if (!Ctor) throw new TlsError('BAD_CONFIG', 'no WebSocket in this runtime: pass options.WebSocket');
  if (options.signal?.aborted) throw new TlsError('ABORTED', 'aborted before connecting', { alert: null });
  const ws = await open(Ctor, String(url), protocols, options.signal);

  const connector = new Connector(connectorOptions);
  const app = new CleartextQueue(SEND_QUEUE);
  let closing: Promise<void> | null = null;
  const closeInner = (): Promise<void> => (closing ??= app.close().catch(() => undefined));
  // The caller's writable feeds a queue we keep, so close() can end our
  // direction even while the caller holds a writer of its own.
  const writable = new WritableStream<Uint8Array>({
    write: (chunk) => app.write(chunk),
    close: () => closeInner(),
    abort: (reason) => app.abort(reason),
  });
  const closeSocket = async () => {
    await drained(ws, 2000);
    if (ws.readyState < CLOSING) ws.close(1000);
  };
  const net = websocketNetwork(ws, sendHighWaterMark ?? 1 << 20, () => void closeSocket());
  const piped = net.ended;
  const { plaintext, sent, received, input } = connector.attach(app, net.network);
  net.listen(input);
  let info: ConnectionInfo;
  try {
    info = await connector.connect(serverName);
  } catch (e) {
    // Let the alert reach the relay before closing.
    await Promise.race([piped, new Promise((r) => setTimeout(r, 50))]);
    await closeSocket();
    void app.abort(e);
    throw e;
  }
  // WebSocket has no half-close: keep it open until both directions are done.
  void Promise.allSettled([sent, received])
    .then(() => piped)
    .then(closeSocket);
  const close = async () => {
    await closeInner();
    await sent.catch(() => undefined);
    await piped;
    await closeSocket();
  };
  return Object.assign(tlsConnection(connector, { readable: plaintext, writable, info, sent, received }, close), { socket: ws });
}

export { TlsError };
export type { ConnectionInfo, ConnectorOptions };
