/**
 * The TLS 1.2 handshake, RFC 5246 §7.3 with ECDHE (RFC 8422), extended
 * master secret (RFC 7627), secure renegotiation signalling (RFC 5746) and
 * session tickets (RFC 5077). Full: ServerHello, Certificate,
 * ServerKeyExchange, [CertificateRequest], ServerHelloDone; our
 * [Certificate] ClientKeyExchange [CertificateVerify] ChangeCipherSpec
 * Finished; then [NewSessionTicket] ChangeCipherSpec Finished. Abbreviated:
 * ServerHello, [NewSessionTicket] ChangeCipherSpec Finished; ours. The
 * object is dropped when the handshake ends, leaving a Tls12Traffic.
 */
import { concat, constantTimeEqual, Reader } from '../codec.js';
import { parseSpki } from '../crypto/keys.js';
import type { GroupName, HashFunction } from '../crypto/provider.js';
import { TlsError } from '../errors.js';
import type { RecordCipher } from '../record/protection.js';
import { RecordProtection12 } from '../record/protection12.js';
import type { HandshakeMessage } from '../record/reassembly.js';
import { MAX_PLAINTEXT } from '../record/framing.js';
import { checkAlpn, checkSchemeMatchesKey, KNOWN_EXTENSIONS as KNOWN } from './checks.js';
import { handshakeName, type HelloContext } from './client-hello.js';
import type { TlsVersion } from './config.js';
import {
  ExtensionType as ET,
  groupByCode,
  HandshakeType as HT,
  type SignatureScheme,
  type SignatureSchemeName,
  type Tls12CipherSuite,
} from './constants.js';
import { decodeRecordSizeLimit, expectEmpty, type Extension } from './extensions.js';
import { decodeFinished, encodeCertificateVerify, encodeFinished, type ServerHello } from './messages.js';
import {
  decodeCertificate12,
  decodeCertificateRequest12,
  decodeNewSessionTicket12,
  decodeServerKeyExchange,
  ECDSA_SIGN,
  encodeCertificate12,
  encodeClientKeyExchange,
  expectEmptyBody,
  RSA_SIGN,
  serverKeyExchangeSigned,
  type CertificateRequest12,
  type NewSessionTicket12,
} from './messages12.js';
import { extendedMasterSecret, finishedVerifyData12, keyBlock12, masterSecret12 } from './prf.js';
import type { StoredSession12 } from './session.js';
import { Tls12Traffic } from './traffic12.js';
import type { TrustAnchorInfo } from '../verify/trust-store.js';
import type { Handshake, Wire } from './wire.js';

type State = 'wait_cert' | 'wait_ske' | 'wait_cr_shd' | 'wait_shd' | 'wait_ticket' | 'wait_ccs' | 'wait_finished' | 'done';

/** Extensions a TLS 1.2 ServerHello may carry in answer to ours. */
const SERVER_HELLO_EXTENSIONS = new Set<number>([
  ET.server_name,
  ET.ec_point_formats,
  ET.extended_master_secret,
  ET.renegotiation_info,
  ET.session_ticket,
  ET.application_layer_protocol_negotiation,
  ET.record_size_limit,
]);

/** Seconds a session is kept when the server names no lifetime (RFC 5077 §3.3: 0 is unspecified). */
const DEFAULT_SESSION_LIFETIME = 7200;
/** The longest we keep any session, as for TLS 1.3 tickets (RFC 8446 §4.6.1). */
const MAX_SESSION_LIFETIME = 604800;

