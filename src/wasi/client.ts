/**
 * wasi:tls@0.3.0-draft (`client` and `types`) as JS host objects. The 0.3
 * interface is the Connector's own shape: stream<u8> in, stream<u8> and a
 * future out, and an async connect. Streams from a host (or from jco's
 * generated p3 glue) may be WHATWG streams, async iterables of bytes or
 * chunks, or readers with `read({ count })`; we return WHATWG streams,
 * which are async iterables of Uint8Array chunks and end (never error) when
 * the connection fails: the futures say why.
 *
 *   --map 'wasi:tls/client@0.3.0-draft=puretls/wasi#client'
 *   --map 'wasi:tls/types@0.3.0-draft=puretls/wasi#clientTypes'
 */
import { Connector as CoreConnector } from '../connector.js';
import { TlsError } from '../errors.js';
import type { ConnectorOptions } from '../options.js';
import type { ConnectionInfo } from '../handshake/client.js';
import { connectorOptions, currentOptions } from './options.js';

/** The WIT `result<T, E>` as jco represents it. */
export type Result<T, E> = { tag: 'ok'; val: T } | { tag: 'err'; val: E };

const INTERNAL = Symbol('puretls.wasi.client');

/** The `error` resource of wasi:tls/types@0.3.0-draft. */
export class WasiTlsError {
  /** The underlying puretls error (not part of the WIT). */
  readonly error: TlsError;

  constructor(token: typeof INTERNAL, error: TlsError) {
    if (token !== INTERNAL) throw new TypeError('error has no public constructor');
    this.error = error;
  }

  toDebugString(): string {
    return this.error.toDebugString();
  }
}

function wrap(e: unknown): WasiTlsError {
  const err = e instanceof TlsError ? e : new TlsError('CONNECTION_CLOSED', 'the connection failed', { cause: e });
  return new WasiTlsError(INTERNAL, err);
}

function settle(p: Promise<void>): Promise<Result<void, WasiTlsError>> {
  return p.then(
    () => ({ tag: 'ok', val: undefined }),
    (e: unknown) => ({ tag: 'err', val: wrap(e) }),
  );
}

/** Byte streams as jco and JS hosts hand them over. */
export type ByteSource =
  | ReadableStream<Uint8Array>
  | AsyncIterable<unknown>
  | Iterable<unknown>
  | { read(options?: { count: number }): Promise<unknown> };

const READ_COUNT = 64 * 1024;

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'number') return Uint8Array.of(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (Array.isArray(chunk)) return Uint8Array.from(chunk as number[]);
  throw new TlsError('BAD_CONFIG', 'a wasi:tls stream<u8> carried something other than bytes');
}

function hasRead(s: object): s is { read(options?: { count: number }): Promise<unknown> } {
  return typeof (s as { read?: unknown }).read === 'function';
}

/** What jco's p3 readers resolve `read()` with: an iterator result, or (older glue) the chunk or null. */
function readResult(value: unknown): { done: boolean; bytes: Uint8Array | null } {
  if (value === null || value === undefined) return { done: true, bytes: null };
  if (typeof value === 'object' && 'done' in value && !ArrayBuffer.isView(value) && !Array.isArray(value)) {
    const r = value as { done: boolean; value?: unknown };
    const bytes = r.value === undefined || r.value === null ? null : toBytes(r.value);
    return { done: r.done === true, bytes: bytes && bytes.byteLength > 0 ? bytes : null };
  }
  return { done: false, bytes: toBytes(value) };
}

/** Ends a source the host stops reading early: jco's readers drop their stream end (`return`, or Symbol.dispose). */
async function release(source: object, reason: unknown): Promise<void> {
  const s = source as { return?: (r?: unknown) => unknown } & Record<symbol, unknown>;
  if (typeof s.return === 'function') await s.return(reason);
  else if (typeof s[symbolDispose] === 'function') (s[symbolDispose] as () => void)();
}

