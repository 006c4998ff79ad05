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
import { toHex } from '../codec.js';
import { AlertDescription, alertName, TlsError } from '../errors.js';
import type { MaybePromise } from '../crypto/provider.js';
import { MAX_PLAINTEXT, RecordReader, type RawRecord } from '../record/framing.js';
import { RecordSender } from './record-sender.js';
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
/** TLS 1.2 warning alerts accepted in a row before we stop listening (a flood is not a conversation). */
const MAX_WARNINGS_IN_A_ROW = 4;
/** RFC 5246 §7.2: alerts a TLS 1.2 server may send as warnings; every other one is fatal. */
const WARNING_OK = new Set<number>([AlertDescription.no_renegotiation, AlertDescription.unrecognized_name]);

/** One serial queue: jobs run in order, one at a time. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(job: () => Promise<T>): Promise<T> {
    const next = this.tail.then(job, job);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

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
  private receivedUserCanceled = false;
  private warningsInARow = 0;
  private failure: TlsError | null = null;
  private connectedInfo: ConnectionInfo | null = null;

  constructor(
    readonly config: ClientConfig,
    private readonly sink: ClientSink,
  ) {
    checkRuntime('ClientConnection', config.random);
    this.reassembler = new HandshakeReassembler(config.maxHandshakeMessage);
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
        const hello = new HelloState(this);
        this.hs = hello;
        this.clientRandom = await hello.send();
      }),
    );
  }

  /** Feeds bytes from the network. */
  receive(data: Uint8Array): Promise<void> {
    return this.readQueue.run(() => this.guard(() => this.processIncoming(data)));
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
      return new Promise((resolve, reject) => this.gated.push({ data: data.slice(), resolve, reject }));
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
      const err = e instanceof TlsError ? e : new TlsError('INTERNAL_ERROR', 'internal error', { cause: e });
      // Not awaited: this may run inside a write job, and the alert queues behind it.
      void this.fail(err);
      throw err;
    }
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

  private readonly postHandshakeTimes: number[] = [];

  checkPostHandshakeRate(): void {
    const now = this.config.now();
    const times = this.postHandshakeTimes;
    while (times.length && now - times[0]! >= 1000) times.shift();
    times.push(now);
    if (times.length > this.config.maxPostHandshakePerSecond) {
      throw new TlsError('LIMIT_EXCEEDED', 'too many post-handshake messages per second', {
        alert: 'unexpected_message',
      });
    }
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
   * Opens a protected application_data record once connected. Application
   * data a synchronous AEAD opened is delivered here (null); anything else
   * is returned, opened or being opened, for processRecord.
   */
  private openNow(keys: RecordCipher, r: RawRecord): MaybePromise<DecryptedRecord> | null {
    this.checkProtectedLength(r.fragment, keys);
    const rec = keys.openRecord(r.header, r.fragment);
    if (isPromise(rec) || rec.type !== ContentType.application_data || this.reassembler.partial) return rec;
    this.warningsInARow = 0;
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
    if (innerType !== ContentType.alert) this.warningsInARow = 0;
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
    // RFC 8446 §5.1: an alert is exactly two bytes, never fragmented.
    if (content.length !== 2) throw new TlsError('DECODE_ERROR', 'malformed alert');
    const desc = content[1]!;
    if (desc === AlertDescription.close_notify) {
      this.peerSentClose = true;
      if (this.state !== 'connected') {
        const code = this.receivedUserCanceled ? 'ALERT_RECEIVED' : 'CONNECTION_CLOSED';
        throw new TlsError(code, 'server closed the connection during the handshake', {
          receivedAlert: this.receivedUserCanceled ? AlertDescription.user_canceled : desc,
        });
      }
      this.sink.peerClosed();
      return;
    }
    if (desc === AlertDescription.user_canceled) {
      // RFC 8446 §6.1: not fatal by itself; a close_notify should follow.
      this.receivedUserCanceled = true;
      return;
    }
    // RFC 5246 §7.2: a TLS 1.2 server may warn (no_renegotiation, unrecognized_name)
    // and go on; before the ServerHello we cannot yet know it is not one.
    const maybe12 = this.version === 'TLSv1.2' || (this.version === null && !!this.config.tls12CipherSuites?.length);
    if (maybe12 && content[0] === 1 && WARNING_OK.has(desc)) {
      if (++this.warningsInARow > MAX_WARNINGS_IN_A_ROW) {
        throw new TlsError('UNEXPECTED_MESSAGE', 'too many warning alerts in a row');
      }
      return;
    }
    // RFC 8446 §6: every other alert is fatal, whatever its level says.
    throw new TlsError('ALERT_RECEIVED', `server sent alert ${alertName(desc)}`, { receivedAlert: desc });
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