/** A TLS 1.2 handshake from the ServerHello on. */
export class Tls12Handshake implements Handshake {
  readonly version: TlsVersion = 'TLSv1.2';
  readonly waitingServerHello = false;
  readonly canWriteEarlyData = false;
  private state: State = 'wait_cert';
  private readonly wire: Wire;
  private suite!: Tls12CipherSuite;
  private hash!: HashFunction;
  private serverRandom = new Uint8Array(0);
  private serverSessionId = new Uint8Array(0);
  private resumed = false;
  private ems = false;
  /** The server answered session_ticket: a NewSessionTicket precedes its ChangeCipherSpec (RFC 5077 §3.3). */
  private ticketPromised = false;
  private newTicket: NewSessionTicket12 | null = null;
  private alpn: string | null = null;
  private group: GroupName | null = null;
  private peerCertificates: Uint8Array[] = [];
  private trustAnchor: TrustAnchorInfo | undefined;
  private leafSpki: Uint8Array | null = null;
  private serverScheme: SignatureSchemeName | null = null;
  private preMaster: Uint8Array | null = null;
  private certRequest: CertificateRequest12 | null = null;
  private master: Uint8Array | null = null;
  /** Raw handshake messages so far: a TLS 1.2 CertificateVerify signs them, not their hash (RFC 5246 §7.4.8). */
  private readonly messages: Uint8Array[] = [];
  private readCipher: Promise<RecordCipher> | null = null;
  private writeCipher: Promise<RecordCipher> | null = null;
  private clientCertificateSent = false;

  constructor(private readonly ctx: HelloContext) {
    this.wire = ctx.wire;
    this.messages.push(ctx.helloMessage);
  }

  writeEarly(): Promise<void> {
    return Promise.reject(new TlsError('INTERNAL_ERROR', 'no early data in TLS 1.2'));
  }

  async onMessage(msg: HandshakeMessage): Promise<void> {
    // RFC 5246 §7.4.1.1: a HelloRequest during a handshake is ignored (and not hashed).
    if (msg.type === HT.hello_request) {
      expectEmptyBody(msg.body, 'HelloRequest');
      this.wire.checkPostHandshakeRate();
      return;
    }
    switch (this.state) {
      case 'wait_cert':
        if (msg.type !== HT.certificate) break;
        return this.onCertificate(msg);
      case 'wait_ske':
        if (msg.type !== HT.server_key_exchange) break;
        return this.onServerKeyExchange(msg);
      case 'wait_cr_shd':
        if (msg.type === HT.certificate_request) return this.onCertificateRequest(msg);
        if (msg.type === HT.server_hello_done) return this.onServerHelloDone(msg);
        break;
      case 'wait_shd':
        if (msg.type !== HT.server_hello_done) break;
        return this.onServerHelloDone(msg);
      case 'wait_ticket':
        if (msg.type !== HT.new_session_ticket) break;
        return this.onNewSessionTicket(msg);
      case 'wait_finished':
        if (msg.type !== HT.finished) break;
        return this.onFinished(msg);
      default:
        break;
    }
    throw new TlsError('UNEXPECTED_MESSAGE', `unexpected ${handshakeName(msg.type)} in TLS 1.2 state ${this.state}`);
  }

  private add(raw: Uint8Array): void {
    this.ctx.transcript.add(raw);
    this.messages.push(raw);
  }

  // --- ServerHello, RFC 5246 §7.4.1.3 ---

