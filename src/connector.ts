/**
 * The wasi:tls@0.3.0-draft `client` connector over WHATWG streams: a thin
 * I/O adapter around the sans-IO ClientConnection.
 *
 *   const c = new Connector(options);
 *   const [ciphertext, sent] = c.send(cleartext);
 *   const [plaintext, received] = c.receive(fromNetwork);
 *   const info = await c.connect('example.com');
 */
import { concat } from './codec.js';
import { TlsError, toTlsError } from './errors.js';
import { deferred } from './deferred.js';
import { ClientConnection, type ConnectionInfo } from './handshake/client.js';
import type { SessionStore, StoredSession } from './handshake/session.js';
import { checkLimits, resolveConfig, type ConnectorOptions } from './options.js';
import type { CleartextSource } from './cleartext-queue.js';
import { PushFeed, type AttachedNetwork, type PushNetwork } from './push-network.js';
import { checkRuntime } from './runtime.js';

export type { AttachedNetwork, NetworkInput, PushNetwork } from './push-network.js';

/** Bytes of decrypted data queued for a slow reader before we stop reading the network. */
const PLAINTEXT_HIGH_WATER = 64 * 1024;
/** Bytes of records queued for a slow network before we stop encrypting. */
const CIPHERTEXT_HIGH_WATER = 64 * 1024;

const byteSize = { size: (chunk: Uint8Array) => chunk.byteLength };
/** Small writes are gathered up to this many bytes (one full record). */
const COALESCE_BYTES = 16 * 1024;
/** Plaintext handed to the core at once: 16 records, sealed as one batch. */
const WRITE_SLICE = 256 * 1024;
/** Resolves at once, so it loses a race only to a read that already has a chunk. */
const NOT_QUEUED = 'not queued' as const;
const notQueued = Promise.resolve(NOT_QUEUED);

/** The wasi:tls 0.3 `connector` over WHATWG streams: send() and receive() carry the two directions, connect() runs the handshake. */
export class Connector {
  private core: ClientConnection | null = null;
  private cleartextIn: CleartextSource | null = null;
  private networkIn: ReadableStream<Uint8Array> | null = null;
  private ciphertextCtl: ReadableStreamDefaultController<Uint8Array> | null = null;
  /** A push transport wired in by attach(), in place of the ciphertext streams. */
  private net: PushNetwork | null = null;
  private feed: PushFeed | null = null;
  private plaintextCtl: ReadableStreamDefaultController<Uint8Array> | null = null;
  private readonly sentD = deferred<void>();
  private readonly receivedD = deferred<void>();
  private readonly connectedD = deferred<ConnectionInfo>();
  private failure: TlsError | null = null;
  private ciphertextClosed = false;
  private plaintextClosed = false;
  /** Wakes the network pump when the plaintext reader drains. */
  private plaintextPull: (() => void) | null = null;
  /** Wakes the cleartext pump when the network drains our records. */
  private ciphertextPull: (() => void) | null = null;
  /** Readers to cancel when the connection fails. */
  private cleanup: Array<() => void> = [];
  /** The caller's signal listener and our timer: removed when the connection ends either way. */
  private disarm: Array<() => void> = [];
  private sentEnded = false;
  private receivedEnded = false;
  private sessions: SessionStore | null = null;
  private sessionKey = '';

  constructor(private readonly options: ConnectorOptions = {}) {
    // Without streams, ClientConnection is the API: bytes in by receive(), out by its sink.
    checkRuntime('Connector', options.random, ['ReadableStream']);
    checkLimits(options.limits); // send() and receive() size their streams from these
  }

  /**
   * Takes the application's cleartext and returns the ciphertext to write
   * to the network, and a promise that settles when this direction ends.
   * Ending `cleartext` sends close_notify and then ends the ciphertext.
   */
  send(cleartext: ReadableStream<Uint8Array>): [ReadableStream<Uint8Array>, Promise<void>] {
    if (this.cleartextIn) throw new TlsError('BAD_CONFIG', 'send() was already called');
    this.cleartextIn = cleartext;
    const ciphertext = new ReadableStream<Uint8Array>(
      {
        start: (ctl) => {
          this.ciphertextCtl = ctl;
        },
        pull: () => {
          const wake = this.ciphertextPull;
          this.ciphertextPull = null;
          wake?.();
        },
        cancel: (reason) => {
          this.ciphertextClosed = true;
          this.fail(toTlsError(reason, 'the network stopped reading'));
        },
      },
      { highWaterMark: this.ciphertextHighWater, ...byteSize },
    );
    return [ciphertext, this.sentD.promise];
  }

