/**
 * The client connection, as a sans-IO core: bytes from the network go in
 * through receive(), application data through write(); records for the
 * network, cleartext and events come out through the sink. It owns the
 * record layer, alerts, application data, close and the dispatch of
 * handshake messages; the handshake itself is a state object (hello.ts,
 * then tls13.ts or tls12.ts) dropped once it completes, leaving a Traffic
 * object for what follows (RFC 8446 §4.6, RFC 5246 §7.4.1.1).
 *
 * Reading and writing are two ordered queues: every change to the read
 * keys happens on the read queue, every record we send is sealed on the
 * write queue, so records leave in order even with an async provider.
 */
import { copyBytes, toHex } from '../codec.js';
import { TlsError } from '../errors.js';
import type { MaybePromise } from '../crypto/provider.js';
import { MAX_PLAINTEXT, RecordReader, type RawRecord } from '../record/framing.js';
import { AlertReceiver } from './alerts.js';
import { RecordSender } from './record-sender.js';
import { RateLimit, SerialQueue } from './serial-queue.js';
import { isPromise, type DecryptedRecord, type RecordCipher } from '../record/protection.js';
import { HandshakeReassembler, type HandshakeMessage } from '../record/reassembly.js';
import { checkRuntime } from '../runtime.js';
import type { ClientConfig, ClientSink, ConnectionInfo, TlsVersion } from './config.js';
import { ContentType } from './constants.js';
import { handshakeName, HelloState } from './hello.js';
import type { StoredSession } from './session.js';
import type { Handshake, Traffic, Wire } from './wire.js';

type State = 'start' | 'handshaking' | 'connected' | 'failed';

/** Records decrypted together when several are already here (an async provider pipelines them). */
const OPEN_WINDOW = 16;

const RESOLVED = Promise.resolve();
const EMPTY = new Uint8Array(0);

/** The sans-IO TLS client core (TLS 1.3 and 1.2): network bytes in through receive(), application data through write(), everything out through the ClientSink. */
export class ClientConnection implements Wire {
  private state: State = 'start';
  private reader = new RecordReader();
  private readonly reassembler: HandshakeReassembler;
  private readonly readQueue = new SerialQueue();
  private readonly writeQueue = new SerialQueue();

  private hs: Handshake | null = null;
  private traffic: Traffic | null = null;
  private version: TlsVersion | null = null;
  private clientRandom: Uint8Array = new Uint8Array(0);
  private readKeys: RecordCipher | null = null;
  private readonly out: RecordSender;

  /** Writes made before the handshake could take them, with their promises. */
  private readonly gated: Array<{ data: Uint8Array; resolve: () => void; reject: (e: TlsError) => void }> = [];
  /** Plaintext we accept per protected record: TLS 1.3 counts the inner type byte (RFC 8449 §4). */
  private ownRecordLimit = MAX_PLAINTEXT + 1;
  private peerSentClose = false;
  /** Complete handshake messages still queued from the current record. */
  private messagesLeftInRecord = 0;
  private weSentClose = false;
  private readonly alerts: AlertReceiver;
  private readonly postHandshakeRate: RateLimit;
  private failure: TlsError | null = null;
  private connectedInfo: ConnectionInfo | null = null;

  constructor(
    readonly config: ClientConfig,
    private readonly sink: ClientSink,
  ) {
    checkRuntime('ClientConnection', config.random);
    this.reassembler = new HandshakeReassembler(config.maxHandshakeMessage);
    this.alerts = new AlertReceiver(config);
    this.postHandshakeRate = new RateLimit(config.maxPostHandshakePerSecond, () => config.now());
    this.out = new RecordSender(config, sink, {
      version: () => this.version,
      rotateIfDue: () => (this.state === 'connected' ? this.traffic!.rotateIfDue() : null),
    });
  }

  get isConnected(): boolean {
    return this.state === 'connected';
  }
  get info(): ConnectionInfo | null {
    return this.connectedInfo;
  }
  get error(): TlsError | null {
    return this.failure;
  }
  /** True once early data may be written (ticket allows it, before the handshake ends). */
  get canWriteEarlyData(): boolean {
    return this.state === 'handshaking' && !!this.hs?.canWriteEarlyData;
  }

