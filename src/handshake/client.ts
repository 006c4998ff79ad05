/**
 * The TLS 1.3 client state machine, RFC 8446 §2 and §4, as a sans-IO core:
 * bytes from the network go in through receive(), application data through
 * write(); records for the network, cleartext and events come out through
 * the sink. No sockets, streams or timers live here.
 *
 * Reading and writing are two ordered queues: every change to the read
 * keys happens on the read queue, every record we send is sealed on the
 * write queue, so records leave in order even with an async provider.
 */
import { concat, constantTimeEqual, toHex, utf8 } from '../codec.js';
import { parseSpki } from '../crypto/der.js';
import { parseReferenceIdentity } from '../verify/names.js';
import type { CryptoProvider, GroupName, HashFunction, KeyShare, RandomSource } from '../crypto/provider.js';
import { AlertDescription, alertName, TlsError, type AlertName } from '../errors.js';
import { MAX_PLAINTEXT, plaintextRecord, RecordReader } from '../record/framing.js';
import { RecordProtection, type DecryptedRecord } from '../record/protection.js';
import { HandshakeReassembler, type HandshakeMessage } from '../record/reassembly.js';
import {
  CIPHER_SUITES,
  ContentType,
  DOWNGRADE_TLS11,
  DOWNGRADE_TLS12,
  ExtensionType as ET,
  GROUPS,
  groupByCode,
  HandshakeType as HT,
  schemeByCode,
  TLS13,
  type CipherSuite,
  type CipherSuiteName,
  type SignatureScheme,
  type SignatureSchemeName,
} from './constants.js';
import {
  alpnExt,
  bindersLength,
  cookieExt,
  decodeCertificateAuthorities,
  decodeCookie,
  decodeHrrKeyShare,
  decodeMaxEarlyData,
  decodeRecordSizeLimit,
  decodeSelectedIdentity,
  decodeSelectedVersion,
  decodeServerAlpn,
  decodeServerKeyShare,
  decodeU16List,
  earlyDataExt,
  expectEmpty,
  findExtension,
  keyShareClientExt,
  preSharedKeyExt,
  PSK_DHE_KE,
  pskModesExt,
  recordSizeLimitExt,
  serverNameExt,
  signatureAlgorithmsExt,
  supportedGroupsExt,
  supportedVersionsExt,
  type Extension,
} from './extensions.js';
import {
  deriveSecret,
  earlySecret,
  emptyHash,
  exportKeyingMaterial,
  finishedVerifyData,
  handshakeSecret,
  masterSecret,
  nextTrafficSecret,
  resumptionPsk,
  trafficKeys,
} from './key-schedule.js';
import {
  decodeCertificate,
  decodeCertificateRequest,
  decodeCertificateVerify,
  decodeEncryptedExtensions,
  decodeFinished,
  decodeKeyUpdate,
  decodeNewSessionTicket,
  decodeServerHello,
  encodeCertificate,
  encodeCertificateVerify,
  encodeClientHello,
  encodeEndOfEarlyData,
  encodeFinished,
  encodeKeyUpdate,
  type ClientHello,
  type ServerHello,
} from './messages.js';
import type { StoredSession } from './session.js';
import { Transcript } from './transcript.js';
import type { TrustAnchorInfo } from '../verify/trust-store.js';

/** What the application learns once the handshake is done. */
export interface ConnectionInfo {
  readonly version: 'TLSv1.3';
  readonly cipherSuite: CipherSuiteName;
  /** The key exchange group (IANA name). */
  readonly group: GroupName;
  /** The server's CertificateVerify scheme; null when resumed (no certificate). */
  readonly signatureScheme: SignatureSchemeName | null;
  readonly serverName: string;
  /** The ALPN protocol the server chose, or null. */
  readonly alpn: string | null;
  /** The server's certificates, DER, leaf first (empty when resumed). */
  readonly peerCertificates: readonly Uint8Array[];
  readonly resumed: boolean;
  readonly helloRetryRequest: boolean;
  readonly earlyDataAccepted: boolean;
  /** Whether we sent a client certificate. */
  readonly clientCertificateSent: boolean;
  /** The anchor puretls's verifier ended the chain at (absent when resumed or when a custom verify skips it). */
  readonly trustAnchor?: TrustAnchorInfo;
}

/** Where the core's output goes. Implementations must not throw. */
export interface ClientSink {
  /** Bytes for the network, in order. */
  send(data: Uint8Array): void;
  /** Decrypted application data. */
  data(data: Uint8Array): void;
  handshakeComplete(info: ConnectionInfo): void;
  /** The server sent close_notify: no more data will arrive. */
  peerClosed(): void;
  /** A NewSessionTicket arrived (RFC 8446 §4.6.1). */
  ticket?(session: StoredSession): void;
}

/** A client certificate chain and its private key for client authentication (RFC 8446 §4.4.2), with the schemes the key can sign. */
export interface ClientCertificateIdentity {
  /** DER certificates, leaf first. */
  readonly chain: readonly Uint8Array[];
  /** DER PKCS#8 private key. */
  readonly key: Uint8Array;
  /** Schemes this key can sign with, in preference order. */
  readonly schemes: readonly SignatureScheme[];
}

/** Chain verification: resolves (with the anchor used, when known) or throws a TlsError (CERT_* codes). */
export type ChainVerifier = (chain: readonly Uint8Array[], serverName: string) => Promise<TrustAnchorInfo | void>;

/** Everything the client core needs for one connection, fully resolved (options.ts builds it from ConnectorOptions). */
export interface ClientConfig {
  /** The name to verify and, unless an IP literal, to send as SNI. */
  readonly serverName: string;
  readonly provider: CryptoProvider;
  readonly random: RandomSource;
  readonly cipherSuites: readonly CipherSuite[];
  /** supported_groups, in preference order. */
  readonly groups: readonly GroupName[];
  /** Groups to send key shares for in the first ClientHello. */
  readonly keyShareGroups: readonly GroupName[];
  readonly signatureSchemes: readonly SignatureScheme[];
  readonly alpn: readonly string[];
  readonly verifyChain: ChainVerifier;
  /** Returns the leaf's SubjectPublicKeyInfo (DER) to check CertificateVerify. */
  readonly leafPublicKey: (leafDer: Uint8Array) => Uint8Array;
  readonly session?: StoredSession | undefined;
  /** Send early data when the ticket allows it (RFC 8446 §4.2.10). */
  readonly earlyData: boolean;
  /** Resend rejected early data after the handshake (default true). */
  readonly retryRejectedEarlyData: boolean;
  readonly clientCertificate?: ClientCertificateIdentity | undefined;
  readonly postHandshakeAuth: boolean;
  /** RFC 8446 Appendix D.4. */
  readonly middleboxCompat: boolean;
  /** RFC 8449 limit we advertise, 64..16385; undefined sends none. */
  readonly recordSizeLimit?: number | undefined;
  /** Pad every record we send to a multiple of this many bytes (0: none). */
  readonly padding: number;
  readonly maxHandshakeMessage: number;
  readonly maxCertificateChain: number;
  /** Most post-handshake messages (tickets, KeyUpdates) accepted per second. */
  readonly maxPostHandshakePerSecond: number;
  /** Records sealed under one key before we update it (RFC 8446 §5.5). */
  readonly keyUpdateAfterRecords: number;
  readonly now: () => number;
  /** SSLKEYLOGFILE lines; only called when the caller asked for a key log. */
  readonly keyLog?: ((line: string) => void) | undefined;
  /** Every handshake message and derived value, for --trace and vectors. */
  readonly trace?: ((label: string, value: Uint8Array) => void) | undefined;
  /** Lets trace reproductions shape the first ClientHello (test use). */
  readonly customizeClientHello?: ((hello: ClientHello) => void) | undefined;
}

