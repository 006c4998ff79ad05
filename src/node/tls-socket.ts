/**
 * A node:stream Duplex shaped like Node's `tls.TLSSocket`, so code written
 * for `tls.connect()` (HTTP agents, WebSocket and database clients) runs
 * over puretls unchanged: it exists at once, holds writes until the
 * handshake (or sends them as 0-RTT when `earlyData` allows), emits
 * 'secureConnect', and ends with close_notify.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { DetailedPeerCertificate, PeerCertificate } from 'node:tls';
import { Connector } from '../connector.js';
import { TlsError } from '../errors.js';
import type { ConnectionInfo } from '../handshake/client.js';
import { peerCertificate } from './peer-certificate.js';
import { mapTlsOptions, type MappedTlsOptions, type TlsConnectOptions } from './tls-options.js';
import { CleartextQueue } from '../cleartext-queue.js';
import { closeSocket, connectSharedReads, isConnecting, runPreamble, settle, socketNetwork, WRITE_BUFFER_BYTES } from './transport.js';

const noop = (): void => undefined;

function asError(e: unknown): Error {
  return e instanceof Error ? e : new TlsError('INTERNAL_ERROR', String(e));
}

/** A TLS client socket with Node's TLSSocket surface, over puretls. */
export class TLSSocket extends Duplex {
  /** Always true, as on Node's TLSSocket. */
  readonly encrypted = true;
  /** True once the handshake completed: puretls connects only to servers it verified. */
  authorized = false;
  /** Never set: an unverified server fails the connection instead. */
  authorizationError: Error | undefined = undefined;
  /** The ALPN protocol chosen; false when none; null before the handshake. */
  alpnProtocol: string | false | null = null;
  /** The name sent as SNI and verified. */
  servername: string;
  /** True while the TCP connection is being set up. */
  connecting = false;
  /** What was negotiated (puretls's ConnectionInfo), once connected. */
  info: ConnectionInfo | null = null;

  private options: MappedTlsOptions;
  private transport: Duplex | null = null;
  private connector: Connector | null = null;
  private readonly app = new CleartextQueue(WRITE_BUFFER_BYTES);
  private reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  /** Settles when our close_notify went out (or the connection failed, or never started). */
  private readonly sent: Promise<void>;
  private settleSent: (p: Promise<void>) => void = noop;
  private piped: Promise<void> = Promise.resolve();
  private wantRead = false;
  private reading = false;
  private started = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Socket settings made before the transport exists, applied when it does. */
  private pending: Array<(s: Socket) => void> = [];
  private peerCache: PeerCertificate | DetailedPeerCertificate | null = null;

  /** Maps the options (BAD_CONFIG, thrown here, for ones puretls refuses); connect() starts it. */
  constructor(options: TlsConnectOptions = {}) {
    const mapped = mapTlsOptions(options);
    super({ allowHalfOpen: mapped.allowHalfOpen });
    this.options = mapped;
    this.servername = mapped.servername ?? mapped.host;
    this.sent = new Promise<void>((resolve) => {
      this.settleSent = (p) => p.then(resolve, resolve);
    });
    if (mapped.timeout) this.setTimeout(mapped.timeout);
    if (mapped.keepAlive) this.setKeepAlive(true, mapped.keepAlive.delay);
    this.setNoDelay(mapped.noDelay);
  }

  /**
   * Dials (or takes over `socket`) and starts the handshake; as net.Socket's,
   * it takes (port[, host]) or ({ port, host }) and a 'secureConnect' listener.
   */
  connect(
    port?: number | string | { port?: number | string; host?: string },
    host?: string | SecureConnectListener,
    listener?: SecureConnectListener,
  ): this {
    if (this.started) throw new TlsError('BAD_CONFIG', 'connect() was already called');
    const cb = typeof host === 'function' ? host : listener;
    const target = typeof port === 'object' ? port : { port, host: typeof host === 'string' ? host : undefined };
    if (target.port !== undefined || target.host !== undefined) {
      const p = target.port === undefined ? this.options.port : Number(target.port);
      const h = target.host ?? this.options.host;
      this.options = { ...this.options, port: p, host: h, connector: { ...this.options.connector, port: p } };
      this.servername = this.options.servername ?? h;
    }
    const m = this.options;
    if (m.socket && m.socket.listenerCount('data') > 0) {
      throw new TlsError('BAD_CONFIG', "the socket still has 'data' listeners: remove them before starting TLS on it");
    }
    if (cb) this.once('secureConnect', () => (cb as () => void).call(this));
    this.started = true;
    // A socket we dial reads into the shared read buffer, unless a STARTTLS preamble needs its data events.
    const dialed = { host: m.host, port: m.port, ...m.net };
    const transport = m.socket ?? (m.preamble ? netConnect(dialed) : connectSharedReads(dialed));
    this.transport = transport;
    for (const f of this.pending.splice(0)) f(transport as Socket);
    transport.on('error', (e: Error) => this.destroy(e));
    if (isConnecting(transport)) {
      this.connecting = true;
      transport.once('connect', () => {
        this.connecting = false;
        this.emit('connect');
        this.emit('ready');
      });
    }
    void this.handshake(transport);
    return this;
  }