  // ------------------------------------------------------------------
  // Public operations
  // ------------------------------------------------------------------

  /** Sends the first ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2). */
  start(): Promise<void> {
    return this.readQueue.run(() =>
      this.guard(async () => {
        if (this.state !== 'start') throw new TlsError('INTERNAL_ERROR', 'handshake already started');
        this.state = 'handshaking';
        // Drawn first (the order RFC 8448's replays script) and known before any key log line.
        this.clientRandom = this.config.random(32);
        const hello = new HelloState(this);
        this.hs = hello;
        await hello.send(this.clientRandom);
      }),
    );
  }

  /** Feeds bytes from the network. */
  receive(data: Uint8Array): Promise<void> {
    return this.readQueue.run(() => this.guard(() => this.processIncoming(data)));
  }

  /**
   * receive() for bytes the caller reuses as soon as this returns (a
   * socket's read buffer). Once connected, with nothing else being read,
   * the records a synchronous AEAD opens are processed before it returns;
   * whatever is left is copied first, and processed as receive() would.
   */
  receiveBorrowed(data: Uint8Array): Promise<void> {
    const keys = this.readKeys;
    if (this.failure || !keys || this.state !== 'connected' || !this.readQueue.idle || this.peerSentClose) {
      return this.receive(data.slice());
    }
    try {
      return this.receiveNow(keys, data);
    } catch (e) {
      this.reader = new RecordReader();
      return Promise.reject(this.failWith(e));
    }
  }

  /**
   * Encrypts application data. Before the handshake completes it is sent as
   * early data when that was negotiated, otherwise it waits.
   */
  write(data: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    // A write after close_notify is the caller's mistake, not the connection's end.
    if (this.weSentClose) return Promise.reject(new TlsError('CLOSED', 'write after close'));
    if (this.gated.length > 0 || (this.state !== 'connected' && !this.canWriteEarlyData)) {
      // Held in order and flushed by the job that completes the handshake
      // (waiting on the write queue here would deadlock the handshake); once
      // one write is held, later ones queue behind it.
      return new Promise((resolve, reject) => this.gated.push({ data: copyBytes(data), resolve, reject }));
    }
    return this.writeQueue.run(() =>
      this.guard(async () => {
        if (this.weSentClose) throw new TlsError('CLOSED', 'write after close');
        if (this.state === 'connected') return this.emitAppData(data);
        await this.hs!.writeEarly(data);
      }),
    );
  }

  /** Sends close_notify (RFC 8446 §6.1). Our side may no longer write. */
  close(): Promise<void> {
    return this.writeQueue.run(async () => {
      if (this.weSentClose || this.state === 'failed') return;
      this.weSentClose = true;
      await this.out.sendAlert('close_notify');
    });
  }

  /** Updates our sending keys and, if asked, the peer's (RFC 8446 §4.6.3); TLS 1.3 only. */
  keyUpdate(requestPeerUpdate = true): Promise<void> {
    if (this.state !== 'connected' || !this.traffic) {
      return Promise.reject(new TlsError('NOT_CONNECTED', 'keyUpdate before the handshake completed'));
    }
    if (this.version !== 'TLSv1.3') {
      return Promise.reject(new TlsError('TLS13_ONLY', 'keyUpdate needs TLS 1.3; this connection negotiated TLS 1.2'));
    }
    const traffic = this.traffic;
    return this.writeQueue.run(() =>
      this.guard(async () => {
        // RFC 8446 §6.1: nothing follows our close_notify.
        if (this.weSentClose) throw new TlsError('CLOSED', 'keyUpdate after close');
        await traffic.keyUpdate(requestPeerUpdate);
      }),
    );
  }

  /** Keying material exporter (RFC 8446 §7.5; RFC 5705 in TLS 1.2); available once the handshake is complete. */
  exportKeyingMaterial(label: string, context: Uint8Array | null, length: number): Uint8Array {
    if (!this.traffic) throw new TlsError('NOT_CONNECTED', 'exporter used before the handshake completed');
    return this.traffic.exportKeyingMaterial(label, context, length);
  }

  /**
   * Ends the connection because of `error`: sends its alert (if any, and
   * if the connection can still carry one) and puts the core in 'failed'.
   */
  abort(error: TlsError): Promise<void> {
    return this.fail(error);
  }