type State =
  | 'start'
  | 'wait_sh'
  | 'wait_ee'
  | 'wait_cert_cr'
  | 'wait_cert'
  | 'wait_cv'
  | 'wait_finished'
  | 'connected'
  | 'closed'
  | 'failed';

/** Records decrypted together when several are already here (an async provider pipelines them). */
const OPEN_WINDOW = 16;
/** Records sealed into one buffer per sink.send() (at most 256 KiB of plaintext). */
const SEAL_BATCH = 16;

/** Most early data we send (and keep for a resend), whatever the ticket allows. */
const MAX_EARLY_DATA_BUFFER = 64 * 1024;

const CLIENT_CV_CONTEXT = utf8('TLS 1.3, client CertificateVerify');
const SERVER_CV_CONTEXT = utf8('TLS 1.3, server CertificateVerify');

/** RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, the hash. */
function signedContent(context: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
  const out = new Uint8Array(64 + context.length + 1 + transcriptHash.length);
  out.fill(0x20, 0, 64);
  out.set(context, 64);
  out.set(transcriptHash, 64 + context.length + 1);
  return out;
}

/** RFC 6066 §3: literal IP addresses are not permitted in SNI. */
export function isIpLiteral(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(':');
}

/** Extensions a server may send in each message (RFC 8446 §4.2 table). */
const ALLOWED = {
  serverHello: new Set<number>([ET.supported_versions, ET.key_share, ET.pre_shared_key]),
  hrr: new Set<number>([ET.supported_versions, ET.key_share, ET.cookie]),
  encryptedExtensions: new Set<number>([
    ET.server_name,
    ET.max_fragment_length,
    ET.supported_groups,
    ET.use_srtp,
    ET.heartbeat,
    ET.application_layer_protocol_negotiation,
    ET.client_certificate_type,
    ET.server_certificate_type,
    ET.early_data,
    ET.record_size_limit,
  ]),
  certificateRequest: new Set<number>([
    ET.status_request,
    ET.signature_algorithms,
    ET.signed_certificate_timestamp,
    ET.certificate_authorities,
    ET.oid_filters,
    ET.signature_algorithms_cert,
  ]),
  certificateEntry: new Set<number>([ET.status_request, ET.signed_certificate_timestamp]),
  newSessionTicket: new Set<number>([ET.early_data]),
};
const KNOWN = new Set<number>(Object.values(ET));

/** One serial queue: jobs run in order, one at a time. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(job: () => Promise<T>): Promise<T> {
    const next = this.tail.then(job, job);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

interface WriteKeys {
  protection: RecordProtection;
  secret: Uint8Array;
  /** Record count since this key was installed, for §5.5 limits. */
  records: number;
}

/** The sans-IO TLS 1.3 client core (RFC 8446 §2, §4): network bytes in through receive(), application data through write(), everything out through the ClientSink. */
export class ClientConnection {
  private state: State = 'start';
  private reader = new RecordReader();
  private readonly reassembler: HandshakeReassembler;
  private readonly transcript = new Transcript();
  private readonly readQueue = new SerialQueue();
  private readonly writeQueue = new SerialQueue();

  private clientRandom: Uint8Array = new Uint8Array(0);
  private sessionId: Uint8Array = new Uint8Array(0);
  private keyShares: KeyShare[] = [];
  private hello: ClientHello | null = null;
  private suite: CipherSuite | null = null;
  private hash: HashFunction | null = null;
  private hrr = false;
  private hrrSuite: number | null = null;
  private group: GroupName | null = null;

  private readKeys: RecordProtection | null = null;
  private writeKeys: WriteKeys | null = null;
  private readSecret: Uint8Array | null = null;
  private master: Uint8Array | null = null;
  private clientHsSecret: Uint8Array | null = null;
  private serverHsSecret: Uint8Array | null = null;
  private clientAppSecret: Uint8Array | null = null;
  private serverAppSecret: Uint8Array | null = null;
  private exporterSecret: Uint8Array | null = null;
  private resumptionSecret: Uint8Array | null = null;
  private early: Uint8Array | null = null;

  private pskOffered = false;
  private pskAccepted = false;
  private earlyDataOffered = false;
  private earlyDataAccepted = false;
  private earlyDataSent = 0;
  private readonly earlyDataBuffer: Uint8Array[] = [];
  /** Early data that no longer fit the ticket's budget: sent once connected. */
  private earlyDataFull = false;
  private readonly pendingWrites: Uint8Array[] = [];
  /** Writes made before the handshake could take them, with their promises. */
  private readonly gated: Array<{ data: Uint8Array; resolve: () => void; reject: (e: TlsError) => void }> = [];
  private ccsSent = false;

  private alpn: string | null = null;
  private peerRecordLimit = MAX_PLAINTEXT + 1;
  /** Our advertised RFC 8449 limit, in force once the server answered the extension. */
  private ownRecordLimit = MAX_PLAINTEXT + 1;
  private certRequest: { context: Uint8Array; schemes: number[] } | null = null;
  private peerCertificates: Uint8Array[] = [];
  private trustAnchor: TrustAnchorInfo | undefined;
  private serverScheme: SignatureSchemeName | null = null;
  private clientCertSent = false;
  private readonly postHandshakeTimes: number[] = [];
  /** KeyUpdates with update_requested we sent and the peer has not answered yet. */
  private updatesRequested = 0;
  /** Transcript hash through client Finished: base for post-handshake auth. */
  private handshakeContext: Transcript | null = null;

  private peerSentClose = false;
  /** Complete handshake messages still queued from the current record. */
  private messagesLeftInRecord = 0;
  private weSentClose = false;
  private receivedUserCanceled = false;
  private failure: TlsError | null = null;
  private connectedInfo: ConnectionInfo | null = null;

  constructor(
    private readonly config: ClientConfig,
    private readonly sink: ClientSink,
  ) {
    this.reassembler = new HandshakeReassembler(config.maxHandshakeMessage);
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
    return this.earlyDataOffered && !this.earlyDataFull && this.state !== 'connected' && this.state !== 'failed';
  }

  // ------------------------------------------------------------------
  // Public operations
  // ------------------------------------------------------------------

  /** Sends the first ClientHello (RFC 8446 §4.1.2). */
  start(): Promise<void> {
    return this.readQueue.run(() => this.guard(() => this.sendFirstHello()));
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
    return this.writeQueue.run(() => this.guard(() => this.writeApplicationData(data)));
  }

  /** Sends close_notify (RFC 8446 §6.1). Our side may no longer write. */
  close(): Promise<void> {
    return this.writeQueue.run(async () => {
      if (this.weSentClose || this.state === 'failed') return;
      this.weSentClose = true;
      await this.sendAlertNow('close_notify');
    });
  }

  /** Updates our sending keys and, if asked, the peer's (RFC 8446 §4.6.3). */
  keyUpdate(requestPeerUpdate = true): Promise<void> {
    if (this.state !== 'connected') {
      return Promise.reject(new TlsError('NOT_CONNECTED', 'keyUpdate before the handshake completed'));
    }
    return this.writeQueue.run(() => this.guard(() => this.sendKeyUpdate(requestPeerUpdate)));
  }