  /**
   * Takes ciphertext from the network and returns the decrypted cleartext,
   * and a promise that settles when this direction ends: it resolves on the
   * server's close_notify and rejects on anything else.
   */
  receive(ciphertext: ReadableStream<Uint8Array>): [ReadableStream<Uint8Array>, Promise<void>] {
    if (this.networkIn) throw new TlsError('BAD_CONFIG', 'receive() was already called');
    this.networkIn = ciphertext;
    return [this.plaintextStream(), this.receivedD.promise];
  }

  /**
   * Wires a push transport (a socket) in place of the ciphertext streams:
   * records go to `network.write()`, and the transport hands what it reads
   * to the returned `input`. Takes the place of send() and receive();
   * `cleartext` is send()'s (a ReadableStream, or a lighter
   * CleartextQueue). Backpressure works as with the streams.
   */
  attach(cleartext: CleartextSource, network: PushNetwork): AttachedNetwork {
    if (this.cleartextIn || this.networkIn) throw new TlsError('BAD_CONFIG', 'send() or receive() was already called');
    this.cleartextIn = cleartext;
    this.net = network;
    const feed = new PushFeed(network, {
      core: () => this.core,
      settled: () => this.receivedSettled(),
      readerFull: () => this.plaintextFull(),
      fail: (e, fallback) => this.fail(toTlsError(e, fallback)),
      ended: (core) => this.networkEnded(core),
    });
    this.feed = feed;
    this.cleanup.push(() => network.stop());
    return { plaintext: this.plaintextStream(), sent: this.sentD.promise, received: this.receivedD.promise, input: feed };
  }

