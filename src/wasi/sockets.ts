/**
 * wasi:sockets@0.3.0 for a page: the `types` interface's `tcp-socket`
 * (client side) and `ip-name-lookup`, with each TCP connection carried over
 * a WebSocket to puretls's relay (puretls/relay), which opens the real one.
 * Browser-safe: no Node built-ins.
 *
 *   --map 'wasi:sockets/types@0.3.0=puretls/wasi#socketsTypes'
 *   --map 'wasi:sockets/ip-name-lookup@0.3.0=puretls/wasi#ipNameLookup'
 *
 * What a guest gets: `create`, `connect`, `send`, `receive`,
 * `get-remote-address`, `get-address-family`, `get-is-listening` and the
 * option getters/setters (kept, not applied: the relay owns the real
 * socket). `bind`, `listen`, `get-local-address` and UDP are `not-supported`.
 */
import {
  MSG_CONNECTED,
  MSG_END,
  TCP_SUBPROTOCOL,
  errorCodeForClose,
  formatTarget,
  type RelayErrorCode,
  type RelayTarget,
} from '../relay/protocol.js';
import type { WebSocketConstructorLike, WebSocketLike } from '../websocket.js';
import {
  NameTable,
  formatIpAddress,
  normalizeHostName,
  parseIpAddress,
  type IpAddress,
  type IpSocketAddress,
} from './addresses.js';
import { toByteStream, type ByteSource, type Result } from './client.js';

export type { IpAddress, IpSocketAddress };

/** wasi:sockets `error-code` (types) as jco represents it. */
export type SocketErrorCode =
  | { tag: Exclude<RelayErrorCode, 'other'> | 'not-supported' | 'invalid-state' | 'out-of-memory' }
  | { tag: 'other'; val: string | undefined };

/** wasi:sockets `ip-name-lookup` `error-code`. */
export type LookupErrorCode = { tag: 'invalid-argument' | 'name-unresolvable' } | { tag: 'other'; val: string | undefined };

/** Thrown from a function whose WIT result is an error: jco turns `payload` into the `err` value. */
export class SocketError extends Error {
  /** The WIT error value. */
  readonly payload: SocketErrorCode | LookupErrorCode;

  /** `message` defaults to the tag (and its detail). */
  constructor(payload: SocketErrorCode | LookupErrorCode) {
    super('val' in payload && payload.val ? `${payload.tag}: ${payload.val}` : payload.tag);
    this.name = 'SocketError';
    this.payload = payload;
  }
}

/** How the page reaches TCP. */
export interface SocketsOptions {
  /** The relay's base URL (`wss://relay.example/tcp/`); `host:port` is appended. Or a function giving the whole URL. */
  relay: string | URL | ((target: RelayTarget) => string);
  /** A WebSocket implementation; default globalThis.WebSocket. */
  WebSocket?: WebSocketConstructorLike;
  /** Milliseconds `connect` may take, relay included (default 30000). */
  connectTimeout?: number;
}

/** The two interfaces, as jco's generated code imports them. */
export interface SocketsInterfaces {
  /** `wasi:sockets/types@0.3.0`. */
  readonly types: { readonly TcpSocket: TcpSocketClass; readonly UdpSocket: typeof UdpSocket };
  /** `wasi:sockets/ip-name-lookup@0.3.0`. */
  readonly ipNameLookup: { resolveAddresses(name: string): Promise<IpAddress[]> };
}

/** The `tcp-socket` resource class of a {@link SocketsInterfaces}. */
export type TcpSocketClass = typeof TcpSocket;

const fail = (tag: SocketErrorCode['tag'], val?: string): SocketError =>
  new SocketError(tag === 'other' ? { tag, val } : ({ tag } as SocketErrorCode));
const errorValue = (tag: RelayErrorCode, reason: string): SocketErrorCode =>
  tag === 'other' ? { tag, val: reason || undefined } : { tag };
const SEND_CHUNK = 64 * 1024;
const SEND_HIGH_WATER = 1 << 20;
const symbolDispose: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');

/** `udp-socket`: not available in a page. */
export class UdpSocket {
  private constructor() {}
  /** Always `not-supported`. */
  static create(): never {
    throw fail('not-supported');
  }
}