  async onServerHello(sh: ServerHello, msg: HandshakeMessage): Promise<void> {
    const ctx = this.ctx;
    const cfg = this.wire.config;
    if (ctx.earlyData.offered) {
      // RFC 8446 §D.3: a client that attempted 0-RTT MUST fail on a TLS 1.2 ServerHello (such a server
      // cannot skip the early data). The alert goes in clear, where a TLS 1.2 server can read it.
      ctx.earlyData.offered = false;
      await this.wire.writeJob(async () => this.wire.setWriteCipher(null));
      throw new TlsError('PROTOCOL_VERSION', 'TLS 1.2 ServerHello after we attempted 0-RTT (RFC 8446 §D.3)');
    }
    const suite = cfg.tls12CipherSuites?.find((s) => s.code === sh.cipherSuite);
    if (!suite) throw new TlsError('ILLEGAL_PARAMETER', `server chose cipher suite 0x${sh.cipherSuite.toString(16)} we did not offer for TLS 1.2`);
    if (sh.compression !== 0) throw new TlsError('ILLEGAL_PARAMETER', 'non-null compression method');
    if (sh.isHelloRetryRequest) throw new TlsError('ILLEGAL_PARAMETER', 'HelloRetryRequest random in a TLS 1.2 ServerHello');
    this.suite = suite;
    this.hash = cfg.provider.hash(suite.hash);
    this.serverRandom = sh.random.slice();
    this.serverSessionId = sh.sessionId.slice();
    this.checkExtensions(sh.extensions);
    ctx.transcript.start(this.hash);
    this.add(msg.raw);
    ctx.keyShares = []; // TLS 1.3 shares: not used in TLS 1.2

    // RFC 5077 §3.4, RFC 5246 §7.4.1.3: echoing our session ID resumes the offered session.
    const session = ctx.session12;
    if (sh.sessionId.length > 0 && constantTimeEqual(sh.sessionId, ctx.sessionId)) {
      if (!session) throw new TlsError('ILLEGAL_PARAMETER', 'server resumed a session we did not offer');
      if (session.cipherSuite !== suite.name) {
        throw new TlsError('ILLEGAL_PARAMETER', 'server resumed the session with another cipher suite');
      }
      // RFC 7627 §5.3: a session is resumed only with extended master secret.
      if (!this.ems) throw new TlsError('EMS_REQUIRED', 'server resumed a session without extended master secret');
      this.resumed = true;
      this.group = session.group;
      this.master = session.masterSecret;
      this.wire.keyLog('CLIENT_RANDOM', this.master);
      this.deriveKeys();
      this.state = this.ticketPromised ? 'wait_ticket' : 'wait_ccs';
      return;
    }
    // RFC 7627 §5.2: a full handshake without extended master secret only when allowed.
    if (!this.ems && cfg.requireExtendedMasterSecret !== false) {
      throw new TlsError('EMS_REQUIRED', 'server does not support extended master secret (RFC 7627)');
    }
    this.state = 'wait_cert';
  }

  private checkExtensions(exts: readonly Extension[]): void {
    const cfg = this.wire.config;
    const sent = new Set(this.ctx.hello.extensions.map((e) => e.type));
    let secureRenegotiation = false;
    let peerLimit = MAX_PLAINTEXT;
    for (const e of exts) {
      // RFC 5246 §7.4.1.4: only answers to extensions we sent...
      if (!sent.has(e.type)) throw new TlsError('UNSUPPORTED_EXTENSION', `ServerHello carries extension ${e.type} we did not offer`);
      // ...and not the TLS 1.3 ones.
      if (KNOWN.has(e.type) && !SERVER_HELLO_EXTENSIONS.has(e.type)) {
        throw new TlsError('ILLEGAL_PARAMETER', `extension ${e.type} not allowed in a TLS 1.2 ServerHello`);
      }
      switch (e.type) {
        case ET.renegotiation_info:
          // RFC 5746 §3.4: an initial handshake's renegotiated_connection is empty.
          if (e.data.length !== 1 || e.data[0] !== 0) {
            throw new TlsError('HANDSHAKE_FAILURE', 'renegotiation_info is not empty on the initial handshake');
          }
          secureRenegotiation = true;
          break;
        case ET.extended_master_secret:
          expectEmpty(e.data, 'extended_master_secret');
          this.ems = true;
          break;
        case ET.session_ticket:
          expectEmpty(e.data, 'session_ticket');
          this.ticketPromised = true;
          break;
        case ET.application_layer_protocol_negotiation:
          this.alpn = checkAlpn(cfg.alpn, e.data);
          break;
        case ET.record_size_limit:
          // RFC 8449 §4: in TLS 1.2 the limit is the plaintext, at most 2^14.
          peerLimit = Math.min(decodeRecordSizeLimit(e.data), MAX_PLAINTEXT);
          break;
        case ET.ec_point_formats: {
          // RFC 8422 §5.2: ec_point_format_list<1..2^8-1> (a bad length is decode_error), with the uncompressed form.
          const r = new Reader(e.data, 'ec_point_formats');
          const formats = r.vec(1, 1);
          r.end();
          if (!formats.includes(0)) throw new TlsError('ILLEGAL_PARAMETER', 'ec_point_formats without the uncompressed format');
          break;
        }
        case ET.server_name:
          expectEmpty(e.data, 'server_name');
          break;
        default:
          break;
      }
    }
    // RFC 5746 §3.4: we never renegotiate, but a server that cannot say so safely is refused (as OpenSSL 3 does).
    if (!secureRenegotiation) throw new TlsError('HANDSHAKE_FAILURE', 'server does not support secure renegotiation (RFC 5746)');
    this.wire.setRecordLimits(peerLimit, Math.min(cfg.recordSizeLimit ?? MAX_PLAINTEXT, MAX_PLAINTEXT));
  }

