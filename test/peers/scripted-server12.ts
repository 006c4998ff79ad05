/**
 * TLS 1.2 for the scripted server: a ScriptedPeer that plays the server side
 * of RFC 5246 §7.3 with ECDHE (RFC 8422), extended master secret (RFC 7627),
 * renegotiation_info (RFC 5746) and tickets (RFC 5077), step by step, and
 * can deviate anywhere — any ServerHello extension, any group, point or
 * signature scheme in ServerKeyExchange, a tampered signature, messages out
 * of order, a ChangeCipherSpec early, late, twice or never, records with any
 * explicit nonce or a broken tag.
 *
 * Test code only. Messages come from the engine's codecs (messages12.ts),
 * keys from its PRF (prf.ts), ECDHE and signatures from @noble through the
 * noble provider; the record protection (PeerKeys12) is its own, as the
 * TLS 1.3 peer's is, so that a bug in src/record cannot hide itself.
 *
 *   const done = server.next(async (peer) => {
 *     const p = peer as ScriptedPeer12;
 *     await p.readClientHello();
 *     await p.send([await p.buildServerHello12(), p.buildCertificate12(),
 *                   await p.buildServerKeyExchange(), p.buildServerHelloDone()]);
 *     await p.readClientFinished12();      // ClientKeyExchange .. Finished
 *     await p.changeCipherSpec();          // CCS, then our write keys
 *     await p.send(p.buildFinished12());
 *   }, { create: ScriptedPeer12.create });
 *
 * As in the TLS 1.3 peer, builders (buildX) append to the transcript and
 * return the message, send() frames it under the current write keys, and
 * key changes are explicit: changeCipherSpec() (or installWriteKeys12()) for
 * ours; the client's read keys are followed at its ChangeCipherSpec.
 */
import type * as net from 'node:net';
import { concat, utf8, Writer } from '../../src/codec.js';
import { nobleProvider } from '../../src/crypto/noble.js';
import type { AeadKey, GroupName, KeyShare, SignatureAlgorithm } from '../../src/crypto/provider.js';
import { AlertDescription, alertName } from '../../src/errors.js';
import {
  ContentType,
  ExtensionType as ET,
  GROUPS,
  groupByCode,
  HandshakeType as HT,
  schemeByCode,
  TLS12_CIPHER_SUITES,
  type Tls12CipherSuite,
} from '../../src/handshake/constants.js';
import { alpnExt, recordSizeLimitExt, type Extension } from '../../src/handshake/extensions.js';
import { decodeCertificateVerify, encodeFinished, handshakeMessage, encodeServerHello } from '../../src/handshake/messages.js';
import {
  decodeCertificate12,
  decodeClientKeyExchange,
  ECDSA_SIGN,
  encodeCertificate12,
  encodeCertificateRequest12,
  encodeNewSessionTicket12,
  encodeServerKeyExchange,
  RSA_SIGN,
  serverKeyExchangeSigned,
  type CertificateRequest12,
  type NewSessionTicket12,
} from '../../src/handshake/messages12.js';
import {
  exportKeyingMaterial12,
  extendedMasterSecret,
  finishedVerifyData12,
  keyBlock12,
  masterSecret12,
} from '../../src/handshake/prf.js';
import { spkiOfCertificate } from '../../src/verify/cert.js';
import {
  ext,
  rawRecord,
  ScriptedPeer,
  type ClientRecord,
  type EncryptedRecordOptions,
  type FinishedOptions,
  type PeerOptions,
  type SendOptions,
} from './scripted-server.js';

type Mutate = (message: Uint8Array) => Uint8Array;

// ---------------------------------------------------------------------------
// Record protection, RFC 5246 §6.2.3.3 (RFC 5288 §3 GCM, RFC 7905 §2 ChaCha20)
// ---------------------------------------------------------------------------

