/**
 * A network transport that pushes bytes (a Node socket, a WebSocket),
 * wired to the Connector without ciphertext streams in between: records go
 * straight to the transport's write(), and bytes it reads go straight to
 * the core. Backpressure both ways, as with streams: the transport is
 * paused while the core or the application's reader is behind, and
 * cleartext is taken only while the transport has room for more records.
 */
import type { ClientConnection } from './handshake/conn.js';

/** What the Connector needs of a push transport (see {@link Connector.attach}). */
export interface PushNetwork {
  /**
   * Hands records to the network. `more`: another record follows at once
   * (ClientSink.send's hint); the transport may hold these to send both
   * in one piece.
   */
  write(records: Uint8Array, more?: boolean): void;
  /**
   * Optional: memory for `length` bytes of records that will be passed to
   * write() (or undefined for a fresh allocation); the transport may reuse
   * it once written. See ClientSink.allocate.
   */
  allocate?(length: number): Uint8Array | undefined;
  /**
   * Null while the transport holds fewer than `highWater` bytes not yet
   * sent; else a promise that settles once it took them (or closed).
   */
  room(highWater: number): Promise<void> | null;
  /** Ends our direction once what was written is out (after close_notify, or a fatal alert). */
  end(): void;
  /** Stops delivering bytes until resume(): the core or the reader is behind. Optional (a WebSocket cannot). */
  pause?(): void;
  /** Delivers bytes again after pause(). */
  resume?(): void;
  /** The connection failed: the transport closes, once our alert (already written) is out. */
  stop(): void;
}

/** What a {@link PushNetwork} calls with what it reads, in order. */
export interface NetworkInput {
  /**
   * Bytes from the network. The chunk is the connection's from here on,
   * unless `borrowed`: then it is valid only during this call (a read
   * buffer the transport reuses), and the connection copies what it keeps.
   */
  data(chunk: Uint8Array, borrowed?: boolean): void;
  /** The peer ended the byte stream. */
  end(): void;
  /** The transport failed; `error` becomes the connection's error (a TlsError, or wrapped in one). */
  error(error: unknown): void;
}

/** What {@link Connector.attach} returns: the cleartext from the server, the two directions' ends, and where the transport's bytes go. */
export interface AttachedNetwork {
  /** Decrypted data from the server; ends on close_notify. */
  readonly plaintext: ReadableStream<Uint8Array>;
  /** Settles when our direction ends (close_notify sent), as send()'s promise. */
  readonly sent: Promise<void>;
  /** Settles when the server's direction ends, as receive()'s promise. */
  readonly received: Promise<void>;
  /** For the transport: the bytes it reads, their end, its failure. */
  readonly input: NetworkInput;
}

/** Bytes handed to the core and not yet processed beyond which the transport is paused. */
const BACKLOG_LIMIT = 64 * 1024;

/** The Connector's side of a push transport's input. */
export interface FeedHooks {
  /** The core, once the handshake started. */
  core(): ClientConnection | null;
  /** The receiving direction is over (the peer's close_notify, or a failure): input is dropped. */
  settled(): boolean;
  /** The application's reader holds all it wants (the plaintext queue is full). */
  readerFull(): boolean;
  fail(error: unknown, fallback: string): void;
  /** The peer ended the byte stream, after everything before it was processed. */
  ended(core: ClientConnection): void;
}

/**
 * Feeds a push transport's bytes to the core in order, pausing the
 * transport while more than 64 KiB wait for the core or the reader is full.
 */
export class PushFeed implements NetworkInput {
  private backlog = 0;
  private paused = false;
  /** Settles once every chunk handed to the core so far is processed. */
  private tail: Promise<void> = Promise.resolve();
  /** Input before the core exists (a STARTTLS head, a peer that speaks first). */
  private early: Uint8Array[] | null = [];
  private endedEarly = false;

  constructor(
    private readonly net: PushNetwork,
    private readonly hooks: FeedHooks,
  ) {}

  data(chunk: Uint8Array, borrowed = false): void {
    if (this.hooks.settled() || chunk.byteLength === 0) return;
    const core = this.hooks.core();
    if (!core || this.early) {
      this.early?.push(borrowed ? chunk.slice() : chunk);
      this.backlog += chunk.byteLength;
      this.flow();
      return;
    }
    this.feed(core, chunk, borrowed);
  }

  end(): void {
    const core = this.hooks.core();
    if (!core || this.early) {
      this.endedEarly = true;
      return;
    }
    void this.tail.then(() => {
      if (!this.hooks.settled()) this.hooks.ended(core);
    });
  }

  error(error: unknown): void {
    this.hooks.fail(error, 'reading from the network failed');
  }

  /** The core exists: what arrived before goes to it first. */
  start(core: ClientConnection): void {
    const early = this.early ?? [];
    this.early = null;
    for (const chunk of early) {
      this.backlog -= chunk.byteLength;
      if (!this.hooks.settled()) this.feed(core, chunk);
    }
    if (this.endedEarly) this.end();
    this.flow();
  }

  private feed(core: ClientConnection, chunk: Uint8Array, borrowed = false): void {
    const n = chunk.byteLength;
    this.backlog += n;
    // A borrowed chunk is processed now where it can be, and copied where it cannot.
    this.tail = (borrowed ? core.receiveBorrowed(chunk) : core.receive(chunk)).then(
      () => {
        this.backlog -= n;
        this.flow();
      },
      (e: unknown) => this.hooks.fail(e, 'reading from the network failed'),
    );
    this.flow();
  }

  /** Pauses the transport while the core or the reader is behind, and resumes it once both caught up. */
  flow(): void {
    // More than one full socket read waiting: a chunk being processed alone does not pause (pausing costs syscalls).
    const full = !this.hooks.settled() && (this.backlog > BACKLOG_LIMIT || this.hooks.readerFull());
    if (full && !this.paused) {
      this.paused = true;
      this.net.pause?.();
    } else if (!full && this.paused) {
      this.paused = false;
      this.net.resume?.();
    }
  }
}