  /** RFC 8446 §7.5 exporter; available once the handshake is complete. */
  exportKeyingMaterial(label: string, context: Uint8Array | null, length: number): Uint8Array {
    if (!this.exporterSecret || !this.hash) {
      throw new TlsError('NOT_CONNECTED', 'exporter used before the handshake completed');
    }
    // RFC 8446 §7.5: an absent context is treated as empty.
    return exportKeyingMaterial(this.hash, this.exporterSecret, label, context ?? new Uint8Array(0), length);
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
      const err =
        e instanceof TlsError
          ? e
          : new TlsError('INTERNAL_ERROR', 'internal error', { cause: e });
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
    this.settleHandshakeWaiters(err);
    // RFC 8446 §6.2: send the fatal alert, unless the peer's alert ended it
    // or we already sent close_notify (nothing may follow it).
    if (err.alert && err.receivedAlert === null && !this.weSentClose) {
      const alert = err.alert;
      this.alertSent = this.writeQueue
        .run(async () => {
          await this.sendAlertNow(alert);
          // RFC 8446 §6.1: user_canceled is followed by close_notify.
          if (alert === 'user_canceled') await this.sendAlertNow('close_notify');
        })
        .catch(() => undefined); // the transport may be gone
    }
    return this.alertSent;
  }

  // ------------------------------------------------------------------
  // Sending
  // ------------------------------------------------------------------

  private padding(contentLength: number): number {
    const block = this.config.padding;
    if (!block) return 0;
    const room = Math.min(this.peerRecordLimit, MAX_PLAINTEXT + 1) - contentLength - 1;
    const pad = (block - ((contentLength + 1) % block)) % block;
    return Math.max(0, Math.min(pad, room));
  }

  /** Seals (or frames) one record and hands it to the sink. Write queue only. */
  private async emitRecord(type: number, content: Uint8Array, version = 0x0303): Promise<void> {
    const keys = this.writeKeys;
    if (!keys) {
      this.sink.send(plaintextRecord(type, content, version));
      return;
    }
    const record = await keys.protection.seal(type, content, this.padding(content.length));
    keys.records++;
    this.sink.send(record);
  }

  /** Largest content per record we may send (RFC 8449 §4: limit counts the type byte). */
  private get maxFragment(): number {
    return Math.min(MAX_PLAINTEXT, this.peerRecordLimit - (this.writeKeys ? 1 : 0));
  }

  /** Sends handshake messages, coalesced into as few records as fit. */
  private async emitHandshake(messages: readonly Uint8Array[], version = 0x0303): Promise<void> {
    const all = messages.length === 1 ? messages[0]! : concat(...messages);
    const max = this.maxFragment;
    for (let i = 0; i < all.length; i += max) {
      await this.emitRecord(ContentType.handshake, all.subarray(i, Math.min(all.length, i + max)), version);
    }
  }

  private async sendAlertNow(alert: AlertName): Promise<void> {
    // RFC 8446 §6: close_notify and user_canceled are warnings, all else fatal.
    const level = alert === 'close_notify' || alert === 'user_canceled' ? 1 : 2;
    await this.emitRecord(ContentType.alert, Uint8Array.of(level, AlertDescription[alert]));
  }

  private sendCcsIfCompat(): void {
    if (!this.config.middleboxCompat || this.ccsSent) return;
    this.ccsSent = true;
    // RFC 8446 §D.4: an unprotected change_cipher_spec before our next flight.
    this.sink.send(plaintextRecord(ContentType.change_cipher_spec, Uint8Array.of(1)));
  }

  /** `stage` names the keys in the trace: 'early', 'handshake', 'application'. */
  private installWriteKeys(secret: Uint8Array, stage: string): Promise<void> | void {
    const hash = this.hash!;
    const { key, iv } = trafficKeys(hash, secret, this.suite!.keyLength);
    this.trace(`client_${stage}_write_key`, key);
    this.trace(`client_${stage}_write_iv`, iv);
    const aead = this.config.provider.aead(this.suite!.aead, key);
    const set = (a: Awaited<typeof aead>) => {
      this.writeKeys = { protection: new RecordProtection(a, iv), secret, records: 0 };
    };
    if (aead instanceof Promise) return aead.then(set);
    set(aead);
  }

  private async installReadKeys(secret: Uint8Array, stage: string): Promise<void> {
    // RFC 8446 §5.1: a key change must fall on a record boundary.
    this.reassembler.assertEmpty();
    if (this.messagesLeftInRecord > 0) {
      throw new TlsError('UNEXPECTED_MESSAGE', 'handshake message after a key change in the same record');
    }
    const { key, iv } = trafficKeys(this.hash!, secret, this.suite!.keyLength);
    this.trace(`server_${stage}_write_key`, key);
    this.trace(`server_${stage}_write_iv`, iv);
    this.readKeys = new RecordProtection(await this.config.provider.aead(this.suite!.aead, key), iv);
    this.readSecret = secret;
  }

  private async writeApplicationData(data: Uint8Array): Promise<void> {
    if (this.weSentClose) throw new TlsError('CLOSED', 'write after close');
    if (this.state === 'connected') return this.emitAppData(data);
    // The server chooses max_early_data_size; our copy for a resend is capped.
    const budget = Math.min(this.config.session?.maxEarlyData ?? 0, MAX_EARLY_DATA_BUFFER);
    if (this.earlyDataOffered && !this.earlyDataFull && this.earlyDataSent + data.length <= budget) {
      // RFC 8446 §4.2.10: early data within max_early_data_size.
      this.earlyDataBuffer.push(data.slice());
      this.earlyDataSent += data.length;
      return this.emitAppData(data);
    }
    // Sent once the handshake completes (the finishing job flushes these).
    this.earlyDataFull = true;
    this.pendingWrites.push(data.slice());
  }

  private async emitAppData(data: Uint8Array): Promise<void> {
    const max = this.maxFragment;
    const padding = this.config.padding ? (n: number) => this.padding(n) : undefined;
    for (let i = 0; i < data.length; ) {
      await this.maybeRotateWriteKey();
      const keys = this.writeKeys!;
      // Up to SEAL_BATCH records in one buffer, never past the §5.5 rotation point.
      const records = Math.max(1, Math.min(SEAL_BATCH, this.config.keyUpdateAfterRecords - keys.records));
      const end = Math.min(data.length, i + records * max);
      const sealed = await keys.protection.sealRecords(ContentType.application_data, data.subarray(i, end), max, padding);
      keys.records += sealed.records;
      this.sink.send(sealed.bytes);
      i = end;
    }
  }

  /** Fails the writes held during the handshake. */
  private settleHandshakeWaiters(err: TlsError): void {
    for (const g of this.gated.splice(0)) g.reject(err);
  }

  /** RFC 8446 §5.5: rotate before the AEAD's usage limit. */
  private async maybeRotateWriteKey(): Promise<void> {
    const keys = this.writeKeys;
    if (!keys || this.state !== 'connected' || keys.records < this.config.keyUpdateAfterRecords) return;
    await this.sendKeyUpdate(false);
  }

  private async sendKeyUpdate(requestPeer: boolean): Promise<void> {
    // RFC 8446 §6.1: nothing follows our close_notify.
    if (this.weSentClose) throw new TlsError('CLOSED', 'keyUpdate after close');
    const keys = this.writeKeys!;
    await this.emitRecord(ContentType.handshake, encodeKeyUpdate(requestPeer));
    if (requestPeer) this.updatesRequested++;
    const next = nextTrafficSecret(this.hash!, keys.secret);
    this.clientAppSecret = next;
    await this.installWriteKeys(next, 'application');
  }

