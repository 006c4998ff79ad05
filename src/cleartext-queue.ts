/**
 * The application's writes on their way to the Connector, for transports
 * that own both ends (puretls/node): a bounded queue with a writer side
 * (the sink of the caller's WritableStream, or a Duplex's _write) and the
 * reader side the Connector takes cleartext from, without a TransformStream
 * (and its second WritableStream and ReadableStream) in between.
 */

/** The reader side of a cleartext source, as the Connector reads it: a ReadableStream's default reader has this shape. */
export interface CleartextReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(reason?: unknown): Promise<void>;
}

/** Where the Connector takes cleartext from: a ReadableStream, or a {@link CleartextQueue}. */
export interface CleartextSource {
  getReader(): CleartextReader;
}

const DONE: ReadableStreamReadResult<Uint8Array> = { done: true, value: undefined };

/**
 * A FIFO of byte chunks. write() resolves once the queue holds fewer than
 * `highWater` bytes (backpressure), close() ends it after what is queued,
 * abort() and the reader's cancel() fail what is pending. One reader.
 */
export class CleartextQueue implements CleartextSource {
  private readonly chunks: Uint8Array[] = [];
  private head = 0;
  private bytes = 0;
  private closed = false;
  private failure: { reason: unknown } | null = null;
  private reading: { resolve: (r: ReadableStreamReadResult<Uint8Array>) => void; reject: (e: unknown) => void } | null = null;
  /** Writers waiting for room, in order. */
  private waiting: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];

  constructor(private readonly highWater: number) {}

  /** Bytes queued and not yet read. */
  get size(): number {
    return this.bytes;
  }

  /** Whether a write now would be taken at once: open, and holding fewer than `highWater` bytes. */
  get hasRoom(): boolean {
    return !this.failure && !this.closed && this.bytes < this.highWater;
  }

  /** Queues `chunk` (it is not copied: the caller must not change it); resolves once there is room for more. */
  write(chunk: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.reason);
    if (this.closed) return Promise.reject(new TypeError('write after close'));
    if (chunk.byteLength === 0) return Promise.resolve();
    const r = this.reading;
    if (r) {
      this.reading = null;
      r.resolve({ done: false, value: chunk });
    } else {
      this.chunks.push(chunk);
      this.bytes += chunk.byteLength;
    }
    if (this.bytes < this.highWater) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Ends the queue: the reader gets what is queued, then the end. */
  close(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.reason);
    this.closed = true;
    const r = this.reading;
    if (r && this.bytes === 0) {
      this.reading = null;
      r.resolve(DONE);
    }
    return Promise.resolve();
  }

  /** Fails the queue: the reader's pending and later reads reject with `reason`, queued data is dropped. */
  abort(reason?: unknown): Promise<void> {
    this.error(reason);
    return Promise.resolve();
  }

  getReader(): CleartextReader {
    return {
      read: () => this.read(),
      cancel: (reason) => {
        this.error(reason);
        return Promise.resolve();
      },
    };
  }

  private read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    if (this.failure) return Promise.reject(this.failure.reason);
    if (this.head < this.chunks.length) {
      const value = this.chunks[this.head]!;
      this.chunks[this.head++] = EMPTY;
      if (this.head === this.chunks.length) {
        this.chunks.length = 0;
        this.head = 0;
      }
      this.bytes -= value.byteLength;
      this.release();
      return Promise.resolve({ done: false, value });
    }
    if (this.closed) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => {
      this.reading = { resolve, reject };
      // Writers wait only while the queue is full; an empty queue being read has room.
      this.release();
    });
  }

  /** Wakes writers while there is room. */
  private release(): void {
    while (this.waiting.length && this.bytes < this.highWater) this.waiting.shift()!.resolve();
  }

  private error(reason: unknown): void {
    if (this.failure) return;
    this.failure = { reason };
    this.chunks.length = 0;
    this.head = 0;
    this.bytes = 0;
    const r = this.reading;
    this.reading = null;
    r?.reject(reason);
    for (const w of this.waiting.splice(0)) w.reject(reason);
  }
}

const EMPTY = new Uint8Array(0);
