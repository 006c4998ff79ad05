/**
 * What a handshake (tls13.ts, tls12.ts) and the traffic state it leaves
 * behind may ask of the connection (conn.ts): the seam between them, so
 * that imports point one way.
 */
import type { RecordCipher } from '../record/protection.js';
import type { HandshakeMessage } from '../record/reassembly.js';
import type { ClientConfig, ConnectionInfo, TlsVersion } from './config.js';
import type { StoredSession } from './session.js';

/** The connection's services, as a handshake sees them. */
export interface Wire {
  readonly config: ClientConfig;
  /** Runs `job` on the write queue, after every record already queued. */
  writeJob(job: () => Promise<void>): Promise<void>;
  /** Sends handshake messages coalesced into records under the current write keys. Write queue only. */
  emitHandshake(messages: readonly Uint8Array[], recordVersion?: number): Promise<void>;
  /** Seals application data into records under the current write keys. Write queue only. */
  emitAppData(data: Uint8Array): Promise<void>;
  /** Sends an alert under the current write keys. Write queue only. */
  emitAlert(level: 1 | 2, description: number): Promise<void>;
  /** Sends a plaintext change_cipher_spec record. Write queue only. */
  sendChangeCipherSpec(): void;
  /** Installs (or, with null, removes) our write protection. Write queue only. */
  setWriteCipher(cipher: RecordCipher | null): void;
  /** Installs the peer's protection; refused unless at a record and message boundary (RFC 8446 §5.1). */
  setReadCipher(cipher: RecordCipher): void;
  /**
   * The negotiated record sizes: `peerMaxFragment` content bytes per record
   * we send once protected, `ownLimit` plaintext bytes per record we accept.
   */
  setRecordLimits(peerMaxFragment: number, ownLimit: number): void;
  /** Our close_notify went out: nothing may follow it (RFC 8446 §6.1). */
  readonly closedForWriting: boolean;
  /** Records sealed under the current write keys (for RFC 8446 §5.5). */
  readonly writeRecords: number;
  trace(label: string, value: Uint8Array): void;
  /** An SSLKEYLOGFILE line for `secret`, keyed by our client random. */
  keyLog(label: string, secret: Uint8Array): void;
  /** A session to store for resumption. */
  storeSession(session: StoredSession): void;
  /**
   * The handshake is over: the connection switches to `traffic`, reports
   * `info` and flushes held writes. Write queue only, after our last flight.
   */
  complete(info: ConnectionInfo, traffic: Traffic, resend: readonly Uint8Array[]): Promise<void>;
  /** Most post-handshake messages per second (refused beyond). */
  checkPostHandshakeRate(): void;
}

/** A handshake in progress: it takes handshake messages and change_cipher_spec until it completes. */
export interface Handshake {
  /** The version this handshake runs, or null before the ServerHello chose one. */
  readonly version: TlsVersion | null;
  /** Until the ServerHello, record versions other than 0x0303 are allowed (RFC 8446 §5.1). */
  readonly waitingServerHello: boolean;
  /** Handles one message; returns the handshake that takes over from here, if another. */
  onMessage(msg: HandshakeMessage): Promise<Handshake | void>;
  /** A change_cipher_spec record (RFC 5246 §7.1; in TLS 1.3 a compatibility no-op, RFC 8446 §5). */
  onChangeCipherSpec(): Promise<void> | void;
  /** Application data may be written as 0-RTT now (TLS 1.3 only). */
  readonly canWriteEarlyData: boolean;
  /** Sends or holds application data written before the handshake completed. Write queue only. */
  writeEarly(data: Uint8Array): Promise<void>;
}

/** The state a finished handshake leaves for the connection: post-handshake messages, key updates, exporters. */
export interface Traffic {
  /** A handshake message after the handshake (RFC 8446 §4.6, RFC 5246 §7.4.1.1). Read queue. */
  onMessage(msg: HandshakeMessage): Promise<void>;
  /** Updates our keys (TLS 1.3, RFC 8446 §4.6.3). Write queue. */
  keyUpdate(requestPeerUpdate: boolean): Promise<void>;
  /** Called before sealing: rotates the keys at their usage limit (RFC 8446 §5.5). Write queue. */
  rotateIfDue(): Promise<void>;
  exportKeyingMaterial(label: string, context: Uint8Array | null, length: number): Uint8Array;
}