  // ------------------------------------------------------------------
  // Error handling
  // ------------------------------------------------------------------

  private async guard<T>(op: () => Promise<T>): Promise<T> {
    if (this.failure) throw this.failure;
    try {
      return await op();
    } catch (e) {
      throw this.failWith(e);
    }
  }

  /** Fails the connection with `e` (as a TlsError, INTERNAL_ERROR if it is not one) and returns it. */
  private failWith(e: unknown): TlsError {
    const err = e instanceof TlsError ? e : new TlsError('INTERNAL_ERROR', 'internal error', { cause: e });
    // Not awaited: this may run inside a write job, and the alert queues behind it.
    void this.fail(err);
    return err;
  }

  /** Settles once the alert for the failure (if any) has been handed to the sink. */
  private alertSent: Promise<void> = Promise.resolve();

  private fail(err: TlsError): Promise<void> {
    if (this.failure) return this.alertSent;
    this.failure = err;
    this.state = 'failed';
    this.hs = null; // its secrets go with it
    for (const g of this.gated.splice(0)) g.reject(err);
    // RFC 8446 §6.2: send the fatal alert, unless the peer's alert ended it
    // or we already sent close_notify (nothing may follow it).
    if (err.alert && err.receivedAlert === null && !this.weSentClose) {
      const alert = err.alert;
      this.alertSent = this.writeQueue
        .run(async () => {
          await this.out.sendAlert(alert);
          // RFC 8446 §6.1: user_canceled is followed by close_notify.
          if (alert === 'user_canceled') await this.out.sendAlert('close_notify');
        })
        .catch(() => undefined); // the transport may be gone
    }
    return this.alertSent;
  }

  // ------------------------------------------------------------------
  // Sending (Wire)
  // ------------------------------------------------------------------

  writeJob(job: () => Promise<void>): Promise<void> {
    return this.writeQueue.run(job);
  }

  get closedForWriting(): boolean {
    return this.weSentClose;
  }

  get writeRecords(): number {
    return this.out.records;
  }

  emitHandshake(messages: readonly Uint8Array[], recordVersion = 0x0303): Promise<void> {
    return this.out.emitHandshake(messages, recordVersion);
  }

  emitAlert(level: 1 | 2, description: number): Promise<void> {
    return this.out.emitAlert(level, description);
  }

  sendChangeCipherSpec(): void {
    this.out.sendChangeCipherSpec();
  }

  setWriteCipher(cipher: RecordCipher | null): void {
    this.out.setCipher(cipher);
  }

  setReadCipher(cipher: RecordCipher): void {
    // RFC 8446 §5.1, RFC 5246 §7.1: a key change must fall on a record boundary.
    this.reassembler.assertEmpty();
    if (this.messagesLeftInRecord > 0) {
      throw new TlsError('UNEXPECTED_MESSAGE', 'handshake message after a key change in the same record');
    }
    this.readKeys = cipher;
  }

  setRecordLimits(peerMaxFragment: number, ownLimit: number): void {
    this.out.setPeerMaxFragment(peerMaxFragment);
    this.ownRecordLimit = ownLimit;
  }

  emitAppData(data: Uint8Array): Promise<void> {
    return this.out.emitAppData(data);
  }

  trace(label: string, value: Uint8Array): void {
    this.config.trace?.(label, value);
  }

  keyLog(label: string, secret: Uint8Array): void {
    this.config.keyLog?.(`${label} ${toHex(this.clientRandom)} ${toHex(secret)}`);
  }

  storeSession(session: StoredSession): void {
    this.sink.ticket?.(session);
  }

  /** The write job that ends the handshake: switch to traffic, flush held writes, report. */
  async complete(info: ConnectionInfo, traffic: Traffic, resend: readonly Uint8Array[]): Promise<void> {
    // The connection may have failed (an abort, the transport) while our last flight was sealed.
    if (this.failure) throw this.failure;
    this.state = 'connected';
    this.connectedInfo = info;
    this.traffic = traffic;
    this.hs = null;
    for (const d of resend) await this.emitAppData(d);
    // Writes made during the handshake, in the order they were made.
    // Writes made during the flush join the end of the line.
    for (let g = this.gated.shift(); g; g = this.gated.shift()) {
      await this.emitAppData(g.data);
      g.resolve();
    }
    this.sink.handshakeComplete(info);
  }