  // ------------------------------------------------------------------
  // ClientHello
  // ------------------------------------------------------------------

  private async sendFirstHello(): Promise<void> {
    if (this.state !== 'start') throw new TlsError('INTERNAL_ERROR', 'handshake already started');
    const cfg = this.config;
    this.clientRandom = cfg.random(32);
    // RFC 8446 §D.4: a non-empty legacy_session_id in compatibility mode.
    this.sessionId = cfg.middleboxCompat ? cfg.random(32) : new Uint8Array(0);
    for (const g of cfg.keyShareGroups) {
      this.keyShares.push(await cfg.provider.generateKeyShare(g, cfg.random));
    }
    // RFC 8446 §4.6.1: resume only for the name the ticket's session verified.
    const session =
      cfg.session &&
      cfg.session.serverName.toLowerCase() === cfg.serverName.toLowerCase() &&
      cfg.cipherSuites.some((s) => s.name === cfg.session!.cipherSuite)
        ? cfg.session
        : undefined;
    const hello: ClientHello = {
      random: this.clientRandom,
      sessionId: this.sessionId,
      cipherSuites: cfg.cipherSuites.map((s) => s.code),
      extensions: this.helloExtensions(null),
    };
    cfg.customizeClientHello?.(hello);
    this.hello = hello;
    this.earlyDataOffered =
      !!session && cfg.earlyData && session.maxEarlyData > 0 && this.earlyAlpnOk(session);
    const message = this.finishHello(hello, session, this.earlyDataOffered);
    this.state = 'wait_sh';
    await this.writeQueue.run(async () => {
      // RFC 8446 §5.1: the initial ClientHello may use record version 0x0301.
      await this.emitHandshake([message], 0x0301);
      if (this.earlyDataOffered) {
        // RFC 8446 §4.2.10: early data under client_early_traffic_secret.
        const hash = cfg.provider.hash(suiteFor(session!.cipherSuite).hash);
        const secret = deriveSecret(hash, this.early!, 'c e traffic', hash.digest(message));
        this.log('CLIENT_EARLY_TRAFFIC_SECRET', secret);
        this.trace('client_early_traffic_secret', secret);
        this.sendCcsIfCompat();
        this.suite = suiteFor(session!.cipherSuite);
        this.hash = hash;
        await this.installWriteKeys(secret, 'early');
      }
    });
  }

  private earlyAlpnOk(session: StoredSession): boolean {
    // RFC 8446 §4.2.10: 0-RTT only with the ALPN the ticket was issued under.
    return session.alpn === null ? true : this.config.alpn.includes(session.alpn);
  }

  /** Extensions of our ClientHello; `cookie` and `retryGroup` come from an HRR. */
  private helloExtensions(cookie: Uint8Array | null): Extension[] {
    const cfg = this.config;
    const exts: Extension[] = [];
    // RFC 6066 §3: an ASCII host name (A-labels), no trailing dot, never an IP address.
    const ref = parseReferenceIdentity(cfg.serverName);
    if (ref?.kind === 'dns') exts.push(serverNameExt(ref.name));
    else if (!ref && cfg.serverName && !isIpLiteral(cfg.serverName) && /^[\x21-\x7e]+$/.test(cfg.serverName)) {
      exts.push(serverNameExt(cfg.serverName));
    }
    exts.push(supportedVersionsExt([TLS13]));
    exts.push(supportedGroupsExt(cfg.groups.map((g) => GROUPS[g])));
    exts.push(keyShareClientExt(this.keyShares.map((k) => ({ group: GROUPS[k.group], keyExchange: k.publicKey }))));
    const schemes = cfg.signatureSchemes.map((s) => s.code);
    exts.push(signatureAlgorithmsExt(ET.signature_algorithms, schemes.filter((c) => !schemeByCode(c)?.certOnly)));
    exts.push(signatureAlgorithmsExt(ET.signature_algorithms_cert, schemes));
    if (cfg.alpn.length) exts.push(alpnExt(cfg.alpn));
    if (cfg.recordSizeLimit !== undefined) exts.push(recordSizeLimitExt(cfg.recordSizeLimit));
    if (cfg.postHandshakeAuth) exts.push({ type: ET.post_handshake_auth, data: new Uint8Array(0) });
    if (cookie) exts.push(cookieExt(cookie));
    exts.push(pskModesExt([PSK_DHE_KE]));
    return exts;
  }

  /**
   * Adds early_data and pre_shared_key (always last, RFC 8446 §4.2.11) with
   * binders over the truncated hello, and records the hello in the transcript.
   */
  private finishHello(hello: ClientHello, session: StoredSession | undefined, offerEarly: boolean): Uint8Array {
    // early_data keeps its place if present; padding and pre_shared_key are recomputed.
    hello.extensions = hello.extensions.filter(
      (e) =>
        e.type !== ET.pre_shared_key &&
        e.type !== ET.padding &&
        (e.type !== ET.early_data || (offerEarly && !!session)),
    );
    if (offerEarly && session && !findExtension(hello.extensions, ET.early_data)) {
      hello.extensions.push(earlyDataExt());
    }
    this.pskOffered = !!session;
    if (!session) {
      addPadding(hello, 0);
      return this.recordHello(encodeClientHello(hello));
    }
    const hash = this.config.provider.hash(suiteFor(session.cipherSuite).hash);
    // RFC 8446 §4.2.11.1: obfuscated_ticket_age = age in ms + ticket_age_add mod 2^32.
    const age = Math.max(0, this.config.now() - session.receivedAt);
    const identity = { identity: session.ticket, obfuscatedTicketAge: (age + session.ageAdd) >>> 0 };
    const placeholder = [new Uint8Array(hash.outputLen)];
    const pskLength = preSharedKeyExt([identity], placeholder).data.length;
    addPadding(hello, 4 + pskLength);
    hello.extensions.push(preSharedKeyExt([identity], placeholder));
    const withPlaceholder = encodeClientHello(hello);
    const truncated = withPlaceholder.subarray(0, withPlaceholder.length - bindersLength(placeholder));
    this.early = earlySecret(hash, session.psk);
    this.trace('early_secret', this.early);
    const binderKey = deriveSecret(hash, this.early, 'res binder', emptyHash(hash));
    this.trace('binder_key', binderKey);
    // RFC 8446 §4.2.11.2: binder = HMAC over Transcript-Hash(Truncate(ClientHello)).
    const binder = finishedVerifyData(hash, binderKey, this.transcript.withExtra(hash, truncated));
    this.trace('binder', binder);
    hello.extensions[hello.extensions.length - 1] = preSharedKeyExt([identity], [binder]);
    return this.recordHello(encodeClientHello(hello));
  }

