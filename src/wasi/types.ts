/**
 * wasi:tls/types@0.2.0-draft for components transpiled by jco, on the main
 * thread. The guest's wasi:io streams are preview2-shim objects whose data
 * lives in the shim's IO worker; each handshake runs there (worker.ts) and
 * these classes only carry worker ids, so the guest's blocking polls work.
 *
 *   jco transpile app.wasm -o out --map 'wasi:tls/types@0.2.0-draft=puretls/wasi#types'
 */
import {
  callExtension,
  createIoError,
  futureDispose,
  futureSubscribe,
  futureTakeValue,
  inputStreamCreate,
  inputStreamId,
  outputStreamCreate,
  outputStreamId,
} from '@bytecodealliance/preview2-shim/io-worker';
import type { InputStream, OutputStream } from '@bytecodealliance/preview2-shim/interfaces/wasi-io-streams';
import type { Pollable } from '@bytecodealliance/preview2-shim/interfaces/wasi-io-poll';
import type { Error as IoError } from '@bytecodealliance/preview2-shim/interfaces/wasi-io-error';
import { TlsError } from '../errors.js';
import { currentOptions } from './options.js';
import {
  OP_CLOSE_OUTPUT,
  OP_DROP,
  OP_HANDSHAKE,
  type HandshakeArgs,
  type HandshakeFailure,
  type HandshakeResult,
} from './protocol.js';

export type { InputStream, OutputStream, Pollable, IoError };
/** The WIT `result<T, E>` as jco represents it. */
export type Result<T, E> = { tag: 'ok'; val: T } | { tag: 'err'; val: E };

const WORKER_MODULE = new URL('./worker.js', import.meta.url);
const symbolDispose: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');
/** Lets only this module construct the resources jco marks as having no public constructor. */
const INTERNAL = Symbol('puretls.wasi.internal');

/**
 * The TCP streams a connection was built on. The guest gave them to us; when
 * their objects are collected the shim ends the socket, so every object the
 * connection hands out keeps them alive.
 */
type Transport = readonly [InputStream, OutputStream];
const transports = new WeakMap<object, Transport>();

function dispose(resource: object): void {
  const fn = (resource as Record<symbol, unknown>)[symbolDispose];
  if (typeof fn === 'function') fn.call(resource);
}

/** The `client-handshake` resource of wasi:tls/types@0.2.0-draft: a server name and the guest's TCP streams. */
export class ClientHandshake {
  readonly #serverName: string;
  #transport: Transport | null;
  readonly #ids: readonly [number, number];

  constructor(serverName: string, input: InputStream, output: OutputStream) {
    if (typeof serverName !== 'string' || !serverName) {
      throw new TlsError('BAD_CONFIG', 'wasi:tls client-handshake needs a server name');
    }
    this.#serverName = serverName;
    this.#transport = [input, output];
    this.#ids = [inputStreamId(input), outputStreamId(output)];
  }

  static finish(handshake: ClientHandshake): FutureClientStreams {
    const transport = handshake.#transport;
    if (!transport) throw new TlsError('BAD_CONFIG', 'client-handshake.finish was already called');
    handshake.#transport = null;
    const args: HandshakeArgs = [handshake.#serverName, handshake.#ids[0], handshake.#ids[1], currentOptions()];
    const futureId = callExtension(WORKER_MODULE, OP_HANDSHAKE, args) as number;
    return new FutureClientStreams(INTERNAL, futureId, transport);
  }

  [symbolDispose](): void {
    // Dropped without finish(): the guest's TCP streams are ours to release.
    const transport = this.#transport;
    this.#transport = null;
    if (transport) transport.forEach(dispose);
  }
}

/** The `client-connection` resource of wasi:tls/types@0.2.0-draft: an established connection in the IO worker. */
export class ClientConnection {
  readonly #id: number;
  #closed = false;
  /** The negotiated ALPN protocol, for hosts that look (not part of the WIT). */
  readonly alpn: string | null;
  readonly cipherSuite: string;

  constructor(token: typeof INTERNAL, result: HandshakeResult, transport: Transport) {
    if (token !== INTERNAL) throw new TypeError('client-connection has no public constructor');
    this.#id = result.connection;
    this.alpn = result.alpn;
    this.cipherSuite = result.cipherSuite;
    transports.set(this, transport);
  }

  /** Sends close_notify once the guest's buffered writes are encrypted, then half-closes TCP. */
  closeOutput(): void {
    if (this.#closed) return;
    this.#closed = true;
    callExtension(WORKER_MODULE, OP_CLOSE_OUTPUT, [this.#id]);
  }

  [symbolDispose](): void {
    // The streams live on independently, as in other wasi:tls hosts.
    callExtension(WORKER_MODULE, OP_DROP, [this.#id]);
  }
}

/** The `future-client-streams` resource of wasi:tls/types@0.2.0-draft: a handshake in progress. */
export class FutureClientStreams {
  readonly #id: number;
  #transport: Transport | null;
  #disposed = false;

  constructor(token: typeof INTERNAL, futureId: number, transport: Transport) {
    if (token !== INTERNAL) throw new TypeError('future-client-streams has no public constructor');
    this.#id = futureId;
    this.#transport = transport;
  }

  /** Ready once the handshake has finished, successfully or not. */
  subscribe(): Pollable {
    return futureSubscribe(this.#id, this);
  }

  /**
   * undefined while the handshake runs; then once the connection and its
   * plaintext streams, or the error; `{ tag: 'err' }` when already taken.
   */
  get(): Result<Result<[ClientConnection, InputStream, OutputStream], IoError>, void> | undefined {
    const taken = futureTakeValue<HandshakeResult, HandshakeFailure>(this.#id);
    if (taken === undefined) return undefined;
    if (taken.tag === 'err') return { tag: 'err', val: undefined };
    const outcome = taken.val;
    const transport = this.#transport;
    if (outcome.tag === 'err' || !transport) {
      const message = outcome.tag === 'err' ? outcome.val.message : 'the handshake has no transport';
      return { tag: 'ok', val: { tag: 'err', val: createIoError(message) } };
    }
    this.#transport = null; // now owned by the connection's objects
    const result = outcome.val;
    const connection = new ClientConnection(INTERNAL, result, transport);
    const input = inputStreamCreate(result.input);
    const output = outputStreamCreate(result.output);
    transports.set(input, transport);
    transports.set(output, transport);
    return { tag: 'ok', val: { tag: 'ok', val: [connection, input, output] } };
  }

  [symbolDispose](): void {
    if (this.#disposed) return;
    this.#disposed = true;
    try {
      futureDispose(this.#id);
    } catch {
      // The shim refuses while a pollable from subscribe() is alive; the guest dropped them out of order.
    }
    // A failed or never-collected handshake still holds the guest's TCP streams.
    const transport = this.#transport;
    this.#transport = null;
    if (transport) transport.forEach(dispose);
  }
}

/** The shape jco's generated code imports for wasi:tls/types@0.2.0-draft. */
export const types = { ClientHandshake, ClientConnection, FutureClientStreams };