  checkPostHandshakeRate(): void {
    this.postHandshakeRate.check();
  }

  // ------------------------------------------------------------------
  // Receiving
  // ------------------------------------------------------------------

  private async processIncoming(data: Uint8Array): Promise<void> {
    this.reader.push(data);
    for (;;) {
      if (this.peerSentClose) {
        // RFC 8446 §6.1: data after close_notify is ignored, even if it is not TLS.
        this.reader = new RecordReader();
        return;
      }
      const keys = this.state === 'connected' ? this.readKeys : null;
      if (keys) {
        // The protected records already here: a synchronous AEAD opens and
        // delivers them one by one without a promise; an asynchronous one
        // decrypts them together, and they are processed in order, as if one
        // by one (RFC 8446 §5.3: nonces follow the order).
        const run = this.reader.takeRun(ContentType.application_data, OPEN_WINDOW);
        if (run.length) {
          let pipelined: Promise<DecryptedRecord>[] | null = null;
          for (let i = 0; i < run.length && !this.peerSentClose; i++) {
            const r = run[i]!;
            let ahead: MaybePromise<DecryptedRecord> | undefined;
            // After a KeyUpdate the rest are opened under the new key, by processRecord.
            if (this.readKeys === keys) {
              const opened = pipelined ? pipelined[i]! : this.openNow(keys, r);
              if (opened === null) continue;
              ahead = opened;
              if (isPromise(ahead) && !pipelined) {
                pipelined = new Array<Promise<DecryptedRecord>>(i + 1);
                pipelined[i] = ahead;
                pipelined.push(...keys.openAll(run.slice(i + 1)));
              }
            }
            await this.processRecord(r.type, r.version, r.header, r.fragment, ahead);
            if (this.failure) return;
          }
          continue;
        }
      }
      const rec = this.reader.next();
      if (!rec) return;
      let ahead: MaybePromise<DecryptedRecord> | undefined;
      // A record that was split across chunks takes the same path.
      if (keys && rec.type === ContentType.application_data && rec.version === 0x0303) {
        const opened = this.openNow(keys, rec);
        if (opened === null) continue;
        ahead = opened;
      }
      await this.processRecord(rec.type, rec.version, rec.header, rec.fragment, ahead);
      if (this.failure) return;
    }
  }

  /**
   * receiveBorrowed()'s synchronous part: records are taken and opened while
   * they are application data a synchronous AEAD answers; the first that is
   * not waits, with everything after it, on the read queue, copied out of
   * `data` (as is a record left incomplete at its end, by the reader).
   */
  private receiveNow(keys: RecordCipher, data: Uint8Array): Promise<void> {
    this.reader.push(data);
    for (;;) {
      const r = this.reader.takeOne(ContentType.application_data) ?? this.reader.next();
      if (!r) return RESOLVED;
      let ahead: MaybePromise<DecryptedRecord> | undefined;
      if (r.type === ContentType.application_data && r.version === 0x0303) {
        const opened = this.openNow(keys, r);
        if (opened === null) continue;
        ahead = opened;
        if (isPromise(ahead)) ahead.catch(() => undefined); // reported when the job awaits it
      }
      const { type, version } = r;
      const header = r.header.slice();
      const fragment = r.fragment.slice();
      this.reader.detach();
      return this.readQueue.run(() =>
        this.guard(async () => {
          await this.processRecord(type, version, header, fragment, ahead);
          if (!this.failure) await this.processIncoming(EMPTY);
        }),
      );
    }
  }

  /**
   * Opens a protected application_data record once connected. Application
   * data a synchronous AEAD opened is delivered here (null); anything else
   * is returned, opened or being opened, for processRecord.
   */
  private openNow(keys: RecordCipher, r: RawRecord): MaybePromise<DecryptedRecord> | null {
    this.checkProtectedLength(r.fragment, keys);
    const rec = keys.openRecord(r.header, r.fragment);
    if (isPromise(rec) || rec.type !== ContentType.application_data || this.reassembler.partial) return rec;
    this.alerts.other();
    if (rec.content.length) this.sink.data(rec.content);
    return null;
  }