  private recordHello(msg: Uint8Array): Uint8Array {
    this.transcript.add(msg);
    this.trace('ClientHello', msg);
    return msg;
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
      const keys = this.readKeys;
      if (keys && this.state === 'connected') {
        // The protected records already here are decrypted together, so an
        // asynchronous provider works on several at once; they are processed
        // in order, as if one by one (RFC 8446 §5.3: nonces follow the order).
        const run = this.reader.takeRun(ContentType.application_data, OPEN_WINDOW);
        if (run.length) {
          const opened = keys.openAll(run);
          for (let i = 0; i < run.length && !this.peerSentClose; i++) {
            const r = run[i]!;
            // After a KeyUpdate the rest were opened under the old key: open them again.
            await this.processRecord(r.type, r.version, r.header, r.fragment, this.readKeys === keys ? opened[i] : undefined);
            if (this.failure) return;
          }
          continue;
        }
      }
      const rec = this.reader.next();
      if (!rec) return;
      await this.processRecord(rec.type, rec.version, rec.header, rec.fragment);
      if (this.failure) return;
    }
  }

  private async processRecord(
    type: number,
    version: number,
    header: Uint8Array,
    fragment: Uint8Array,
    openedAhead?: Promise<DecryptedRecord>,
  ): Promise<void> {
    // RFC 8446 §5.1: after the ServerHello every record says 0x0303.
    if (this.state !== 'wait_sh' && version !== 0x0303) {
      throw new TlsError('PROTOCOL_VERSION', `bad record version 0x${version.toString(16)}`);
    }
    if (type === ContentType.change_cipher_spec) {
      // RFC 8446 §5: a single 0x01, unprotected, only during the handshake.
      if (this.state === 'connected' || this.state === 'start' || this.reassembler.partial) {
        throw new TlsError('UNEXPECTED_MESSAGE', 'change_cipher_spec outside the handshake');
      }
      if (fragment.length !== 1 || fragment[0] !== 1) {
        throw new TlsError('UNEXPECTED_MESSAGE', 'malformed change_cipher_spec');
      }
      return;
    }
    let innerType = type;
    let content = fragment;
    if (this.readKeys) {
      if (type !== ContentType.application_data) {
        throw new TlsError('UNEXPECTED_MESSAGE', `unprotected record of type ${type} after keys were set`);
      }
      // RFC 8449 §4: TLSInnerPlaintext (content + type + padding) within our limit.
      if (fragment.length - this.readKeys.tagLength > this.ownRecordLimit) {
        throw new TlsError('RECORD_OVERFLOW', `record over our record_size_limit of ${this.ownRecordLimit}`);
      }
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
    // RFC 8446 §6: every other alert is fatal, whatever its level says.
    throw new TlsError('ALERT_RECEIVED', `server sent alert ${alertName(desc)}`, { receivedAlert: desc });
  }

  private async processHandshake(msg: HandshakeMessage): Promise<void> {
    this.trace(handshakeName(msg.type), msg.raw);
    switch (this.state) {
      case 'wait_sh':
        if (msg.type !== HT.server_hello) break;
        return this.onServerHello(msg);
      case 'wait_ee':
        if (msg.type !== HT.encrypted_extensions) break;
        return this.onEncryptedExtensions(msg);
      case 'wait_cert_cr':
        if (msg.type === HT.certificate_request) return this.onCertificateRequest(msg);
        if (msg.type === HT.certificate) return this.onCertificate(msg);
        break;
      case 'wait_cert':
        if (msg.type !== HT.certificate) break;
        return this.onCertificate(msg);
      case 'wait_cv':
        if (msg.type !== HT.certificate_verify) break;
        return this.onCertificateVerify(msg);
      case 'wait_finished':
        if (msg.type !== HT.finished) break;
        return this.onFinished(msg);
      case 'connected':
        return this.onPostHandshake(msg);
      default:
        break;
    }
    throw new TlsError('UNEXPECTED_MESSAGE', `unexpected ${handshakeName(msg.type)} in state ${this.state}`);
  }

  // --- ServerHello / HelloRetryRequest, RFC 8446 §4.1.3-4.1.4 ---

  private checkExtensions(exts: readonly Extension[], allowed: Set<number>, what: string, sent: Set<number>): void {
    for (const e of exts) {
      // RFC 8446 §4.2: a response to an extension we did not send...
      if (!sent.has(e.type) && !(what === 'HelloRetryRequest' && e.type === ET.cookie)) {
        throw new TlsError('UNSUPPORTED_EXTENSION', `${what} carries extension ${e.type} we did not offer`);
      }
      // ...or a known extension in the wrong message.
      if (KNOWN.has(e.type) && !allowed.has(e.type)) {
        throw new TlsError('ILLEGAL_PARAMETER', `extension ${e.type} not allowed in ${what}`);
      }
    }
  }

  private sentExtensions(): Set<number> {
    return new Set(this.hello!.extensions.map((e) => e.type));
  }

  private async onServerHello(msg: HandshakeMessage): Promise<void> {
    const sh = decodeServerHello(msg.body);
    const svData = findExtension(sh.extensions, ET.supported_versions);
    if (!svData) {
      // A TLS 1.2-or-older answer. RFC 8446 §4.1.3: check the downgrade sentinel.
      const tail = sh.random.subarray(24);
      if (constantTimeEqual(tail, DOWNGRADE_TLS12) || constantTimeEqual(tail, DOWNGRADE_TLS11)) {
        throw new TlsError('ILLEGAL_PARAMETER', 'downgrade sentinel in ServerHello.random');
      }
      throw new TlsError('PROTOCOL_VERSION', 'server does not support TLS 1.3');
    }
    const version = decodeSelectedVersion(svData);
    if (version !== TLS13) {
      throw new TlsError('ILLEGAL_PARAMETER', `server selected version 0x${version.toString(16)} we did not offer`);
    }
    if (sh.legacyVersion !== 0x0303) throw new TlsError('ILLEGAL_PARAMETER', 'ServerHello.legacy_version is not 0x0303');
    if (!constantTimeEqual(sh.sessionId, this.sessionId)) {
      throw new TlsError('ILLEGAL_PARAMETER', 'legacy_session_id_echo does not match');
    }
    const suite = this.config.cipherSuites.find((s) => s.code === sh.cipherSuite);
    if (!suite) throw new TlsError('ILLEGAL_PARAMETER', `server chose cipher suite 0x${sh.cipherSuite.toString(16)} we did not offer`);
    if (sh.compression !== 0) throw new TlsError('ILLEGAL_PARAMETER', 'non-null compression method');
    if (sh.isHelloRetryRequest) return this.onHelloRetryRequest(sh, msg, suite);

    this.checkExtensions(sh.extensions, ALLOWED.serverHello, 'ServerHello', this.sentExtensions());
    // RFC 8446 §4.1.4: the suite must be the one the HelloRetryRequest chose.
    if (this.hrrSuite !== null && this.hrrSuite !== suite.code) {
      throw new TlsError('ILLEGAL_PARAMETER', 'ServerHello cipher suite differs from HelloRetryRequest');
    }
    this.suite = suite;
    this.hash = this.config.provider.hash(suite.hash);
    const hash = this.hash;

    const pskData = findExtension(sh.extensions, ET.pre_shared_key);
    if (pskData) {
      const selected = decodeSelectedIdentity(pskData);
      const session = this.config.session;
      // RFC 8446 §4.2.11: the index must be one we offered, with the PSK's hash.
      if (!this.pskOffered || !session || selected !== 0) {
        throw new TlsError('ILLEGAL_PARAMETER', 'server selected a PSK we did not offer');
      }
      if (suiteFor(session.cipherSuite).hash !== suite.hash) {
        throw new TlsError('ILLEGAL_PARAMETER', 'server chose a suite whose hash does not match the PSK');
      }
      this.pskAccepted = true;
    }
    const ksData = findExtension(sh.extensions, ET.key_share);
    if (!ksData) throw new TlsError('MISSING_EXTENSION', 'ServerHello has no key_share (psk_ke is not offered)');
    const entry = decodeServerKeyShare(ksData);
    const share = this.keyShares.find((k) => GROUPS[k.group] === entry.group);
    if (!share) throw new TlsError('ILLEGAL_PARAMETER', `server key share for group ${entry.group} we did not send`);
    this.group = share.group;

    this.transcript.start(hash);
    this.transcript.add(msg.raw);
    const shared = await share.agree(entry.keyExchange);
    this.trace('shared_secret', shared);
    const early = this.pskAccepted ? this.early! : earlySecret(hash);
    if (!this.pskAccepted) this.trace('early_secret', early);
    const hs = handshakeSecret(hash, early, shared);
    this.trace('handshake_secret', hs);
    const th = this.transcript.current();
    this.clientHsSecret = deriveSecret(hash, hs, 'c hs traffic', th);
    this.serverHsSecret = deriveSecret(hash, hs, 's hs traffic', th);
    this.trace('client_handshake_traffic_secret', this.clientHsSecret);
    this.trace('server_handshake_traffic_secret', this.serverHsSecret);
    this.log('CLIENT_HANDSHAKE_TRAFFIC_SECRET', this.clientHsSecret);
    this.log('SERVER_HANDSHAKE_TRAFFIC_SECRET', this.serverHsSecret);
    const master = masterSecret(hash, hs);
    this.trace('master_secret', master);
    this.master = master;
    this.keyShares = []; // private keys are no longer needed
    await this.installReadKeys(this.serverHsSecret, 'handshake');
    this.state = 'wait_ee';
  }

  private async onHelloRetryRequest(sh: ServerHello, msg: HandshakeMessage, suite: CipherSuite): Promise<void> {
    // RFC 8446 §4.1.4: at most one HelloRetryRequest.
    if (this.hrr) throw new TlsError('UNEXPECTED_MESSAGE', 'second HelloRetryRequest');
    this.hrr = true;
    this.checkExtensions(sh.extensions, ALLOWED.hrr, 'HelloRetryRequest', this.sentExtensions());
    const ksData = findExtension(sh.extensions, ET.key_share);
    const cookieData = findExtension(sh.extensions, ET.cookie);
    const cookie = cookieData ? decodeCookie(cookieData) : null;
    let newGroup: GroupName | null = null;
    if (ksData) {
      const code = decodeHrrKeyShare(ksData);
      const g = groupByCode(code);
      if (!g || !this.config.groups.includes(g)) {
        throw new TlsError('ILLEGAL_PARAMETER', `HelloRetryRequest names group ${code} we did not offer`);
      }
      if (this.keyShares.some((k) => k.group === g)) {
        throw new TlsError('ILLEGAL_PARAMETER', 'HelloRetryRequest names a group we already sent a share for');
      }
      newGroup = g;
    }
    // RFC 8446 §4.1.4: an HRR that would not change the ClientHello is illegal.
    if (!newGroup && !cookie) throw new TlsError('ILLEGAL_PARAMETER', 'HelloRetryRequest changes nothing');
    this.hrrSuite = suite.code;
    const hash = this.config.provider.hash(suite.hash);
    this.transcript.replaceWithMessageHash(hash);
    this.transcript.add(msg.raw);
    if (newGroup) {
      this.keyShares = [await this.config.provider.generateKeyShare(newGroup, this.config.random)];
    }
    // The PSK stays only if its hash matches the chosen suite.
    let session = this.pskOffered ? this.config.session : undefined;
    if (session && suiteFor(session.cipherSuite).hash !== suite.hash) session = undefined;
    const wasEarly = this.earlyDataOffered;
    this.earlyDataOffered = false; // RFC 8446 §4.2.10: no early data after HRR
    const hello: ClientHello = {
      random: this.clientRandom,
      sessionId: this.sessionId,
      cipherSuites: this.hello!.cipherSuites,
      extensions: this.retryExtensions(cookie),
    };
    this.hello = hello;
    const message = this.finishHello(hello, session, false);
    await this.writeQueue.run(async () => {
      if (wasEarly) this.writeKeys = null; // back to plaintext for the second hello
      this.sendCcsIfCompat();
      await this.emitHandshake([message]);
    });
  }

  /** The second ClientHello: the first one's extensions with the new share and cookie. */
  private retryExtensions(cookie: Uint8Array | null): Extension[] {
    const shares = keyShareClientExt(this.keyShares.map((k) => ({ group: GROUPS[k.group], keyExchange: k.publicKey })));
    const out: Extension[] = [];
    for (const e of this.hello!.extensions) {
      if (e.type === ET.pre_shared_key || e.type === ET.early_data || e.type === ET.cookie) continue;
      if (e.type === ET.key_share) out.push(shares);
      else out.push(e);
    }
    if (cookie) {
      // Keep psk_key_exchange_modes last-ish; cookie goes before it.
      const modes = out.findIndex((e) => e.type === ET.psk_key_exchange_modes);
      out.splice(modes < 0 ? out.length : modes, 0, cookieExt(cookie));
    }
    return out;
  }

  // --- EncryptedExtensions, RFC 8446 §4.3.1 ---

  private async onEncryptedExtensions(msg: HandshakeMessage): Promise<void> {
    const exts = decodeEncryptedExtensions(msg.body);
    this.checkExtensions(exts, ALLOWED.encryptedExtensions, 'EncryptedExtensions', this.sentExtensions());
    this.transcript.add(msg.raw);
    for (const e of exts) {
      switch (e.type) {
        case ET.application_layer_protocol_negotiation: {
          const name = new TextDecoder().decode(decodeServerAlpn(e.data));
          // RFC 7301 §3.2: the server's choice must be one we offered.
          if (!this.config.alpn.includes(name)) {
            throw new TlsError('ILLEGAL_PARAMETER', `server chose ALPN protocol ${JSON.stringify(name)} we did not offer`);
          }
          this.alpn = name;
          break;
        }
        case ET.server_name:
          expectEmpty(e.data, 'server_name');
          break;
        case ET.early_data:
          expectEmpty(e.data, 'early_data');
          if (!this.earlyDataOffered) throw new TlsError('UNSUPPORTED_EXTENSION', 'early_data accepted but not offered');
          // RFC 8446 §4.2.10: only with the offered PSK (selected_identity 0) and the ticket's suite.
          if (!this.pskAccepted || this.suite!.name !== this.config.session?.cipherSuite) {
            throw new TlsError('ILLEGAL_PARAMETER', "early data accepted without the ticket's PSK and cipher suite");
          }
          this.earlyDataAccepted = true;
          break;
        case ET.record_size_limit:
          // RFC 8449 §4: in TLS 1.3 the limit includes the content type byte.
          this.peerRecordLimit = Math.min(decodeRecordSizeLimit(e.data), MAX_PLAINTEXT + 1);
          if (this.config.recordSizeLimit !== undefined) this.ownRecordLimit = this.config.recordSizeLimit;
          break;
        case ET.supported_groups:
          decodeU16List(e.data, 'supported_groups'); // informational (RFC 8446 §4.2.7)
          break;
        default:
          break;
      }
    }
    if (this.earlyDataAccepted && this.config.session?.alpn !== undefined && this.alpn !== this.config.session.alpn) {
      throw new TlsError('ILLEGAL_PARAMETER', 'early data accepted under a different ALPN protocol');
    }
    this.state = this.pskAccepted ? 'wait_finished' : 'wait_cert_cr';
  }

  // --- CertificateRequest, RFC 8446 §4.3.2 ---

  private parseCertificateRequest(msg: HandshakeMessage, postHandshake: boolean): { context: Uint8Array; schemes: number[] } {
    const cr = decodeCertificateRequest(msg.body);
    // RFC 8446 §4.3.2: empty context in the handshake, non-empty after it.
    if (!postHandshake && cr.context.length !== 0) {
      throw new TlsError('ILLEGAL_PARAMETER', 'CertificateRequest context must be empty in the handshake');
    }
    if (postHandshake && cr.context.length === 0) {
      throw new TlsError('ILLEGAL_PARAMETER', 'post-handshake CertificateRequest needs a context');
    }
    for (const e of cr.extensions) {
      if (KNOWN.has(e.type) && !ALLOWED.certificateRequest.has(e.type)) {
        throw new TlsError('ILLEGAL_PARAMETER', `extension ${e.type} not allowed in CertificateRequest`);
      }
    }
    const sa = findExtension(cr.extensions, ET.signature_algorithms);
    if (!sa) throw new TlsError('MISSING_EXTENSION', 'CertificateRequest without signature_algorithms');
    const schemes = decodeU16List(sa, 'signature_algorithms');
    const ca = findExtension(cr.extensions, ET.certificate_authorities);
    if (ca) decodeCertificateAuthorities(ca); // validated; selection is by key type
    return { context: cr.context, schemes };
  }

  private async onCertificateRequest(msg: HandshakeMessage): Promise<void> {
    this.certRequest = this.parseCertificateRequest(msg, false);
    this.transcript.add(msg.raw);
    this.state = 'wait_cert';
  }

  // --- Certificate and CertificateVerify, RFC 8446 §4.4.2-4.4.3 ---

  private async onCertificate(msg: HandshakeMessage): Promise<void> {
    const cert = decodeCertificate(msg.body, this.config.maxCertificateChain);
    if (cert.context.length !== 0) throw new TlsError('ILLEGAL_PARAMETER', 'server Certificate with a request context');
    for (const entry of cert.entries) {
      for (const e of entry.extensions) {
        // RFC 8446 §4.4.2: entry extensions must answer ones we sent.
        if (KNOWN.has(e.type) && !ALLOWED.certificateEntry.has(e.type)) {
          throw new TlsError('ILLEGAL_PARAMETER', `extension ${e.type} not allowed in CertificateEntry`);
        }
        if (!this.sentExtensions().has(e.type)) {
          throw new TlsError('UNSUPPORTED_EXTENSION', `CertificateEntry extension ${e.type} we did not request`);
        }
      }
    }
    // RFC 8446 §4.4.2.4: an empty server Certificate is decode_error.
    if (cert.entries.length === 0) throw new TlsError('DECODE_ERROR', 'server sent an empty Certificate');
    this.transcript.add(msg.raw);
    this.peerCertificates = cert.entries.map((e) => e.data);
    this.trustAnchor = (await this.config.verifyChain(this.peerCertificates, this.config.serverName)) || undefined;
    this.state = 'wait_cv';
  }

  private async onCertificateVerify(msg: HandshakeMessage): Promise<void> {
    const cv = decodeCertificateVerify(msg.body);
    const scheme = this.config.signatureSchemes.find((s) => s.code === cv.scheme && !s.certOnly);
    // RFC 8446 §4.4.3: the scheme must be one we offered in signature_algorithms.
    if (!scheme) throw new TlsError('ILLEGAL_PARAMETER', `CertificateVerify scheme 0x${cv.scheme.toString(16)} not offered`);
    const spki = this.config.leafPublicKey(this.peerCertificates[0]!);
    checkSchemeMatchesKey(scheme, spki);
    const content = signedContent(SERVER_CV_CONTEXT, this.transcript.current());
    const ok = await this.config.provider.verify(scheme.alg, spki, content, cv.signature);
    if (!ok) throw new TlsError('DECRYPT_ERROR', 'server CertificateVerify signature does not verify');
    this.serverScheme = scheme.name;
    this.transcript.add(msg.raw);
    this.state = 'wait_finished';
  }

  // --- Finished, RFC 8446 §4.4.4 ---

  private async onFinished(msg: HandshakeMessage): Promise<void> {
    const hash = this.hash!;
    const verifyData = decodeFinished(msg.body, hash.outputLen);
    const expected = finishedVerifyData(hash, this.serverHsSecret!, this.transcript.current());
    if (!constantTimeEqual(verifyData, expected)) {
      throw new TlsError('DECRYPT_ERROR', 'server Finished does not verify');
    }
    this.transcript.add(msg.raw);
    // RFC 8446 §7.1: application secrets over the transcript through server Finished.
    const th = this.transcript.current();
    this.clientAppSecret = deriveSecret(hash, this.master!, 'c ap traffic', th);
    this.serverAppSecret = deriveSecret(hash, this.master!, 's ap traffic', th);
    this.exporterSecret = deriveSecret(hash, this.master!, 'exp master', th);
    this.trace('client_application_traffic_secret_0', this.clientAppSecret);
    this.trace('server_application_traffic_secret_0', this.serverAppSecret);
    this.trace('exporter_master_secret', this.exporterSecret);
    this.log('CLIENT_TRAFFIC_SECRET_0', this.clientAppSecret);
    this.log('SERVER_TRAFFIC_SECRET_0', this.serverAppSecret);
    this.log('EXPORTER_SECRET', this.exporterSecret);
    await this.installReadKeys(this.serverAppSecret, 'application');

    // Our second flight: [CCS] [EndOfEarlyData] [Certificate CertificateVerify] Finished.
    // RFC 8446 §4.5: EndOfEarlyData is part of the transcript.
    const eoed = this.earlyDataAccepted ? encodeEndOfEarlyData() : null;
    if (eoed) this.transcript.add(eoed);
    const flight: Uint8Array[] = [];
    if (this.certRequest) flight.push(...(await this.clientAuthMessages(this.certRequest, this.transcript)));
    const clientFinished = encodeFinished(finishedVerifyData(hash, this.clientHsSecret!, this.transcript.current()));
    this.transcript.add(clientFinished);
    this.trace('client Finished', clientFinished);
    flight.push(clientFinished);
    this.resumptionSecret = deriveSecret(hash, this.master!, 'res master', this.transcript.current());
    this.trace('resumption_master_secret', this.resumptionSecret);
    if (this.config.postHandshakeAuth) this.handshakeContext = this.transcript.fork();
    this.master = null;

    // RFC 8446 §4.2.10: never resend early data automatically under another ALPN.
    const retry =
      !this.earlyDataAccepted &&
      this.config.retryRejectedEarlyData &&
      this.alpn === (this.config.session?.alpn ?? null);
    await this.writeQueue.run(async () => {
      // RFC 8446 §4.5: EndOfEarlyData under the early traffic key.
      if (eoed) await this.emitHandshake([eoed]);
      this.sendCcsIfCompat();
      await this.installWriteKeys(this.clientHsSecret!, 'handshake');
      await this.emitHandshake(flight);
      await this.installWriteKeys(this.clientAppSecret!, 'application');
      this.state = 'connected';
      this.connectedInfo = {
        version: 'TLSv1.3',
        cipherSuite: this.suite!.name,
        group: this.group!,
        signatureScheme: this.serverScheme,
        serverName: this.config.serverName,
        alpn: this.alpn,
        peerCertificates: this.peerCertificates,
        resumed: this.pskAccepted,
        helloRetryRequest: this.hrr,
        earlyDataAccepted: this.earlyDataAccepted,
        clientCertificateSent: this.clientCertSent,
        ...(this.trustAnchor ? { trustAnchor: this.trustAnchor } : {}),
      };
      this.clientHsSecret = null;
      this.serverHsSecret = null;
      if (retry) {
        // RFC 8446 §4.2.10: rejected early data is the application's to resend.
        for (const d of this.earlyDataBuffer) await this.emitAppData(d);
      }
      this.earlyDataBuffer.length = 0;
      for (const d of this.pendingWrites.splice(0)) await this.emitAppData(d);
      // Writes made during the handshake, in the order they were made.
      // Writes made during the flush join the end of the line.
      for (let g = this.gated.shift(); g; g = this.gated.shift()) {
        await this.emitAppData(g.data);
        g.resolve();
      }
      this.sink.handshakeComplete(this.connectedInfo);
    });
  }

  /** Certificate and CertificateVerify for a CertificateRequest (RFC 8446 §4.4.2). */
  private async clientAuthMessages(
    req: { context: Uint8Array; schemes: number[] },
    transcript: Transcript,
  ): Promise<Uint8Array[]> {
    const id = this.config.clientCertificate;
    const scheme = id?.schemes.find((s) => req.schemes.includes(s.code));
    if (!id || !scheme) {
      // RFC 8446 §4.4.2: no suitable certificate, send an empty one.
      const empty = encodeCertificate({ context: req.context, entries: [] });
      transcript.add(empty);
      this.trace('client Certificate', empty);
      return [empty];
    }
    const cert = encodeCertificate({
      context: req.context,
      entries: id.chain.map((data) => ({ data, extensions: [] })),
    });
    transcript.add(cert);
    this.trace('client Certificate', cert);
    const content = signedContent(CLIENT_CV_CONTEXT, transcript.current());
    const signature = await this.config.provider.sign(scheme.alg, id.key, content);
    const cv = encodeCertificateVerify({ scheme: scheme.code, signature });
    transcript.add(cv);
    this.trace('client CertificateVerify', cv);
    this.clientCertSent = true;
    return [cert, cv];
  }

  // --- Post-handshake messages, RFC 8446 §4.6 ---

  private checkPostHandshakeRate(): void {
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

  private async onPostHandshake(msg: HandshakeMessage): Promise<void> {
    // KeyUpdates answering our own update_requested are not a flood.
    if (msg.type === HT.key_update && this.updatesRequested > 0) this.updatesRequested--;
    else this.checkPostHandshakeRate();
    switch (msg.type) {
      case HT.new_session_ticket:
        return this.onNewSessionTicket(msg);
      case HT.key_update: {
        const requested = decodeKeyUpdate(msg.body);
        // RFC 8446 §5.1: KeyUpdate must end its record.
        await this.installReadKeys(nextTrafficSecret(this.hash!, this.readSecret!), 'application');
        if (requested) {
          await this.writeQueue.run(async () => {
            if (!this.weSentClose) await this.sendKeyUpdate(false);
          });
        }
        return;
      }
      case HT.certificate_request: {
        if (!this.config.postHandshakeAuth) {
          throw new TlsError('UNEXPECTED_MESSAGE', 'post-handshake CertificateRequest without post_handshake_auth');
        }
        const req = this.parseCertificateRequest(msg, true);
        return this.onPostHandshakeAuth(req, msg.raw);
      }
      default:
        throw new TlsError('UNEXPECTED_MESSAGE', `unexpected ${handshakeName(msg.type)} after the handshake`);
    }
  }

  private async onPostHandshakeAuth(req: { context: Uint8Array; schemes: number[] }, raw: Uint8Array): Promise<void> {
    // RFC 8446 §4.4: Handshake Context is the handshake through client Finished + this request.
    const t = this.handshakeContext!.fork();
    t.add(raw);
    const msgs = await this.clientAuthMessages(req, t);
    // RFC 8446 §4.4.4: the Finished base key is client_application_traffic_secret_N.
    await this.writeQueue.run(async () => {
      if (this.weSentClose) return; // RFC 8446 §6.1: nothing follows our close_notify
      const fin = encodeFinished(finishedVerifyData(this.hash!, this.writeKeys!.secret, t.current()));
      await this.emitHandshake([...msgs, fin]);
    });
  }

  private onNewSessionTicket(msg: HandshakeMessage): void {
    const t = decodeNewSessionTicket(msg.body);
    for (const e of t.extensions) {
      if (KNOWN.has(e.type) && !ALLOWED.newSessionTicket.has(e.type)) {
        throw new TlsError('ILLEGAL_PARAMETER', `extension ${e.type} not allowed in NewSessionTicket`);
      }
    }
    // RFC 8446 §4.6.1: lifetime at most 7 days.
    if (t.lifetime > 604800) throw new TlsError('ILLEGAL_PARAMETER', 'ticket lifetime over 7 days');
    const ed = findExtension(t.extensions, ET.early_data);
    const maxEarlyData = ed ? decodeMaxEarlyData(ed) : 0;
    if (t.lifetime === 0 || !this.sink.ticket) return;
    const psk = resumptionPsk(this.hash!, this.resumptionSecret!, t.nonce);
    this.trace('resumption psk', psk);
    this.sink.ticket({
      serverName: this.config.serverName,
      cipherSuite: this.suite!.name,
      psk,
      ticket: t.ticket.slice(),
      ageAdd: t.ageAdd,
      lifetime: t.lifetime,
      receivedAt: this.config.now(),
      maxEarlyData,
      alpn: this.alpn,
    });
  }

  // ------------------------------------------------------------------
  // Key log and trace
  // ------------------------------------------------------------------

  private log(label: string, secret: Uint8Array): void {
    this.config.keyLog?.(`${label} ${toHex(this.clientRandom)} ${toHex(secret)}`);
  }
  private trace(label: string, value: Uint8Array): void {
    this.config.trace?.(label, value);
  }
}

/**
 * RFC 7685 padding: a ClientHello of 256..511 bytes trips some middleboxes,
 * so such hellos are padded to 512 (as NSS and BoringSSL do). `extra` is the
 * size of extensions still to be appended.
 */
function addPadding(hello: ClientHello, extra: number): void {
  const length = encodeClientHello(hello).length + extra;
  if (length <= 0xff || length >= 0x200) return;
  const room = 0x200 - length;
  const size = room >= 5 ? room - 4 : 1;
  hello.extensions.push({ type: ET.padding, data: new Uint8Array(size) });
}

function suiteFor(name: CipherSuiteName): CipherSuite {
  return CIPHER_SUITES.find((s) => s.name === name)!;
}

const handshakeNames = new Map<number, string>(Object.entries(HT).map(([k, v]) => [v, k]));
/** The HandshakeType name of a message type (RFC 8446 §4), e.g. "server_hello", for traces and errors. */
export function handshakeName(type: number): string {
  return handshakeNames.get(type) ?? `handshake(${type})`;
}

/**
 * RFC 8446 §4.2.3: in TLS 1.3 an ECDSA scheme names its curve, and
 * rsa_pss_rsae_* / rsa_pss_pss_* name the key's algorithm identifier.
 */
export function checkSchemeMatchesKey(scheme: SignatureScheme, spki: Uint8Array): void {
  const key = parseSpki(spki);
  const ok =
    (scheme.alg.kind === 'ecdsa' && key.kind === 'ec' && key.curve === scheme.curve) ||
    (scheme.alg.kind === 'ed25519' && key.kind === 'ed25519') ||
    (scheme.alg.kind === 'rsa-pss' && key.kind === (scheme.rsaKey === 'pss' ? 'rsa-pss' : 'rsa')) ||
    (scheme.alg.kind === 'rsa-pkcs1' && key.kind === 'rsa');
  if (!ok) {
    throw new TlsError('ILLEGAL_PARAMETER', `signature scheme ${scheme.name} does not match the certificate key`);
  }
}