  // --- Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone, RFC 5246 §7.4.2-§7.4.5 ---

  private async onCertificate(msg: HandshakeMessage): Promise<void> {
    const cfg = this.wire.config;
    const chain = decodeCertificate12(msg.body, cfg.maxCertificateChain);
    if (chain.length === 0) throw new TlsError('DECODE_ERROR', 'server sent an empty Certificate');
    this.add(msg.raw);
    this.peerCertificates = chain;
    this.trustAnchor = (await cfg.verifyChain(chain, cfg.serverName)) || undefined;
    const spki = cfg.leafPublicKey(chain[0]!);
    // RFC 8422 §5.3, RFC 5246 §7.4.2: the key must suit the suite's signature algorithm.
    const kind = parseSpki(spki).kind;
    const fits = this.suite.auth === 'ECDSA' ? kind === 'ec' || kind === 'ed25519' : kind === 'rsa' || kind === 'rsa-pss';
    if (!fits) throw new TlsError('ILLEGAL_PARAMETER', `the server's ${kind} key cannot serve ${this.suite.name}`);
    this.leafSpki = spki;
    this.state = 'wait_ske';
  }

  private async onServerKeyExchange(msg: HandshakeMessage): Promise<void> {
    const cfg = this.wire.config;
    const ske = decodeServerKeyExchange(msg.body);
    const group = groupByCode(ske.group);
    // RFC 8422 §5.4: a curve we offered (the hybrid group is TLS 1.3 only).
    if (!group || group === 'X25519MLKEM768' || !cfg.groups.includes(group)) {
      throw new TlsError('ILLEGAL_PARAMETER', `ServerKeyExchange uses group 0x${ske.group.toString(16)} we did not offer`);
    }
    // RFC 5246 §7.4.1.4.1: a scheme from our signature_algorithms, fitting the certificate's key.
    const scheme = cfg.signatureSchemes.find((s) => s.code === ske.scheme);
    if (!scheme) throw new TlsError('ILLEGAL_PARAMETER', `ServerKeyExchange scheme 0x${ske.scheme.toString(16)} not offered`);
    checkSchemeMatchesKey(scheme, this.leafSpki!, true);
    // The signature is checked before anything is derived from the parameters.
    const signed = serverKeyExchangeSigned(this.ctx.clientRandom, this.serverRandom, ske.params);
    const ok = await cfg.provider.verify(scheme.alg, this.leafSpki!, signed, ske.signature);
    if (!ok) throw new TlsError('DECRYPT_ERROR', 'ServerKeyExchange signature does not verify');
    this.add(msg.raw);
    this.serverScheme = scheme.name;
    this.group = group;
    // RFC 8422 §5.10: our ephemeral key on the server's curve; agree() validates its point.
    const share = await cfg.provider.generateKeyShare(group, cfg.random);
    this.preMaster = await share.agree(ske.publicKey);
    this.clientPublic = share.publicKey;
    this.wire.trace('pre_master_secret', this.preMaster);
    this.state = 'wait_cr_shd';
  }

  private clientPublic: Uint8Array = new Uint8Array(0);

  private onCertificateRequest(msg: HandshakeMessage): void {
    this.certRequest = decodeCertificateRequest12(msg.body);
    this.add(msg.raw);
    this.state = 'wait_shd';
  }