  private plaintextStream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>(
      {
        start: (ctl) => {
          this.plaintextCtl = ctl;
        },
        pull: () => {
          const wake = this.plaintextPull;
          this.plaintextPull = null;
          wake?.();
          this.feed?.flow();
        },
        cancel: () => {
          // The application no longer reads: stop delivering, keep the connection.
          this.plaintextClosed = true;
          const wake = this.plaintextPull;
          this.plaintextPull = null;
          wake?.();
          this.feed?.flow();
        },
      },
      { highWaterMark: this.options.limits?.maxBufferedPlaintext ?? PLAINTEXT_HIGH_WATER, ...byteSize },
    );
  }

  /** Runs the handshake with `serverName` (SNI and the name verified). */
  connect(serverName: string): Promise<ConnectionInfo> {
    if (this.core) return Promise.reject(new TlsError('BAD_CONFIG', 'connect() was already called'));
    if (!this.cleartextIn || !(this.networkIn || this.net)) {
      return Promise.reject(
        new TlsError('NOT_CONNECTED', 'connect() needs both send() and receive() to be set up first'),
      );
    }
    void this.run(serverName);
    return this.connectedD.promise;
  }

  /** RFC 8446 §7.5 exporter (after the handshake). */
  exportKeyingMaterial(label: string, context: Uint8Array | null, length: number): Uint8Array {
    if (!this.core) throw new TlsError('NOT_CONNECTED', 'not connected');
    return this.core.exportKeyingMaterial(label, context, length);
  }

  /** Updates our traffic keys and asks the server to update its own (RFC 8446 §4.6.3). */
  keyUpdate(requestPeerUpdate = true): Promise<void> {
    if (!this.core) return Promise.reject(new TlsError('NOT_CONNECTED', 'not connected'));
    return this.core.keyUpdate(requestPeerUpdate);
  }

  /** Ends the connection with user_canceled. */
  abort(reason?: unknown): void {
    this.fail(
      reason instanceof TlsError ? reason : new TlsError('ABORTED', 'connection aborted by the application', { cause: reason }),
    );
  }

  /** The connection's info once connected. */
  get info(): ConnectionInfo | null {
    return this.core?.info ?? null;
  }

  // ------------------------------------------------------------------

  private async run(serverName: string): Promise<void> {
    let core: ClientConnection;
    try {
      const { sessions, sessionKey, ...config } = resolveConfig(this.options, serverName);
      this.sessions = sessions;
      this.sessionKey = sessionKey;
      // Armed first: a slow session store must not outlive the caller's limits.
      this.armAbortAndTimeout();
      let session: StoredSession | undefined;
      if (sessions) {
        try {
          session = await sessions.get(sessionKey);
        } catch {
          session = undefined; // a broken store only costs resumption
        }
        if (this.failure) return;
      }
      core = new ClientConnection({ ...config, session }, {
        send: (data, more) => this.emitCiphertext(data, more),
        // A push transport may lend memory for batches of records it recycles once written.
        ...(this.net?.allocate ? { allocate: (n: number) => this.net?.allocate?.(n) } : {}),
        data: (data) => this.emitPlaintext(data),
        handshakeComplete: (info) => this.connectedD.resolve(info),
        peerClosed: () => this.peerClosed(),
        ticket: (s) => this.storeTicket(s),
      });
      this.core = core;
    } catch (e) {
      this.fail(toTlsError(e, 'invalid configuration'));
      return;
    }
    if (this.feed) this.feed.start(core);
    else void this.pumpNetwork(core);
    const started = core.start();
    // Cleartext is taken once the first ClientHello is out, so data queued
    // before connect() can go out as 0-RTT.
    void this.pumpCleartext(core, started.catch(() => undefined));
    try {
      await started;
    } catch (e) {
      this.fail(toTlsError(e, 'handshake failed'));
    }
  }

  private armAbortAndTimeout(): void {
    const { signal, handshakeTimeout } = this.options;
    if (signal) {
      const onAbort = () => this.fail(new TlsError('ABORTED', 'aborted by the caller\'s signal', { cause: signal.reason }));
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.disarm.push(() => signal.removeEventListener('abort', onAbort));
      }
    }
    if (handshakeTimeout !== undefined && handshakeTimeout > 0) {
      const t = setTimeout(() => {
        if (!this.core?.isConnected) {
          this.fail(new TlsError('TIMEOUT', `handshake did not complete within ${handshakeTimeout} ms`));
        }
      }, handshakeTimeout);
      const clear = () => clearTimeout(t);
      this.disarm.push(clear);
      void this.connectedD.promise.then(clear, clear);
    }
  }

  private storeTicket(s: StoredSession): void {
    const store = this.sessions;
    if (!store) return;
    try {
      void Promise.resolve(store.put(this.sessionKey, s)).catch(() => undefined);
    } catch {
      // a broken store only costs resumption
    }
  }

  private emitCiphertext(data: Uint8Array, more?: boolean): void {
    if (this.ciphertextClosed) return;
    if (this.net) this.net.write(data, more);
    else this.ciphertextCtl?.enqueue(data);
  }

  private emitPlaintext(data: Uint8Array): void {
    if (this.plaintextClosed || !this.plaintextCtl) return;
    // No copy: RecordProtection.open() returns memory of its own.
    this.plaintextCtl.enqueue(data);
  }

  /**
   * One direction ended cleanly. Once both have, nothing of the caller's
   * (signal listener, timer) may keep this connection alive.
   */
  private directionEnded(which: 'sent' | 'received'): void {
    if (which === 'sent') {
      this.sentEnded = true;
      this.sentD.resolve();
    } else {
      this.receivedEnded = true;
      this.receivedD.resolve();
    }
    if (this.sentEnded && this.receivedEnded && !this.failure) {
      for (const f of this.disarm.splice(0)) f();
    }
  }

  private peerClosed(): void {
    if (!this.plaintextClosed && this.plaintextCtl) {
      this.plaintextClosed = true;
      this.plaintextCtl.close();
    }
    this.directionEnded('received');
  }

  /** Whether the plaintext reader holds all it wants. */
  private plaintextFull(): boolean {
    const ctl = this.plaintextCtl;
    return !this.plaintextClosed && !!ctl && (ctl.desiredSize ?? 1) <= 0;
  }

  /** Waits until the plaintext reader wants more (backpressure). */
  private plaintextRoom(): Promise<void> | null {
    if (!this.plaintextFull()) return null;
    return new Promise((resolve) => {
      this.plaintextPull = resolve;
    });
  }

  private get ciphertextHighWater(): number {
    return this.options.limits?.maxBufferedCiphertext ?? CIPHERTEXT_HIGH_WATER;
  }

  private ciphertextRoom(): Promise<void> | null {
    if (this.net) return this.ciphertextClosed ? null : this.net.room(this.ciphertextHighWater);
    const ctl = this.ciphertextCtl;
    if (this.ciphertextClosed || !ctl || (ctl.desiredSize ?? 1) > 0) return null;
    return new Promise((resolve) => {
      this.ciphertextPull = resolve;
    });
  }

  private async pumpNetwork(core: ClientConnection): Promise<void> {
    const reader = this.networkIn!.getReader();
    this.cleanup.push(() => {
      reader.cancel().catch(() => undefined);
    });
    try {
      for (;;) {
        const room = this.plaintextRoom();
        if (room) await room;
        if (this.failure) return;
        const { value, done } = await reader.read();
        if (this.failure) return;
        if (done) {
          this.networkEnded(core);
          return;
        }
        await core.receive(value);
        if (this.receivedSettled()) return;
      }
    } catch (e) {
      this.fail(toTlsError(e, 'reading from the network failed'));
    }
  }

  private receivedSettled(): boolean {
    return this.receivedEnded || this.failure !== null;
  }

  private networkEnded(core: ClientConnection): void {
    if (this.plaintextClosed && core.isConnected) {
      this.directionEnded('received');
      return;
    }
    // RFC 8446 §6.1: a close without close_notify is a truncation.
    const msg = core.isConnected
      ? 'the server closed the connection without close_notify'
      : 'the server closed the connection during the handshake';
    this.fail(new TlsError('CONNECTION_CLOSED', msg, { alert: null }));
  }

  private async pumpCleartext(core: ClientConnection, helloSent: Promise<unknown>): Promise<void> {
    const reader = this.cleartextIn!.getReader();
    this.cleanup.push(() => {
      reader.cancel().catch(() => undefined);
    });
    // A read started while coalescing that found nothing yet: the next turn takes it.
    let next: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
    try {
      await helloSent;
      for (;;) {
        const room = this.ciphertextRoom();
        if (room) await room;
        if (this.failure) return;
        const { value, done } = await (next ?? reader.read());
        next = null;
        if (this.failure) return;
        if (done) {
          // Wait for the handshake so close_notify is sent under traffic keys.
          await this.connectedD.promise;
          await core.close();
          this.endCiphertext();
          this.directionEnded('sent');
          return;
        }
        // Small writes already queued behind this one share its records.
        let data = value;
        if (data.byteLength < COALESCE_BYTES) {
          const parts = [data];
          let size = data.byteLength;
          while (size < COALESCE_BYTES) {
            next = reader.read();
            const more = await Promise.race([next, notQueued]);
            if (more === NOT_QUEUED || more.done) break;
            next = null;
            parts.push(more.value);
            size += more.value.byteLength;
          }
          if (parts.length > 1) data = concat(...parts);
        }
        // Large writes go out in slices, each once the network took the last (bounded memory).
        for (let i = 0; i < data.byteLength; i += WRITE_SLICE) {
          if (i > 0) {
            const more = this.ciphertextRoom();
            if (more) await more;
            if (this.failure) return;
          }
          await core.write(data.subarray(i, i + WRITE_SLICE));
        }
      }
    } catch (e) {
      this.fail(toTlsError(e, 'reading the application data failed'));
    }
  }

  private endCiphertext(): void {
    if (this.net) {
      if (!this.ciphertextClosed) {
        this.ciphertextClosed = true;
        this.net.end();
      }
      return;
    }
    if (!this.ciphertextClosed && this.ciphertextCtl) {
      this.ciphertextClosed = true;
      try {
        this.ciphertextCtl.close();
      } catch {
        // already closed
      }
    }
  }

  /**
   * Fails the connection: the alert (if any) goes out on the ciphertext
   * stream, which then ends so the alert reaches the network; the plaintext
   * stream errors; every pending promise rejects with the same error.
   */
  private fail(err: TlsError): void {
    if (this.failure) return;
    this.failure = err;
    const core = this.core;
    const finish = () => {
      this.endCiphertext();
      if (!this.plaintextClosed && this.plaintextCtl) {
        this.plaintextClosed = true;
        this.plaintextCtl.error(err);
      }
      this.sentD.reject(err);
      this.receivedD.reject(err);
      this.connectedD.reject(err);
      for (const f of this.cleanup.splice(0)) f();
      for (const f of this.disarm.splice(0)) f();
      this.plaintextPull?.();
      this.ciphertextPull?.();
    };
    if (core) void core.abort(err).then(finish, finish);
    else finish();
  }
}
