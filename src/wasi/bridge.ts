/**
 * Adapters between Node streams (what preview2-shim keeps behind every
 * wasi:io stream) and the WHATWG streams the Connector speaks.
 */
import { Readable, Writable } from 'node:stream';

/** Bytes a wasi:io stream of ours buffers: the permit `check-write` hands out. */
export const BRIDGE_HIGH_WATER = 64 * 1024;

function bytes(chunk: Uint8Array | string): Uint8Array {
  if (typeof chunk === 'string') return new TextEncoder().encode(chunk);
  return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Reads `src` as a WHATWG stream. Cancelling only detaches: the socket
 * behind it usually still has an alert or close_notify to send.
 */
export function readNode(src: Readable): ReadableStream<Uint8Array> {
  let detach: (() => void) | null = null;
  // Between pulls nobody listens; the next pull finds the error in `errored`.
  src.on('error', () => undefined);
  return new ReadableStream<Uint8Array>(
    {
      pull: (ctl) =>
        new Promise<void>((resolve) => {
          const settle = (): void => {
            src.off('readable', attempt);
            src.off('end', onEnd);
            src.off('error', onError);
            src.off('close', onClose);
            detach = null;
            resolve();
          };
          const onEnd = (): void => {
            settle();
            ctl.close();
          };
          const onError = (e: Error): void => {
            settle();
            ctl.error(e);
          };
          const onClose = (): void => {
            if (src.errored) onError(src.errored);
            else onEnd();
          };
          function attempt(): void {
            const chunk: unknown = src.read();
            if (chunk instanceof Uint8Array || typeof chunk === 'string') {
              settle();
              ctl.enqueue(bytes(chunk));
            } else if (src.errored) {
              onError(src.errored);
            } else if (src.readableEnded || src.destroyed) {
              onEnd();
            }
          }
          src.on('readable', attempt);
          src.on('end', onEnd);
          src.on('error', onError);
          src.on('close', onClose);
          detach = settle;
          attempt();
        }),
      cancel: () => {
        detach?.();
      },
    },
    { highWaterMark: 0 },
  );
}

function writable(dst: Writable): boolean {
  return !dst.destroyed && !dst.writableEnded;
}

function drained(dst: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      dst.off('drain', onDrain);
      dst.off('close', onClose);
      dst.off('error', onClose);
    };
    const onDrain = (): void => {
      done();
      resolve();
    };
    const onClose = (): void => {
      done();
      reject(dst.errored ?? new Error('the connection was closed'));
    };
    dst.on('drain', onDrain);
    dst.on('close', onClose);
    dst.on('error', onClose);
  });
}

/**
 * Copies `src` into `dst` with backpressure, then ends `dst` (a TCP
 * half-close after our close_notify or alert). Resolves once `dst` has
 * flushed; a failing `dst` cancels `src`, which fails the connection.
 */
export async function pipeToNode(src: ReadableStream<Uint8Array>, dst: Writable): Promise<void> {
  const reader = src.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!writable(dst)) throw dst.errored ?? new Error('the connection was closed');
      if (!dst.write(value)) await drained(dst);
    }
  } catch (e) {
    await reader.cancel(e).catch(() => undefined);
    throw e;
  }
  if (!writable(dst)) return;
  await new Promise<void>((resolve) => dst.end(() => resolve()));
}

/** A Node Readable fed from `src`, read only as fast as its consumer reads. */
export function nodeReadable(src: ReadableStream<Uint8Array>, highWaterMark = BRIDGE_HIGH_WATER): Readable {
  const reader = src.getReader();
  let reading = false;
  const out = new Readable({
    highWaterMark,
    read() {
      if (reading) return;
      reading = true;
      const next = (): void => {
        reader.read().then(
          ({ value, done }) => {
            if (done) {
              reading = false;
              out.push(null);
            } else if (value.byteLength === 0) {
              next(); // Node ignores empty chunks and would not ask again
            } else {
              reading = false;
              out.push(value);
            }
          },
          (e: unknown) => {
            reading = false;
            out.destroy(e instanceof Error ? e : new Error(String(e)));
          },
        );
      };
      next();
    },
    destroy(err, cb) {
      reader.cancel(err ?? undefined).catch(() => undefined);
      cb(err);
    },
  });
  // Errors reach the guest through `errored`; an unlistened 'error' would crash the worker.
  out.on('error', () => undefined);
  return out;
}

/**
 * A Node Writable (the guest's cleartext output-stream) whose chunks come
 * out of `readable`. A write completes when the reader asks for the next
 * chunk, so `check-write` shrinks while the TLS engine is busy.
 */
export class WritableBridge {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: Writable;
  private ctl!: ReadableStreamDefaultController<Uint8Array>;
  private release: (() => void) | null = null;
  private ended = false;

  constructor(highWaterMark = BRIDGE_HIGH_WATER) {
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (ctl) => {
          this.ctl = ctl;
        },
        pull: () => this.wake(),
        cancel: () => {
          this.ended = true;
          this.wake();
          // Late, so that fail() can first record why the connection ended.
          setImmediate(() => this.fail(new Error('the TLS connection is closed')));
        },
      },
      { highWaterMark: 0 },
    );
    this.writable = new Writable({
      highWaterMark,
      write: (chunk: Uint8Array | string, _encoding, cb) => {
        if (this.ended) return cb(new Error('the TLS output is closed'));
        const data = bytes(chunk);
        if (!data.byteLength) return cb(); // a flush
        this.release = () => cb();
        this.ctl.enqueue(data);
      },
      final: (cb) => {
        this.close();
        cb();
      },
      destroy: (err, cb) => {
        if (!this.ended) {
          this.ended = true;
          this.ctl.error(err ?? new Error('the TLS output was destroyed'));
        }
        this.wake();
        cb(err);
      },
    });
    this.writable.on('error', () => undefined);
  }

  /** Fails the guest's writes with `err` (the connection broke). */
  fail(err: Error): void {
    if (!this.writable.destroyed) this.writable.destroy(err);
  }

  private close(): void {
    if (this.ended) return;
    this.ended = true;
    this.ctl.close();
  }

  private wake(): void {
    const release = this.release;
    this.release = null;
    release?.();
  }
}