  private async onServerHelloDone(msg: HandshakeMessage): Promise<void> {
    const wire = this.wire;
    expectEmptyBody(msg.body, 'ServerHelloDone');
    this.add(msg.raw);
    const flight: Uint8Array[] = [];
    const auth = this.certRequest ? this.clientCertificate(this.certRequest) : null;
    if (this.certRequest) {
      const cert = encodeCertificate12(auth ? auth.chain : []);
      this.add(cert);
      wire.trace('client Certificate', cert);
      flight.push(cert);
    }
    const cke = encodeClientKeyExchange(this.clientPublic);
    this.add(cke);
    wire.trace('ClientKeyExchange', cke);
    flight.push(cke);
    // RFC 7627 §4: session_hash covers the handshake through ClientKeyExchange.
    this.master = this.ems
      ? extendedMasterSecret(this.hash, this.preMaster!, this.ctx.transcript.current())
      : masterSecret12(this.hash, this.preMaster!, this.ctx.clientRandom, this.serverRandom);
    this.preMaster = null;
    wire.keyLog('CLIENT_RANDOM', this.master);
    if (auth) {
      // RFC 5246 §7.4.8: the signature covers every handshake message so far.
      const signature = await wire.config.provider.sign(auth.scheme.alg, auth.key, concat(...this.messages));
      const cv = encodeCertificateVerify({ scheme: auth.scheme.code, signature });
      this.add(cv);
      wire.trace('client CertificateVerify', cv);
      flight.push(cv);
      this.clientCertificateSent = true;
    }
    this.deriveKeys();
    const finished = this.finished('client');
    const writeCipher = this.writeCipher!;
    await wire.writeJob(async () => {
      await wire.emitHandshake(flight);
      wire.sendChangeCipherSpec();
      wire.setWriteCipher(await writeCipher);
      await wire.emitHandshake([finished]);
    });
    this.state = this.ticketPromised ? 'wait_ticket' : 'wait_ccs';
  }

  /** The chain, key and scheme to answer a CertificateRequest with, or null for an empty Certificate (RFC 5246 §7.4.6). */
  private clientCertificate(req: CertificateRequest12): { chain: readonly Uint8Array[]; key: Uint8Array; scheme: SignatureScheme } | null {
    const id = this.wire.config.clientCertificate;
    if (!id) return null;
    const scheme = (id.schemes12 ?? id.schemes).find((s) => req.schemes.includes(s.code));
    if (!scheme) return null;
    const type = scheme.alg.kind === 'ecdsa' || scheme.alg.kind === 'ed25519' ? ECDSA_SIGN : RSA_SIGN;
    return req.certificateTypes.includes(type) ? { chain: id.chain, key: id.key, scheme } : null;
  }

  /** RFC 5246 §6.3: the key block, split into both directions' AEAD keys. */
  private deriveKeys(): void {
    const { provider } = this.wire.config;
    const s = this.suite;
    const kb = keyBlock12(this.hash, this.master!, this.ctx.clientRandom, this.serverRandom, s.keyLength, s.fixedIvLength);
    this.wire.trace('tls12_master_secret', this.master!);
    this.wire.trace('client_write_key', kb.clientKey);
    this.wire.trace('client_write_iv', kb.clientIv);
    this.wire.trace('server_write_key', kb.serverKey);
    this.wire.trace('server_write_iv', kb.serverIv);
    const make = async (key: Uint8Array, iv: Uint8Array) =>
      new RecordProtection12(await provider.aead(s.aead, key), iv, s.explicitNonceLength);
    this.writeCipher = make(kb.clientKey, kb.clientIv);
    this.readCipher = make(kb.serverKey, kb.serverIv);
    // Settled when installed; a provider failure surfaces there.
    this.writeCipher.catch(() => undefined);
    this.readCipher.catch(() => undefined);
  }