/** The 8-byte big-endian sequence number. */
function seqBytes(seq: number): Uint8Array {
  const out = new Uint8Array(8);
  let v = BigInt(seq);
  for (let i = 7; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** One direction's TLS 1.2 AEAD keys, kept apart from src/record/protection12.ts. */
export class PeerKeys12 {
  seq = 0;
  constructor(
    readonly aead: AeadKey,
    /** The key block's write IV: the GCM salt (4 bytes) or ChaCha20's IV (12). */
    readonly iv: Uint8Array,
    /** 8 for GCM, 0 for ChaCha20-Poly1305. */
    readonly explicitNonceLength: 8 | 0,
  ) {}

  /** RFC 5288 §3: salt + nonce_explicit; RFC 7905 §2: IV xor the padded sequence number. */
  nonce(seq: number, explicit?: Uint8Array): Uint8Array {
    if (this.explicitNonceLength === 0) {
      const n = this.iv.slice();
      const s = seqBytes(seq);
      for (let i = 0; i < 8; i++) n[4 + i]! ^= s[i]!;
      return n;
    }
    return concat(this.iv, explicit ?? seqBytes(seq));
  }

  /** RFC 5246 §6.2.3.3: seq_num + type + version + length of the plaintext. */
  static aad(seq: number, type: number, version: number, length: number): Uint8Array {
    return concat(seqBytes(seq), Uint8Array.of(type, version >> 8, version & 0xff, length >> 8, length & 0xff));
  }

  /** A whole record: header, [explicit nonce], ciphertext and tag. */
  async seal(type: number, content: Uint8Array, opts: { version?: number; explicitNonce?: Uint8Array } = {}): Promise<Uint8Array> {
    const seq = this.seq++;
    const version = opts.version ?? 0x0303;
    const explicit = this.explicitNonceLength ? (opts.explicitNonce ?? seqBytes(seq)) : new Uint8Array(0);
    const sealed = await this.aead.seal(this.nonce(seq, explicit), PeerKeys12.aad(seq, type, version, content.length), content);
    return rawRecord(type, concat(explicit, sealed), version);
  }

  /** Opens a record (its header gives type and version); null when it does not authenticate. */
  async open(header: Uint8Array, body: Uint8Array): Promise<{ type: number; content: Uint8Array } | null> {
    const seq = this.seq++;
    const n = body.length - this.explicitNonceLength - this.aead.tagLength;
    if (n < 0) return null;
    const type = header[0]!;
    const version = (header[1]! << 8) | header[2]!;
    const explicit = body.subarray(0, this.explicitNonceLength);
    const plain = await this.aead.open(
      this.nonce(seq, explicit),
      PeerKeys12.aad(seq, type, version, n),
      body.subarray(this.explicitNonceLength),
    );
    return plain ? { type, content: plain.slice() } : null;
  }
}

// ---------------------------------------------------------------------------
// Options of the builders
// ---------------------------------------------------------------------------

export interface ServerHello12Options {
  random?: Uint8Array;
  legacyVersion?: number;
  /** Default: a fresh 32-byte session ID, or the client's when resuming. */
  sessionId?: Uint8Array;
  cipherSuite?: number;
  compression?: number;
  /** extended_master_secret (RFC 7627); default true. */
  ems?: boolean;
  /** renegotiation_info extension_data (RFC 5746); default the empty renegotiated_connection, null leaves it out. */
  renegotiationInfo?: Uint8Array | null;
  /** Answer session_ticket: a NewSessionTicket will precede our ChangeCipherSpec (RFC 5077 §3.2). */
  ticket?: boolean;
  /** ec_point_formats extension_data (RFC 8422 §5.2); default [uncompressed], null leaves it out. */
  ecPointFormats?: Uint8Array | null;
  alpn?: string;
  recordSizeLimit?: number;
  /** Edits the extension list before encoding. */
  extensions?: (exts: Extension[]) => Extension[];
  /** Resume with this master secret: an abbreviated handshake (RFC 5246 §7.3), keys derived at once. */
  resume?: Uint8Array;
  /** Applied to the encoded message before it enters the transcript. */
  mutate?: Mutate;
}

export interface ServerKeyExchangeOptions {
  /** The curve of our ephemeral key (default x25519 if offered, else the client's first). */
  group?: GroupName;
  /** NamedCurve code sent (default the group's). */
  claimGroup?: number;
  /** Replaces our public point (no pre-master secret can be derived then). */
  publicKey?: Uint8Array;
  /** SignatureAndHashAlgorithm sent (default the one fitting our key). */
  scheme?: number;
  /** The algorithm actually used to sign (default: the key's). */
  signWith?: SignatureAlgorithm;
  /** Edits the signed bytes (client_random + server_random + params) before signing. */
  signed?: (content: Uint8Array) => Uint8Array;
  /** Replaces the signature. */
  signature?: Uint8Array;
  /** Flips this bit of the signature (0 = most significant bit of the first byte). */
  flipBit?: number;
  mutate?: Mutate;
}

export interface Finished12Options extends FinishedOptions {
  /** Which label to compute with (default 'server'). */
  side?: 'client' | 'server';
  /** Handshake messages the hash covers (default: the transcript so far). */
  messages?: readonly Uint8Array[];
}

export interface Seal12Options extends EncryptedRecordOptions {
  /** GCM nonce_explicit to send (default the sequence number, RFC 5288 §3). */
  explicitNonce?: Uint8Array;
}

export interface Handshake12Options {
  serverHello?: ServerHello12Options;
  serverKeyExchange?: ServerKeyExchangeOptions;
  /** Ask for a client certificate (RFC 5246 §7.4.4); true for the defaults. */
  certificateRequest?: Partial<CertificateRequest12> | true;
  /** The ticket to issue when serverHello.ticket is set. */
  newSessionTicket?: Partial<NewSessionTicket12>;
}

/** The client's flight as read: its certificate chain (null when not asked) and whether a CertificateVerify verified. */
export interface ClientFlight12 {
  certificates: Uint8Array[] | null;
  certificateVerified: boolean;
}

// ---------------------------------------------------------------------------
// The peer
// ---------------------------------------------------------------------------

/** A ScriptedPeer that speaks TLS 1.2; use with `{ create: ScriptedPeer12.create }`. */
export class ScriptedPeer12 extends ScriptedPeer {
  static readonly create = (socket: net.Socket, options: PeerOptions): ScriptedPeer12 => new ScriptedPeer12(socket, options);

  suite12: Tls12CipherSuite = TLS12_CIPHER_SUITES[0]!;
  serverRandom: Uint8Array = new Uint8Array(32);
  serverSessionId: Uint8Array = new Uint8Array(0);
  /** What our ServerHello said. */
  ems = true;
  ticketPromised = false;
  resumed = false;
  /** Our ephemeral ECDHE key (from buildServerKeyExchange). */
  share: KeyShare | null = null;
  /** The master secret, once derived (or the resumed one). */
  master12: Uint8Array | null = null;
  writeKeys12: PeerKeys12 | null = null;
  readKeys12: PeerKeys12 | null = null;
  /** Keys derived and not yet in use: ours until changeCipherSpec(), the client's until its ChangeCipherSpec. */
  private nextWrite: PeerKeys12 | null = null;
  private nextRead: PeerKeys12 | null = null;
  /** The client sent its ChangeCipherSpec: what follows is protected. */
  clientCcsSeen = false;

  override get protecting(): boolean {
    return this.writeKeys12 !== null;
  }

  get clientRandom(): Uint8Array {
    return this.clientHello!.random;
  }

  // ---------------------------------------------------------------- records

  /** One protected record (TLS 1.2: the header carries the content type). */
  override async sealRecord(type: number, content: Uint8Array, opts: Seal12Options = {}): Promise<Uint8Array> {
    const keys = this.writeKeys12;
    if (!keys) throw new Error('scripted server 1.2: no write keys');
    const rec = await keys.seal(opts.outerType ?? type, content, {
      ...(opts.version !== undefined ? { version: opts.version } : {}),
      ...(opts.explicitNonce ? { explicitNonce: opts.explicitNonce } : {}),
    });
    return opts.mutate ? opts.mutate(rec) : rec;
  }

  /** The client's next record, decrypted once it has sent its ChangeCipherSpec; its read keys follow that record. */
  override async readRecord(timeoutMs = 5000): Promise<ClientRecord | null | 'timeout'> {
    const rec = await super.readRecord(timeoutMs);
    if (rec === null || rec === 'timeout') return rec;
    // Before its keys exist (its ClientKeyExchange, or our resuming ServerHello) it can only be
    // TLS 1.3's compatibility ChangeCipherSpec (RFC 8446 §D.4), sent with early data.
    if (rec.type === ContentType.change_cipher_spec && this.nextRead) {
      this.clientCcsSeen = true;
      this.readKeys12 = this.nextRead;
      this.nextRead = null;
      return rec;
    }
    if (!this.clientCcsSeen || rec.type === ContentType.change_cipher_spec) return rec;
    if (!this.readKeys12) return { ...rec, innerType: -1, encrypted: true };
    const header = rawRecord(rec.type, new Uint8Array(0), rec.version, rec.content.length);
    const opened = await this.readKeys12.open(header, rec.content);
    if (!opened) return { ...rec, innerType: -1, encrypted: true };
    return { type: rec.type, version: rec.version, innerType: opened.type, content: opened.content, encrypted: true };
  }

  /** no_renegotiation warnings the client sent (its answers to HelloRequest, RFC 5746 §4.2). */
  clientWarnings = 0;

  /**
   * As the TLS 1.3 peer's: the first alert the client sent after the script,
   * null when it closed without one; no_renegotiation warnings are counted
   * in `clientWarnings` and passed over.
   */
  override async clientAlert(timeoutMs = 3000): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rec = await this.readRecord(Math.max(1, deadline - Date.now()));
      if (rec === null) return null;
      if (rec === 'timeout') return 'timeout';
      if (rec.innerType === -1) return 'undecryptable';
      if (rec.innerType === ContentType.handshake && !rec.encrypted) await this.followClientFlight(rec.content);
      if (rec.innerType !== ContentType.alert) continue;
      if (rec.content[0] === 1 && rec.content[1] === AlertDescription.no_renegotiation) {
        this.clientWarnings++;
        continue;
      }
      return alertName(rec.content[1] ?? -1);
    }
  }

  /** Our ChangeCipherSpec (RFC 5246 §7.1), then our write keys. */
  async changeCipherSpec(): Promise<void> {
    this.sendChangeCipherSpec();
    this.installWriteKeys12();
  }

  /** Switches our writing to the pending keys (without sending ChangeCipherSpec). */
  installWriteKeys12(): void {
    if (!this.nextWrite) throw new Error('scripted server 1.2: no keys derived yet');
    this.writeKeys12 = this.nextWrite;
    this.nextWrite = null;
  }

  // ---------------------------------------------------------------- choices

  private setSuite12(code: number): void {
    const s = TLS12_CIPHER_SUITES.find((c) => c.code === code);
    if (s) {
      this.suite12 = s;
      this.hash = nobleProvider.hash(s.hash);
    }
  }

  /** The key type of our certificate, as a suite's auth (RFC 8422 §2). */
  get auth(): 'ECDSA' | 'RSA' {
    const k = this.identity.alg.kind;
    return k === 'ecdsa' || k === 'ed25519' ? 'ECDSA' : 'RSA';
  }

  /** The client's first TLS 1.2 suite that fits our certificate. */
  defaultSuite12(): number {
    const offered = this.clientHello?.cipherSuites ?? [];
    return offered.find((c) => TLS12_CIPHER_SUITES.some((s) => s.code === c && s.auth === this.auth)) ?? 0xc02b;
  }

  /** x25519 if the client offered it, else its first curve. */
  defaultGroup(): GroupName {
    const offered = this.clientHello?.groups ?? [];
    if (offered.includes(GROUPS.x25519)) return 'x25519';
    const g = offered.map(groupByCode).find((n) => n && n !== 'X25519MLKEM768');
    return g ?? 'x25519';
  }

  // ---------------------------------------------------------------- messages

  /** A TLS 1.2 ServerHello (RFC 5246 §7.4.1.3); with `resume`, derives the keys of the abbreviated handshake. */
  async buildServerHello12(opts: ServerHello12Options = {}): Promise<Uint8Array> {
    const ch = this.clientHello!;
    this.setSuite12(opts.cipherSuite ?? this.defaultSuite12());
    this.serverRandom = opts.random ?? this.random(32);
    this.serverSessionId = opts.sessionId ?? (opts.resume ? ch.sessionId : this.random(32));
    this.ems = opts.ems ?? true;
    this.ticketPromised = !!opts.ticket;
    const exts: Extension[] = [];
    if (opts.renegotiationInfo !== null) exts.push(ext(ET.renegotiation_info, opts.renegotiationInfo ?? Uint8Array.of(0)));
    if (this.ems) exts.push(ext(ET.extended_master_secret));
    if (opts.ecPointFormats !== null) exts.push(ext(ET.ec_point_formats, opts.ecPointFormats ?? Uint8Array.of(1, 0)));
    if (opts.ticket) exts.push(ext(ET.session_ticket));
    if (opts.alpn !== undefined) exts.push(alpnExt([opts.alpn]));
    if (opts.recordSizeLimit !== undefined) exts.push(recordSizeLimitExt(opts.recordSizeLimit));
    let msg = encodeServerHello({
      legacyVersion: opts.legacyVersion ?? 0x0303,
      random: this.serverRandom,
      sessionId: this.serverSessionId,
      cipherSuite: opts.cipherSuite ?? this.suite12.code,
      compression: opts.compression ?? 0,
      extensions: opts.extensions ? opts.extensions(exts) : exts,
    });
    if (opts.mutate) msg = opts.mutate(msg);
    this.transcript = [ch.raw, msg];
    if (opts.resume) {
      this.resumed = true;
      this.master12 = opts.resume;
      await this.deriveKeys12();
    }
    return msg;
  }

  /** Certificate (RFC 5246 §7.4.2): certificate_list, no context, no extensions. */
  buildCertificate12(opts: { chain?: readonly Uint8Array[]; mutate?: Mutate } = {}): Uint8Array {
    let msg = encodeCertificate12(opts.chain ?? this.identity.chain);
    if (opts.mutate) msg = opts.mutate(msg);
    this.transcript.push(msg);
    return msg;
  }

  /** ECDHE ServerKeyExchange (RFC 8422 §5.4) signed over both randoms and the params (RFC 5246 §7.4.3). */
  async buildServerKeyExchange(opts: ServerKeyExchangeOptions = {}): Promise<Uint8Array> {
    const group = opts.group ?? this.defaultGroup();
    let publicKey = opts.publicKey;
    if (!publicKey) {
      this.share = await nobleProvider.generateKeyShare(group, this.random);
      publicKey = this.share.publicKey;
    }
    const code = opts.claimGroup ?? GROUPS[group];
    // ServerECDHParams: curve_type named_curve(3), NamedCurve, ECPoint.
    const params = new Writer().u8(3).u16(code).opaque(1, publicKey).finish();
    const scheme = opts.scheme ?? this.identity.scheme;
    let signature = opts.signature;
    if (!signature) {
      let content = serverKeyExchangeSigned(this.clientRandom, this.serverRandom, params);
      if (opts.signed) content = opts.signed(content);
      const alg = opts.signWith ?? schemeByCode(scheme)?.alg ?? this.identity.alg;
      signature = (await nobleProvider.sign(alg, this.identity.key, content)).slice();
    }
    if (opts.flipBit !== undefined) {
      signature = signature.slice();
      signature[opts.flipBit >> 3]! ^= 0x80 >> (opts.flipBit & 7);
    }
    let msg = encodeServerKeyExchange({ group: code, publicKey, scheme, signature });
    if (opts.mutate) msg = opts.mutate(msg);
    this.transcript.push(msg);
    return msg;
  }

  /** CertificateRequest (RFC 5246 §7.4.4): by default ECDSA and RSA types, our usual schemes, no authorities. */
  buildCertificateRequest12(cr: Partial<CertificateRequest12> = {}, mutate?: Mutate): Uint8Array {
    let msg = encodeCertificateRequest12({
      certificateTypes: cr.certificateTypes ?? [RSA_SIGN, ECDSA_SIGN],
      schemes: cr.schemes ?? [0x0403, 0x0804, 0x0401, 0x0807],
      authorities: cr.authorities ?? [],
    });
    if (mutate) msg = mutate(msg);
    this.transcript.push(msg);
    return msg;
  }

  buildServerHelloDone(mutate?: Mutate): Uint8Array {
    let msg = handshakeMessage(HT.server_hello_done, new Uint8Array(0));
    if (mutate) msg = mutate(msg);
    this.transcript.push(msg);
    return msg;
  }

  /** HelloRequest (RFC 5246 §7.4.1.1): never part of the transcript. */
  buildHelloRequest(body: Uint8Array = new Uint8Array(0)): Uint8Array {
    return handshakeMessage(HT.hello_request, body);
  }

  /** NewSessionTicket (RFC 5077 §3.3), part of the transcript. */
  buildNewSessionTicket12(t: Partial<NewSessionTicket12> = {}, mutate?: Mutate): Uint8Array {
    let msg = encodeNewSessionTicket12({ lifetimeHint: t.lifetimeHint ?? 3600, ticket: t.ticket ?? utf8('scripted 1.2 ticket') });
    if (mutate) msg = mutate(msg);
    this.transcript.push(msg);
    return msg;
  }

  /** Finished (RFC 5246 §7.4.9): PRF(master, "server finished", Hash(messages))[0..11]. */
  buildFinished12(opts: Finished12Options = {}): Uint8Array {
    if (!this.master12 && !opts.verifyData) throw new Error('scripted server 1.2: no master secret for Finished');
    const hash = this.hash.digest(concat(...(opts.messages ?? this.transcript)));
    const verifyData = opts.verifyData ?? finishedVerifyData12(this.hash, this.master12!, opts.side ?? 'server', hash).slice();
    if (opts.flipBit !== undefined) verifyData[opts.flipBit >> 3]! ^= 0x80 >> (opts.flipBit & 7);
    let msg = encodeFinished(verifyData);
    if (opts.mutate) msg = opts.mutate(msg);
    this.transcript.push(msg);
    return msg;
  }

  // ---------------------------------------------------------------- keys

  /** RFC 5246 §6.3: the key block; our write keys and the client's wait for their ChangeCipherSpec. */
  async deriveKeys12(): Promise<void> {
    const s = this.suite12;
    const kb = keyBlock12(this.hash, this.master12!, this.clientRandom, this.serverRandom, s.keyLength, s.fixedIvLength);
    this.nextWrite = new PeerKeys12(await nobleProvider.aead(s.aead, kb.serverKey), kb.serverIv, s.explicitNonceLength);
    this.nextRead = new PeerKeys12(await nobleProvider.aead(s.aead, kb.clientKey), kb.clientIv, s.explicitNonceLength);
  }

  /** RFC 5705 §4 (with RFC 7627 §5.4): what the client's exporter must give. */
  exporter(label: string, context: Uint8Array | null, length: number): Uint8Array {
    return exportKeyingMaterial12(this.hash, this.master12!, this.clientRandom, this.serverRandom, label, context, length);
  }

  // ---------------------------------------------------------------- the client's flight

  /**
   * Reads the client's flight through its Finished: [Certificate]
   * ClientKeyExchange [CertificateVerify] ChangeCipherSpec Finished (RFC
   * 5246 §7.3), or ChangeCipherSpec Finished when resuming. Derives the
   * master secret from ClientKeyExchange (RFC 7627 §4 when EMS), checks a
   * CertificateVerify over the messages so far (§7.4.8) and the Finished.
   */
  async readClientFinished12(): Promise<ClientFlight12> {
    const flight: ClientFlight12 = { certificates: null, certificateVerified: false };
    for (;;) {
      const msg = await this.readHandshake();
      const body = msg.subarray(4);
      switch (msg[0]) {
        case HT.certificate:
          flight.certificates = decodeCertificate12(body);
          this.transcript.push(msg);
          break;
        case HT.client_key_exchange:
          await this.onClientKeyExchange(msg);
          break;
        case HT.certificate_verify: {
          const cv = decodeCertificateVerify(body);
          const scheme = schemeByCode(cv.scheme);
          const leaf = flight.certificates?.[0];
          if (!scheme || !leaf) throw new Error('scripted server 1.2: CertificateVerify without a certificate or a known scheme');
          const ok = await nobleProvider.verify(scheme.alg, spkiOfCertificate(leaf), concat(...this.transcript), cv.signature);
          if (!ok) throw new Error('scripted server 1.2: client CertificateVerify does not verify');
          flight.certificateVerified = true;
          this.transcript.push(msg);
          break;
        }
        case HT.finished: {
          if (!this.readKeys12) throw new Error('scripted server 1.2: client Finished not protected');
          const expected = finishedVerifyData12(this.hash, this.master12!, 'client', this.transcriptHash());
          const got = body;
          if (got.length !== expected.length || got.some((b, i) => b !== expected[i])) {
            throw new Error('scripted server 1.2: client Finished does not verify');
          }
          this.transcript.push(msg);
          return flight;
        }
        default:
          throw new Error(`scripted server 1.2: unexpected client message ${msg[0]}`);
      }
    }
  }

  /** ClientKeyExchange: the pre-master secret, the master secret (RFC 7627 §4 with EMS, else RFC 5246 §8.1), the keys. */
  private async onClientKeyExchange(msg: Uint8Array): Promise<void> {
    if (!this.share) throw new Error('scripted server 1.2: ClientKeyExchange without our ServerKeyExchange');
    const pre = await this.share.agree(decodeClientKeyExchange(msg.subarray(4)));
    this.transcript.push(msg);
    this.master12 = this.ems
      ? extendedMasterSecret(this.hash, pre, this.transcriptHash())
      : masterSecret12(this.hash, pre, this.clientRandom, this.serverRandom);
    await this.deriveKeys12();
  }

  /**
   * A plaintext handshake record of a client flight the script did not read
   * (clientAlert() meets it): followed, so that the records after the
   * client's ChangeCipherSpec decrypt.
   */
  private async followClientFlight(content: Uint8Array): Promise<void> {
    for (let i = 0; i + 4 <= content.length; ) {
      const msg = content.subarray(i, i + 4 + ((content[i + 1]! << 16) | (content[i + 2]! << 8) | content[i + 3]!));
      i += msg.length;
      if (msg[0] === HT.client_key_exchange && this.share && !this.master12) await this.onClientKeyExchange(msg);
      else this.transcript.push(msg);
    }
  }

  // ---------------------------------------------------------------- whole flights

  /** ServerHello, Certificate, ServerKeyExchange, [CertificateRequest], ServerHelloDone in one record. */
  async serverHelloFlight12(o: Handshake12Options = {}, send: SendOptions = {}): Promise<void> {
    const msgs = [await this.buildServerHello12(o.serverHello), this.buildCertificate12(), await this.buildServerKeyExchange(o.serverKeyExchange)];
    if (o.certificateRequest) msgs.push(this.buildCertificateRequest12(o.certificateRequest === true ? {} : o.certificateRequest));
    msgs.push(this.buildServerHelloDone());
    await this.send(msgs, send);
  }

  /** Our end of a full handshake after the client's flight: [NewSessionTicket] ChangeCipherSpec Finished. */
  async finishHandshake12(o: Handshake12Options = {}): Promise<void> {
    if (this.ticketPromised) await this.send(this.buildNewSessionTicket12(o.newSessionTicket));
    await this.changeCipherSpec();
    await this.send(this.buildFinished12());
  }

  /** A whole full handshake (RFC 5246 §7.3): the client ends up connected. */
  async handshake12(o: Handshake12Options = {}): Promise<ClientFlight12> {
    await this.readClientHello();
    await this.serverHelloFlight12(o);
    const flight = await this.readClientFinished12();
    await this.finishHandshake12(o);
    return flight;
  }

  /**
   * A whole abbreviated handshake resuming `master` (RFC 5246 §7.3, RFC
   * 5077 §3.1): ServerHello, [NewSessionTicket], ChangeCipherSpec, Finished;
   * then the client's ChangeCipherSpec and Finished.
   */
  async resume12(master: Uint8Array, o: Handshake12Options = {}): Promise<void> {
    await this.readClientHello();
    await this.send(await this.buildServerHello12({ ...o.serverHello, resume: master }));
    if (this.ticketPromised) await this.send(this.buildNewSessionTicket12(o.newSessionTicket));
    await this.changeCipherSpec();
    await this.send(this.buildFinished12());
    await this.readClientFinished12();
  }

}

/** Narrows a peer made by ScriptedPeer12.create. */
export function as12(peer: ScriptedPeer): ScriptedPeer12 {
  if (!(peer instanceof ScriptedPeer12)) throw new Error('scripted server: this script needs { create: ScriptedPeer12.create }');
  return peer;
}