/** One relayed connection: the WebSocket and what it has said. */
class Link {
  readonly ws: WebSocketLike;
  /** Bytes from the target, until `end` or the close. */
  readonly incoming: ReadableStream<Uint8Array>;
  /** Settles when the WebSocket closes: null after a clean close, else the error. */
  readonly closed: Promise<SocketErrorCode | null>;
  /** The `receive` future: ok at the target's `end`, else the close's error. */
  readonly received: Promise<Result<void, SocketErrorCode>>;
  #push!: ReadableStreamDefaultController<Uint8Array>;
  #settle!: (r: Result<void, SocketErrorCode>) => void;
  #ended = false;

  constructor(ws: WebSocketLike, closed: Promise<SocketErrorCode | null>) {
    this.ws = ws;
    this.closed = closed;
    this.incoming = new ReadableStream<Uint8Array>({ start: (c) => void (this.#push = c) });
    this.received = new Promise((r) => (this.#settle = r));
    void closed.then((error) => this.#end(error ? { tag: 'err', val: error } : { tag: 'ok', val: undefined }));
  }

  /** A message from the relay. */
  message(data: unknown): void {
    if (data === MSG_END) this.#end({ tag: 'ok', val: undefined });
    else if (data instanceof ArrayBuffer && !this.#ended) this.#push.enqueue(new Uint8Array(data));
  }

  #end(result: Result<void, SocketErrorCode>): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#push.close();
    this.#settle(result);
  }
}

function resolveUrl(relay: SocketsOptions['relay'], target: RelayTarget): string {
  if (typeof relay === 'function') return relay(target);
  const base = String(relay);
  return (base.endsWith('/') ? base : `${base}/`) + formatTarget(target);
}

/** Opens the WebSocket and waits for the relay's `connected`. */
function openLink(options: SocketsOptions, target: RelayTarget): Promise<Link> {
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket;
  if (!Ctor) return Promise.reject(fail('not-supported', 'no WebSocket in this runtime'));
  const url = resolveUrl(options.relay, target);
  return new Promise((resolve, reject) => {
    let ws: WebSocketLike;
    try {
      ws = new Ctor(url, TCP_SUBPROTOCOL);
    } catch (e) {
      reject(fail('other', `cannot open ${url}: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    ws.binaryType = 'arraybuffer';
    ws.addEventListener('error', () => undefined); // a close event follows with the code
    let link: Link | null = null;
    let opened = false;
    let settleClosed!: (e: SocketErrorCode | null) => void;
    const closed = new Promise<SocketErrorCode | null>((r) => (settleClosed = r));
    const timer = setTimeout(() => {
      reject(fail('timeout', `no connection to ${formatTarget(target)} within ${options.connectTimeout ?? 30_000} ms`));
      ws.close();
    }, options.connectTimeout ?? 30_000);
    ws.addEventListener('open', () => {
      opened = true;
      if ((ws as { protocol?: string }).protocol !== TCP_SUBPROTOCOL) {
        reject(fail('other', `the relay at ${url} does not speak ${TCP_SUBPROTOCOL}`));
        ws.close(1000);
      }
    });
    ws.addEventListener('message', (ev) => {
      if (link) link.message(ev.data);
      else if (ev.data === MSG_CONNECTED) {
        clearTimeout(timer);
        link = new Link(ws, closed);
        resolve(link);
      }
    });
    ws.addEventListener('close', (ev) => {
      clearTimeout(timer);
      const code = ev.code ?? 1006;
      const reason = ev.reason ?? '';
      let error: SocketErrorCode | null;
      if (code === 1000) error = null;
      else if (code < 4000 && !opened) error = { tag: 'other', val: `cannot reach the relay at ${url} (WebSocket close ${code})` };
      else if (code < 4000) error = { tag: 'connection-aborted' };
      else error = errorValue(errorCodeForClose(code), reason);
      settleClosed(error);
      if (!link) reject(new SocketError(error ?? { tag: 'connection-aborted' }));
    });
  });
}

async function pump(link: Link, data: ByteSource): Promise<Result<void, SocketErrorCode>> {
  const reader = toByteStream(data).getReader();
  let closedWith: SocketErrorCode | undefined;
  const closed = link.closed.then((e) => (closedWith = e ?? { tag: 'connection-broken' }));
  const stop = (): Result<void, SocketErrorCode> => {
    // Stop reading the guest's stream: dropping it ends the guest's pending writes.
    reader.cancel().catch(() => undefined);
    return { tag: 'err', val: closedWith ?? { tag: 'connection-broken' } };
  };
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), closed]);
      if (closedWith !== undefined || !('done' in next)) return stop();
      if (next.done) break;
      const value = next.value;
      for (let i = 0; i < value.byteLength; i += SEND_CHUNK) link.ws.send(value.subarray(i, i + SEND_CHUNK));
      while (link.ws.bufferedAmount > SEND_HIGH_WATER && closedWith === undefined) await new Promise((r) => setTimeout(r, 5));
    }
    (link.ws as unknown as { send(data: string): void }).send(MSG_END);
    return { tag: 'ok', val: undefined };
  } catch {
    return stop();
  }
}

function checkRemote(remote: IpSocketAddress, family: 'ipv4' | 'ipv6'): void {
  if (remote.tag !== family || remote.val.port === 0) throw fail('invalid-argument');
  if (remote.val.address.every((p) => p === 0)) throw fail('invalid-argument');
}

/** Where a socket's relay and names come from. */
interface Context {
  readonly config: () => SocketsOptions;
  readonly names: NameTable;
}

const TOKEN = Symbol('tcp-socket');

function newSocket(ctx: Context, family: 'ipv4' | 'ipv6'): TcpSocket {
  if (family !== 'ipv4' && family !== 'ipv6') throw fail('invalid-argument');
  return new TcpSocket(TOKEN, family, ctx);
}

/** `tcp-socket` of wasi:sockets/types@0.3.0 over a relayed WebSocket. */
export class TcpSocket {
  readonly #ctx: Context;
  readonly #family: 'ipv4' | 'ipv6';
  #state: 'unbound' | 'connecting' | 'connected' | 'closed' = 'unbound';
  #link: Link | null = null;
  #remote: IpSocketAddress | null = null;
  #sending = false;
  #receiving = false;
  readonly #settings = { keepAlive: false, idle: 7_200_000_000_000n, interval: 1_000_000_000n, count: 10, hop: 64, rx: 65536n, tx: 65536n };

  /** Use {@link TcpSocket.create}. */
  constructor(t: symbol, family: 'ipv4' | 'ipv6', ctx: Context) {
    if (t !== TOKEN) throw new TypeError('tcp-socket has no public constructor');
    this.#family = family;
    this.#ctx = ctx;
  }

  /** `create: static func(address-family)`: a socket using the relay of {@link configureSockets}. */
  static create(family: 'ipv4' | 'ipv6'): TcpSocket {
    return newSocket(shared, family);
  }

  /** Not in a page: the relay owns the local side. */
  bind(): never {
    throw fail('not-supported');
  }

  /** `connect: async func(remote-address)`: through the relay; a stand-in address connects to its name. */
  async connect(remote: IpSocketAddress): Promise<void> {
    if (this.#state !== 'unbound') throw fail('invalid-state');
    checkRemote(remote, this.#family);
    const address = { tag: remote.tag, val: remote.val.address } as IpAddress;
    const host = this.#ctx.names.nameFor(address) ?? formatIpAddress(address);
    this.#state = 'connecting';
    try {
      this.#link = await openLink(this.#ctx.config(), { host, port: remote.val.port });
    } catch (e) {
      this.#state = 'closed';
      throw e instanceof SocketError ? e : fail('other', String(e));
    }
    this.#remote = remote;
    this.#state = 'connected';
  }

  /** Servers cannot be reached from a page. */
  listen(): never {
    throw fail('not-supported');
  }

  /** `send: func(data: stream<u8>) -> future<result<_, error-code>>`. Ending `data` half-closes the connection. */
  send(data: ByteSource): Promise<Result<void, SocketErrorCode>> {
    if (this.#state !== 'connected' || !this.#link || this.#sending) {
      return Promise.resolve({ tag: 'err', val: { tag: 'invalid-state' } });
    }
    this.#sending = true;
    return pump(this.#link, data);
  }

  /** `receive: func() -> tuple<stream<u8>, future<result<_, error-code>>>`. The stream ends (never errors); the future says why. */
  receive(): [ReadableStream<Uint8Array>, Promise<Result<void, SocketErrorCode>>] {
    if (this.#state !== 'connected' || !this.#link || this.#receiving) {
      const empty = new ReadableStream<Uint8Array>({ start: (c) => c.close() });
      return [empty, Promise.resolve({ tag: 'err', val: { tag: 'invalid-state' } })];
    }
    this.#receiving = true;
    return [this.#link.incoming, this.#link.received];
  }

  /** Not known in a page. */
  getLocalAddress(): never {
    throw fail(this.#state === 'connected' ? 'not-supported' : 'invalid-state');
  }

  /** The address given to `connect`. */
  getRemoteAddress(): IpSocketAddress {
    if (!this.#remote || this.#state !== 'connected') throw fail('invalid-state');
    return this.#remote;
  }

  /** Always false. */
  getIsListening(): boolean {
    return false;
  }

  /** The family given to `create`. */
  getAddressFamily(): 'ipv4' | 'ipv6' {
    return this.#family;
  }

  /** Kept, not applied. */
  setListenBacklogSize(): void {}
  /** Kept, not applied. */
  getKeepAliveEnabled(): boolean {
    return this.#settings.keepAlive;
  }
  /** Kept, not applied. */
  setKeepAliveEnabled(value: boolean): void {
    this.#settings.keepAlive = value;
  }
  /** Kept, not applied. */
  getKeepAliveIdleTime(): bigint {
    return this.#settings.idle;
  }
  /** Kept, not applied. */
  setKeepAliveIdleTime(value: bigint): void {
    if (value <= 0n) throw fail('invalid-argument');
    this.#settings.idle = value;
  }
  /** Kept, not applied. */
  getKeepAliveInterval(): bigint {
    return this.#settings.interval;
  }
  /** Kept, not applied. */
  setKeepAliveInterval(value: bigint): void {
    if (value <= 0n) throw fail('invalid-argument');
    this.#settings.interval = value;
  }
  /** Kept, not applied. */
  getKeepAliveCount(): number {
    return this.#settings.count;
  }
  /** Kept, not applied. */
  setKeepAliveCount(value: number): void {
    if (value <= 0) throw fail('invalid-argument');
    this.#settings.count = value;
  }
  /** Kept, not applied. */
  getHopLimit(): number {
    return this.#settings.hop;
  }
  /** Kept, not applied. */
  setHopLimit(value: number): void {
    if (value <= 0) throw fail('invalid-argument');
    this.#settings.hop = value;
  }
  /** Kept, not applied. */
  getReceiveBufferSize(): bigint {
    return this.#settings.rx;
  }
  /** Kept, not applied. */
  setReceiveBufferSize(value: bigint): void {
    if (value <= 0n) throw fail('invalid-argument');
    this.#settings.rx = value;
  }
  /** Kept, not applied. */
  getSendBufferSize(): bigint {
    return this.#settings.tx;
  }
  /** Kept, not applied. */
  setSendBufferSize(value: bigint): void {
    if (value <= 0n) throw fail('invalid-argument');
    this.#settings.tx = value;
  }

  /** Dropping the socket closes the WebSocket (and so the relayed TCP connection). */
  [symbolDispose](): void {
    this.#state = 'closed';
    this.#link?.ws.close(1000);
  }
}

/** `resolve-addresses`: an IP literal is itself; a name gets its stand-in address (the relay resolves it). */
async function resolveAddresses(names: NameTable, name: string): Promise<IpAddress[]> {
  const literal = parseIpAddress(name);
  if (literal) return [literal];
  const host = normalizeHostName(name);
  if (!host) throw new SocketError({ tag: 'invalid-argument' });
  return [names.addressFor(host)];
}

function build(ctx: Context): SocketsInterfaces {
  class BoundTcpSocket extends TcpSocket {
    static override create(family: 'ipv4' | 'ipv6'): TcpSocket {
      return newSocket(ctx, family);
    }
  }
  return {
    types: { TcpSocket: ctx === shared ? TcpSocket : BoundTcpSocket, UdpSocket },
    ipNameLookup: { resolveAddresses: (name: string) => resolveAddresses(ctx.names, name) },
  };
}

/** The wasi:sockets interfaces for one relay (for jco's instantiation mode, or several relays). */
export function createSocketsInterfaces(options: SocketsOptions): SocketsInterfaces {
  const fixed = { ...options };
  return build({ config: () => fixed, names: new NameTable() });
}

let pageOptions: SocketsOptions | null = null;

/** Sets the relay the module's own {@link socketsTypes} and {@link ipNameLookup} use. */
export function configureSockets(options: SocketsOptions): void {
  pageOptions = { ...options };
}

const shared: Context = {
  config: () => {
    if (!pageOptions) throw fail('other', 'no relay configured: call configureSockets() or setupWasi() first');
    return pageOptions;
  },
  names: new NameTable(),
};
const sharedInterfaces = build(shared);

/** `wasi:sockets/types@0.3.0` for `--map`, using the relay of {@link configureSockets}. */
export const socketsTypes = sharedInterfaces.types;
/** `wasi:sockets/ip-name-lookup@0.3.0` for `--map`, sharing {@link socketsTypes}'s names. */
export const ipNameLookup = sharedInterfaces.ipNameLookup;