const symbolDispose: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');

/**
 * Adapts any ByteSource to a WHATWG stream of Uint8Array chunks. A source
 * with `read({ count })` (jco's p3 stream reader, which is also an async
 * iterator of single bytes) is read in chunks of up to 64 KiB.
 */
export function toByteStream(source: ByteSource): ReadableStream<Uint8Array> {
  if (source instanceof ReadableStream) return source;
  if (hasRead(source)) {
    return new ReadableStream<Uint8Array>(
      {
        async pull(ctl) {
          for (;;) {
            const { done, bytes } = readResult(await source.read({ count: READ_COUNT }));
            if (bytes) ctl.enqueue(bytes);
            if (done) ctl.close();
            if (bytes || done) return;
          }
        },
        cancel: (reason) => release(source, reason),
      },
      { highWaterMark: 0 },
    );
  }
  if (Symbol.asyncIterator in source || Symbol.iterator in source) {
    const iterator =
      Symbol.asyncIterator in source
        ? (source as AsyncIterable<unknown>)[Symbol.asyncIterator]()
        : (source as Iterable<unknown>)[Symbol.iterator]();
    return new ReadableStream<Uint8Array>(
      {
        async pull(ctl) {
          const { value, done } = await iterator.next();
          if (done) ctl.close();
          else ctl.enqueue(toBytes(value));
        },
        async cancel(reason) {
          await iterator.return?.(reason);
        },
      },
      { highWaterMark: 0 },
    );
  }
  throw new TlsError('BAD_CONFIG', 'not a byte stream');
}

/**
 * A component-model stream has no error state: it just ends, and the error
 * travels in the future next to it. jco fails the whole guest task when a
 * host stream errors, so the errors stop here.
 */
function endOnError(src: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = src.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(ctl) {
        try {
          const { value, done } = await reader.read();
          if (done) ctl.close();
          else ctl.enqueue(value);
        } catch {
          ctl.close();
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Builds the `client` interface object with fixed options (in-process: callbacks are fine). */
export function createClientInterface(options?: ConnectorOptions): { Connector: typeof Connector } {
  class BoundConnector extends Connector {
    constructor() {
      super(options);
    }
  }
  return { Connector: BoundConnector };
}

/** The `connector` resource of wasi:tls/client@0.3.0-draft. */
export class Connector {
  readonly #core: CoreConnector;

  /** Without options: the ones set through configure(). */
  constructor(options?: ConnectorOptions) {
    this.#core = new CoreConnector(options ?? connectorOptions(currentOptions()));
  }

  /** Cleartext in; ciphertext for the network out. Ending `cleartext` sends close_notify. */
  send(cleartext: ByteSource): [ReadableStream<Uint8Array>, Promise<Result<void, WasiTlsError>>] {
    const [ciphertext, sent] = this.#core.send(toByteStream(cleartext));
    return [endOnError(ciphertext), settle(sent)];
  }

  /** Ciphertext from the network in; cleartext out. The future is ok on the server's close_notify. */
  receive(ciphertext: ByteSource): [ReadableStream<Uint8Array>, Promise<Result<void, WasiTlsError>>] {
    const [plaintext, received] = this.#core.receive(toByteStream(ciphertext));
    return [endOnError(plaintext), settle(received)];
  }

  /** The WIT's `static async func(this: connector, server-name)`; rejects with a WasiTlsError. */
  static async connect(self: Connector, serverName: string): Promise<void> {
    await self.connect(serverName);
  }

  async connect(serverName: string): Promise<ConnectionInfo> {
    try {
      return await this.#core.connect(serverName);
    } catch (e) {
      throw wrap(e);
    }
  }
}

/** The shapes jco imports for wasi:tls/client@0.3.0-draft and wasi:tls/types@0.3.0-draft. */
export const client = { Connector };
/** The shape jco imports for wasi:tls/types@0.3.0-draft. */
export const clientTypes = { Error: WasiTlsError };
