/**
 * The sending half of a connection (conn.ts): records framed or sealed
 * under the current write keys and handed to the sink, in the order the
 * write queue runs them. Padding (RFC 8446 §5.4), the peer's record size
 * limit (RFC 8449 §4) and batches of application data records.
 */
import { concat } from '../codec.js';
import { AlertDescription, type AlertName } from '../errors.js';
import { MAX_PLAINTEXT, plaintextRecord } from '../record/framing.js';
import type { RecordCipher } from '../record/protection.js';
import type { ClientConfig, ClientSink, TlsVersion } from './config.js';
import { ContentType } from './constants.js';

/** Records sealed into one buffer per sink.send() (at most 256 KiB of plaintext). */
const SEAL_BATCH = 16;

interface WriteKeys {
  cipher: RecordCipher;
  /** Record count since this key was installed, for §5.5 limits. */
  records: number;
}

/** What the sender asks of its connection. */
export interface SenderHost {
  /** The negotiated version, or null before the ServerHello. */
  version(): TlsVersion | null;
  /** Rotates the write keys at their usage limit (RFC 8446 §5.5) once connected; null before. */
  rotateIfDue(): Promise<void> | null;
}

/** Frames and seals outgoing records; every method runs on the connection's write queue. */
export class RecordSender {
  private keys: WriteKeys | null = null;
  private peerMaxFragment = MAX_PLAINTEXT;
  /** The sink's batch memory, if it offers some. */
  private readonly allocate: ((length: number) => Uint8Array | undefined) | undefined;

  constructor(
    private readonly config: ClientConfig,
    private readonly sink: ClientSink,
    private readonly host: SenderHost,
  ) {
    this.allocate = sink.allocate ? (n) => sink.allocate!(n) : undefined;
  }

  /** Records sealed under the current write keys (for RFC 8446 §5.5). */
  get records(): number {
    return this.keys?.records ?? 0;
  }

  /** Installs (or, with null, removes) our write protection. */
  setCipher(cipher: RecordCipher | null): void {
    this.keys = cipher ? { cipher, records: 0 } : null;
  }

  /** The peer's record size limit: content bytes per protected record we send (RFC 8449 §4). */
  setPeerMaxFragment(n: number): void {
    this.peerMaxFragment = n;
  }

  /** RFC 8446 §5.4: zeros that pad a TLS 1.3 record to the configured block. */
  private padding(contentLength: number): number {
    const block = this.config.padding;
    if (!block || this.host.version() === 'TLSv1.2') return 0;
    const room = this.peerMaxFragment - contentLength;
    const pad = (block - ((contentLength + 1) % block)) % block;
    return Math.max(0, Math.min(pad, room));
  }

  /** Seals (or frames) one record and hands it to the sink. */
  private async emitRecord(type: number, content: Uint8Array, version = 0x0303): Promise<void> {
    const keys = this.keys;
    if (!keys) {
      this.sink.send(plaintextRecord(type, content, version));
      return;
    }
    const record = await keys.cipher.seal(type, content, this.padding(content.length));
    keys.records++;
    this.sink.send(record);
  }

  /** Largest content per record we may send (RFC 8449 §4: unprotected records are not limited). */
  private get maxFragment(): number {
    return this.keys ? this.peerMaxFragment : MAX_PLAINTEXT;
  }

  /** Handshake messages, coalesced into as few records as the fragment limit allows. */
  async emitHandshake(messages: readonly Uint8Array[], recordVersion = 0x0303): Promise<void> {
    const all = messages.length === 1 ? messages[0]! : concat(...messages);
    const max = this.maxFragment;
    for (let i = 0; i < all.length; i += max) {
      await this.emitRecord(ContentType.handshake, all.subarray(i, Math.min(all.length, i + max)), recordVersion);
    }
  }

  /** One alert record. */
  emitAlert(level: 1 | 2, description: number): Promise<void> {
    return this.emitRecord(ContentType.alert, Uint8Array.of(level, description));
  }

  /** An alert by name: close_notify and user_canceled are warnings, all else fatal (RFC 8446 §6). */
  sendAlert(alert: AlertName): Promise<void> {
    const level = alert === 'close_notify' || alert === 'user_canceled' ? 1 : 2;
    return this.emitAlert(level, AlertDescription[alert]);
  }

  /** A plaintext change_cipher_spec record, flagged as followed at once (by Finished, a ClientHello, early data). */
  sendChangeCipherSpec(): void {
    this.sink.send(plaintextRecord(ContentType.change_cipher_spec, Uint8Array.of(1)), true);
  }

  /** Application data as records, up to SEAL_BATCH sealed into one buffer per sink.send(). */
  async emitAppData(data: Uint8Array): Promise<void> {
    const max = this.maxFragment;
    const tls12 = this.host.version() === 'TLSv1.2';
    const padding = this.config.padding && !tls12 ? (n: number) => this.padding(n) : undefined;
    for (let i = 0; i < data.length; ) {
      const rotating = this.host.rotateIfDue();
      if (rotating) await rotating;
      const keys = this.keys!;
      // Up to SEAL_BATCH records in one buffer, never past the §5.5 rotation point (TLS 1.3).
      const left = tls12 ? SEAL_BATCH : this.config.keyUpdateAfterRecords - keys.records;
      const records = Math.max(1, Math.min(SEAL_BATCH, left));
      const end = Math.min(data.length, i + records * max);
      const sealed = await keys.cipher.sealRecords(ContentType.application_data, data.subarray(i, end), max, padding, this.allocate);
      keys.records += sealed.records;
      this.sink.send(sealed.bytes);
      i = end;
    }
  }
}