  /** RFC 5246 §7.4.9: Finished over the transcript so far, added to it. */
  private finished(side: 'client' | 'server'): Uint8Array {
    const msg = encodeFinished(finishedVerifyData12(this.hash, this.master!, side, this.ctx.transcript.current()));
    if (side === 'client') {
      this.add(msg);
      this.wire.trace('client Finished', msg);
    }
    return msg;
  }

  // --- NewSessionTicket, ChangeCipherSpec, Finished, RFC 5077 §3.3, RFC 5246 §7.1, §7.4.9 ---

  private onNewSessionTicket(msg: HandshakeMessage): void {
    this.newTicket = decodeNewSessionTicket12(msg.body);
    this.add(msg.raw);
    this.state = 'wait_ccs';
  }

  async onChangeCipherSpec(): Promise<void> {
    if (this.state !== 'wait_ccs') {
      throw new TlsError('UNEXPECTED_MESSAGE', `change_cipher_spec in TLS 1.2 state ${this.state}`);
    }
    this.wire.setReadCipher(await this.readCipher!);
    this.state = 'wait_finished';
  }

  private async onFinished(msg: HandshakeMessage): Promise<void> {
    const wire = this.wire;
    const verifyData = decodeFinished(msg.body, 12);
    const expected = finishedVerifyData12(this.hash, this.master!, 'server', this.ctx.transcript.current());
    if (!constantTimeEqual(verifyData, expected)) throw new TlsError('DECRYPT_ERROR', 'server Finished does not verify');
    this.add(msg.raw);
    const ours = this.resumed ? this.finished('client') : null;
    const writeCipher = this.writeCipher!;
    const cfg = wire.config;
    const traffic = new Tls12Traffic(wire, {
      hash: this.hash,
      master: this.master!,
      clientRandom: this.ctx.clientRandom,
      serverRandom: this.serverRandom,
      extendedMasterSecret: this.ems,
    });
    const info = {
      version: this.version,
      cipherSuite: this.suite.name,
      group: this.group!,
      signatureScheme: this.serverScheme,
      serverName: cfg.serverName,
      alpn: this.alpn,
      peerCertificates: this.peerCertificates,
      ...(this.trustAnchor ? { trustAnchor: this.trustAnchor } : {}),
      resumed: this.resumed,
      helloRetryRequest: false,
      earlyDataAccepted: false,
      clientCertificateSent: this.clientCertificateSent,
      extendedMasterSecret: this.ems,
    };
    this.storeSession();
    this.state = 'done';
    await wire.writeJob(async () => {
      if (ours) {
        // RFC 5246 §7.3: in an abbreviated handshake the client finishes second.
        wire.sendChangeCipherSpec();
        wire.setWriteCipher(await writeCipher);
        await wire.emitHandshake([ours]);
      }
      this.master = null;
      await wire.complete(info, traffic, this.ctx.earlyData.resend(cfg.retryRejectedEarlyData));
    });
  }

  /** Keeps the session for resumption: only with extended master secret (RFC 7627 §5.3). */
  private storeSession(): void {
    const cfg = this.wire.config;
    if (!this.ems) return;
    const old = this.resumed ? this.ctx.session12 : undefined;
    const ticket = this.newTicket?.ticket.length ? this.newTicket.ticket.slice() : (old?.ticket ?? new Uint8Array(0));
    const sessionId = this.serverSessionId;
    if (!ticket.length && !sessionId.length) return; // nothing to resume with
    const hint = this.newTicket?.lifetimeHint || (old ? old.lifetime : DEFAULT_SESSION_LIFETIME);
    const session: StoredSession12 = {
      version: 'TLSv1.2',
      serverName: cfg.serverName,
      cipherSuite: this.suite.name,
      masterSecret: this.master!.slice(),
      sessionId,
      ticket,
      group: this.group!,
      lifetime: Math.min(hint, MAX_SESSION_LIFETIME),
      // A session resumed by ID keeps its age; a new ticket starts a new one.
      receivedAt: old && !this.newTicket?.ticket.length ? old.receivedAt : cfg.now(),
      alpn: this.alpn,
    };
    this.wire.storeSession(session);
  }
}