  private async processRecord(
    type: number,
    version: number,
    header: Uint8Array,
    fragment: Uint8Array,
    openedAhead?: MaybePromise<DecryptedRecord>,
  ): Promise<void> {
    // RFC 8446 §5.1, RFC 5246 §6.2.1: after the ServerHello every record says 0x0303.
    if (!this.hs?.waitingServerHello && version !== 0x0303) {
      throw new TlsError('PROTOCOL_VERSION', `bad record version 0x${version.toString(16)}`);
    }
    if (type === ContentType.change_cipher_spec) {
      // RFC 8446 §5, RFC 5246 §7.1: a single 0x01, unprotected, only during the handshake.
      if (!this.hs || this.reassembler.partial) {
        throw new TlsError('UNEXPECTED_MESSAGE', 'change_cipher_spec outside the handshake');
      }
      if (fragment.length !== 1 || fragment[0] !== 1) {
        throw new TlsError('UNEXPECTED_MESSAGE', 'malformed change_cipher_spec');
      }
      return this.hs.onChangeCipherSpec();
    }
    let innerType = type;
    let content = fragment;
    if (this.readKeys) {
      // RFC 8446 §5.2: TLS 1.3 protects everything as application_data.
      if (this.version !== 'TLSv1.2' && type !== ContentType.application_data) {
        throw new TlsError('UNEXPECTED_MESSAGE', `unprotected record of type ${type} after keys were set`);
      }
      this.checkProtectedLength(fragment, this.readKeys);
      const opened = await (openedAhead ?? this.readKeys.open(header, fragment));
      innerType = opened.type;
      content = opened.content;
    } else if (type === ContentType.application_data) {
      throw new TlsError('UNEXPECTED_MESSAGE', 'application data before the handshake');
    } else if (fragment.length > MAX_PLAINTEXT) {
      throw new TlsError('RECORD_OVERFLOW', 'plaintext record exceeds 2^14');
    }
    if (this.reassembler.partial && innerType !== ContentType.handshake) {
      throw new TlsError('UNEXPECTED_MESSAGE', 'handshake message interleaved with another content type');
    }
    if (innerType !== ContentType.alert) this.alerts.other();
    switch (innerType) {
      case ContentType.handshake: {
        const messages = this.reassembler.push(content);
        for (let i = 0; i < messages.length; i++) {
          this.messagesLeftInRecord = messages.length - i - 1;
          await this.processHandshake(messages[i]!);
          if (this.failure || this.peerSentClose) return;
        }
        this.messagesLeftInRecord = 0;
        return;
      }
      case ContentType.alert:
        return this.processAlert(content);
      case ContentType.application_data:
        if (this.state !== 'connected') {
          throw new TlsError('UNEXPECTED_MESSAGE', 'application data before the handshake completed');
        }
        if (content.length) this.sink.data(content);
        return;
      default:
        throw new TlsError('UNEXPECTED_MESSAGE', `unexpected inner content type ${innerType}`);
    }
  }

  /** RFC 8449 §4: the plaintext (TLS 1.3: content + type + padding) within our limit. */
  private checkProtectedLength(fragment: Uint8Array, keys: RecordCipher): void {
    if (fragment.length - keys.overhead > this.ownRecordLimit) {
      throw new TlsError('RECORD_OVERFLOW', `record over our record_size_limit of ${this.ownRecordLimit}`);
    }
  }

  private processAlert(content: Uint8Array): void {
    if (this.alerts.receive(content, this.version) !== 'close_notify') return;
    this.peerSentClose = true;
    if (this.state !== 'connected') throw this.alerts.closedDuringHandshake();
    this.sink.peerClosed();
  }

  private async processHandshake(msg: HandshakeMessage): Promise<void> {
    this.trace(handshakeName(msg.type), msg.raw);
    if (this.hs) {
      const next = await this.hs.onMessage(msg);
      if (next && this.state === 'handshaking') {
        this.hs = next;
        this.version = next.version;
      }
      return;
    }
    if (this.traffic && this.state === 'connected') return this.traffic.onMessage(msg);
    throw new TlsError('UNEXPECTED_MESSAGE', `unexpected ${handshakeName(msg.type)}`);
  }
}