  private async handshake(transport: Duplex): Promise<void> {
    let connector: Connector;
    let info: ConnectionInfo;
    try {
      const head = await runPreamble(transport, this.options.preamble);
      if (this.destroyed) return;
      connector = new Connector(this.options.connector);
      this.connector = connector;
      // The socket is the connector's transport. On failure the socket goes only once our alert is out.
      const net = socketNetwork(transport, () => void settle(this.piped, 1000).then(() => closeSocket(transport)));
      this.piped = net.ended;
      const { plaintext, sent, received, input } = connector.attach(this.app, net.network);
      received.catch(noop);
      this.settleSent(sent);
      this.reader = plaintext.getReader();
      net.listen(input, head);
      info = await connector.connect(this.servername);
    } catch (e) {
      await settle(this.piped, 1000); // let our alert reach the server
      this.destroy(asError(e));
      return;
    }
    if (this.destroyed) return;
    this.info = info;
    this.authorized = true;
    this.alpnProtocol = info.alpn ?? false;
    this.emit('secureConnect');
    if (this.wantRead) void this.pump();
  }

  /** Moves decrypted data into the Duplex until it asks us to stop. */
  private async pump(): Promise<void> {
    const reader = this.reader;
    if (!reader || this.reading) return;
    this.reading = true;
    try {
      while (this.wantRead) {
        const { value, done } = await reader.read();
        if (done) {
          this.push(null);
          return;
        }
        this.timer?.refresh();
        this.wantRead = this.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      }
    } catch (e) {
      this.destroy(asError(e));
    } finally {
      this.reading = false;
    }
  }

  override _read(): void {
    this.wantRead = true;
    if (this.info) void this.pump();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: (error?: Error | null) => void): void {
    this.timer?.refresh();
    // Queued at once; the next write waits only while the 64 KiB buffer is full (a failure
    // of the connection reaches the socket through the handshake or the reader instead).
    const queued = this.app.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (this.app.hasRoom) {
      queued.catch(noop);
      cb();
    } else queued.then(() => cb(), cb);
  }

  override _final(cb: (error?: Error | null) => void): void {
    // Ending our side sends close_notify once the handshake is done.
    this.app
      .close()
      .then(() => this.sent)
      .then(() => cb(), () => cb());
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    if (this.timer) clearTimeout(this.timer);
    const t = this.transport;
    if (!err && this.writableFinished && this.readableEnded && t) {
      // Both sides ended with close_notify: let ours reach the network, then close.
      void this.piped.then(() => closeSocket(t)).then(() => cb(null));
      return;
    }
    this.settleSent(Promise.resolve());
    this.connector?.abort(err ?? undefined);
    void this.app.abort(err ?? undefined);
    this.reader?.cancel().catch(noop);
    t?.destroy();
    cb(err);
  }

  /** Node's getProtocol(): 'TLSv1.3' (or 'TLSv1.2'), null before the handshake. */
  getProtocol(): string | null {
    return this.info?.version ?? null;
  }

  /** Node's getCipher(): the suite's IANA name (OpenSSL's name for TLS 1.3 too) and the version. */
  getCipher(): { name: string; standardName: string; version: string } | undefined {
    const info = this.info;
    return info ? { name: info.cipherSuite, standardName: info.cipherSuite, version: info.version } : undefined;
  }

  /** Node's getPeerCertificate(): the server's leaf ({} before the handshake or when resumed; null once destroyed, as in Node). */
  getPeerCertificate(detailed?: false): PeerCertificate;
  getPeerCertificate(detailed: true): DetailedPeerCertificate;
  getPeerCertificate(detailed?: boolean): PeerCertificate | DetailedPeerCertificate;
  getPeerCertificate(detailed = false): PeerCertificate | DetailedPeerCertificate | null {
    if (this.destroyed) return null;
    if (!this.info) return {} as PeerCertificate;
    if (detailed) return peerCertificate(this.info.peerCertificates, true) as DetailedPeerCertificate;
    this.peerCache ??= peerCertificate(this.info.peerCertificates) as PeerCertificate;
    return this.peerCache;
  }

  /** Whether the session was resumed from a ticket. */
  isSessionReused(): boolean {
    return this.info?.resumed ?? false;
  }

  /** Node's exportKeyingMaterial(length, label[, context]) (RFC 8446 §7.5). */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Buffer {
    if (!this.connector || !this.info) throw new TlsError('NOT_CONNECTED', 'not connected');
    return Buffer.from(this.connector.exportKeyingMaterial(label, context ?? null, length));
  }

  /** Updates our keys and asks the server to update its own (RFC 8446 §4.6.3). */
  keyUpdate(requestPeerUpdate = true): Promise<void> {
    if (!this.connector) return Promise.reject(new TlsError('NOT_CONNECTED', 'not connected'));
    return this.connector.keyUpdate(requestPeerUpdate);
  }

  /** As net.Socket's: emits 'timeout' after `ms` without reads or writes (0 turns it off). */
  setTimeout(ms: number, callback?: () => void): this {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (callback) this.once('timeout', callback);
    if (ms > 0) {
      this.timer = setTimeout(() => this.emit('timeout'), ms);
      this.timer.unref();
    }
    return this;
  }

  private onTransport(f: (s: Socket) => void): this {
    const t = this.transport as Partial<Socket> | null;
    if (!t) this.pending.push(f);
    else if (typeof t.setNoDelay === 'function') f(t as Socket);
    return this;
  }

  /** As net.Socket's (passed to the TCP socket). */
  setNoDelay(noDelay = true): this {
    return this.onTransport((s) => s.setNoDelay(noDelay));
  }

  /** As net.Socket's (passed to the TCP socket). */
  setKeepAlive(enable = false, initialDelay = 0): this {
    return this.onTransport((s) => s.setKeepAlive(enable, initialDelay));
  }

  /** As net.Socket's: the socket keeps the process alive. */
  ref(): this {
    return this.onTransport((s) => s.ref());
  }

  /** As net.Socket's: the socket does not keep the process alive. */
  unref(): this {
    return this.onTransport((s) => s.unref());
  }

  private get tcp(): Partial<Socket> {
    return (this.transport ?? {}) as Partial<Socket>;
  }

  /** As net.Socket's address(). */
  address(): ReturnType<Socket['address']> | Record<string, never> {
    return typeof this.tcp.address === 'function' ? this.tcp.address() : {};
  }

  /** The server's address, from the TCP socket. */
  get remoteAddress(): string | undefined {
    return this.tcp.remoteAddress;
  }

  /** The server's port, from the TCP socket. */
  get remotePort(): number | undefined {
    return this.tcp.remotePort;
  }

  /** 'IPv4' or 'IPv6', from the TCP socket. */
  get remoteFamily(): string | undefined {
    return this.tcp.remoteFamily;
  }

  /** Our address, from the TCP socket. */
  get localAddress(): string | undefined {
    return this.tcp.localAddress;
  }

  /** Our port, from the TCP socket. */
  get localPort(): number | undefined {
    return this.tcp.localPort;
  }

  /** As net.Socket's: 'opening', 'open', 'readOnly', 'writeOnly' or 'closed'. */
  get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.connecting) return 'opening';
    if (this.destroyed) return 'closed';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    return this.writable ? 'writeOnly' : 'closed';
  }
}

/**
 * A 'secureConnect' listener, called with no arguments. Typed to take any,
 * so that callbacks of other shapes (an http.Agent's `oncreate`) fit too.
 */
export type SecureConnectListener = (...args: never[]) => void;

/**
 * Like Node's `tls.connect()`: returns a TLSSocket at once, dialing
 * host:port (or running TLS over `socket`); `onSecureConnect` is a
 * 'secureConnect' listener. Also takes (port[, host][, options][, cb]) and,
 * as node:http2's `createConnection` calls it, (url, options).
 */
export function tlsConnect(options: TlsConnectOptions, onSecureConnect?: SecureConnectListener): TLSSocket;
export function tlsConnect(port: number, host?: string, options?: TlsConnectOptions, onSecureConnect?: SecureConnectListener): TLSSocket;
export function tlsConnect(port: number, options?: TlsConnectOptions, onSecureConnect?: SecureConnectListener): TLSSocket;
/** As node:http2 calls createConnection: (authority, its session options merged with the caller's). */
export function tlsConnect(url: URL, options?: TlsConnectOptions | object, onSecureConnect?: SecureConnectListener): TLSSocket;
export function tlsConnect(...args: unknown[]): TLSSocket {
  const cb = typeof args[args.length - 1] === 'function' ? (args.pop() as SecureConnectListener) : undefined;
  let options: TlsConnectOptions;
  const [first, second, third] = args;
  if (first instanceof URL) {
    const host = first.hostname.startsWith('[') ? first.hostname.slice(1, -1) : first.hostname;
    options = { ...(second as TlsConnectOptions | undefined), host, port: first.port || 443 };
  } else if (typeof first === 'number' || typeof first === 'string') {
    const extra = (typeof second === 'object' ? second : third) as TlsConnectOptions | undefined;
    options = { ...extra, port: first, ...(typeof second === 'string' ? { host: second } : {}) };
  } else {
    options = (first ?? {}) as TlsConnectOptions;
  }
  return new TLSSocket(options).connect(undefined, undefined, cb);
}

/**
 * STARTTLS: starts TLS on a stream that already carried a plaintext
 * exchange (PostgreSQL's SSLRequest, SMTP/IMAP STARTTLS). The stream must
 * have no 'data' listeners left; `options.servername` (or `host`) names the
 * server to verify.
 */
export function startTls(socket: Duplex, options: TlsConnectOptions, onSecureConnect?: SecureConnectListener): TLSSocket {
  return tlsConnect({ ...options, socket }, onSecureConnect);
}
