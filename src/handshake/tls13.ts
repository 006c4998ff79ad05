/**
 * The TLS 1.3 handshake, RFC 8446 §4.1.3-§4.4: ServerHello or
 * HelloRetryRequest, EncryptedExtensions, [CertificateRequest],
 * Certificate, CertificateVerify, Finished, then our second flight. Its
 * methods run in the RFC's order; it is dropped when the handshake ends,
 * its handshake secrets with it, leaving a Tls13Traffic.
 */
import { constantTimeEqual, utf8 } from '../codec.js';
import type { GroupName, HashFunction } from '../crypto/provider.js';
import { TlsError } from '../errors.js';
import type { HandshakeMessage } from '../record/reassembly.js';
import { checkAlpn, checkSchemeMatchesKey, KNOWN_EXTENSIONS as KNOWN } from './checks.js';
import { finishHello, handshakeName, selectVersion, suiteFor, type HelloContext } from './client-hello.js';
import type { TlsVersion } from './config.js';
import {
  ExtensionType as ET,
  GROUPS,
  groupByCode,
  HandshakeType as HT,
  type CipherSuite,
  type SignatureSchemeName,
} from './constants.js';
import {
  cookieExt,
  decodeCookie,
  decodeHrrKeyShare,
  decodeRecordSizeLimit,
  decodeSelectedIdentity,
  decodeServerKeyShare,
  decodeU16List,
  expectEmpty,
  findExtension,
  keyShareClientExt,
  type Extension,
} from './extensions.js';
import { deriveSecret, earlySecret, finishedVerifyData, handshakeSecret, masterSecret } from './key-schedule.js';
import { MAX_PLAINTEXT } from '../record/framing.js';
import {
  decodeCertificate,
  decodeCertificateVerify,
  decodeEncryptedExtensions,
  decodeFinished,
  decodeServerHello,
  encodeEndOfEarlyData,
  encodeFinished,
  type ClientHello,
  type ServerHello,
} from './messages.js';
import {
  clientAuth13,
  installKeys13,
  parseCertificateRequest13,
  signedContent,
  Tls13Traffic,
  type CertRequest13,
} from './traffic13.js';
import type { TrustAnchorInfo } from '../verify/trust-store.js';
import type { Handshake, Wire } from './wire.js';

type State = 'wait_sh' | 'wait_ee' | 'wait_cert_cr' | 'wait_cert' | 'wait_cv' | 'wait_finished' | 'done';

const SERVER_CV_CONTEXT = utf8('TLS 1.3, server CertificateVerify');

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
  certificateEntry: new Set<number>([ET.status_request, ET.signed_certificate_timestamp]),
};

/** A TLS 1.3 handshake from the ServerHello on (RFC 8446 §4). */
export class Tls13Handshake implements Handshake {
  readonly version: TlsVersion = 'TLSv1.3';
  private state: State = 'wait_sh';
  private readonly wire: Wire;
  private suite: CipherSuite | null = null;
  private hash: HashFunction | null = null;
  private hrr = false;
  private hrrSuite: number | null = null;
  private group: GroupName | null = null;
  private clientHsSecret: Uint8Array | null = null;
  private serverHsSecret: Uint8Array | null = null;
  private master: Uint8Array | null = null;
  private pskAccepted = false;
  private alpn: string | null = null;
  private certRequest: CertRequest13 | null = null;
  private peerCertificates: Uint8Array[] = [];
  private trustAnchor: TrustAnchorInfo | undefined;
  private serverScheme: SignatureSchemeName | null = null;

  constructor(private readonly ctx: HelloContext) {
    this.wire = ctx.wire;
  }

  get waitingServerHello(): boolean {
    return this.state === 'wait_sh';
  }
  get canWriteEarlyData(): boolean {
    return this.ctx.earlyData.canWrite;
  }
  writeEarly(data: Uint8Array): Promise<void> {
    return this.ctx.earlyData.write(this.wire, data);
  }
  onChangeCipherSpec(): void {
    // RFC 8446 §5: ignored until the server's Finished (the connection checks its form).
  }

  /** Installs the 0-RTT write keys after the first ClientHello (RFC 8446 §4.2.10). Write queue only. */
  static async installEarlyKeys(ctx: HelloContext, suite: CipherSuite, secret: Uint8Array): Promise<void> {
    sendCcsIfCompat(ctx);
    await installKeys13(ctx.wire, ctx.wire.config.provider.hash(suite.hash), suite, secret, 'client', 'early');
  }

  async onMessage(msg: HandshakeMessage): Promise<void> {
    switch (this.state) {
      case 'wait_sh':
        if (msg.type !== HT.server_hello) break;
        return this.onSecondServerHello(msg);
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
      default:
        break;
    }
    throw new TlsError('UNEXPECTED_MESSAGE', `unexpected ${handshakeName(msg.type)} in state ${this.state}`);
  }

  // --- ServerHello / HelloRetryRequest, RFC 8446 §4.1.3-4.1.4 ---

  private checkExtensions(exts: readonly Extension[], allowed: Set<number>, what: string): void {
    const sent = new Set(this.ctx.hello.extensions.map((e) => e.type));
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

  /** A ServerHello after our HelloRetryRequest answer: the same checks as the first. */
  private async onSecondServerHello(msg: HandshakeMessage): Promise<void> {
    const sh = decodeServerHello(msg.body);
    // RFC 8446 §4.1.4: the version the HelloRetryRequest chose.
    if (selectVersion(this.ctx, sh) !== 'TLSv1.3') {
      throw new TlsError('ILLEGAL_PARAMETER', 'server answered TLS 1.2 after a TLS 1.3 HelloRetryRequest');
    }
    return this.onServerHello(sh, msg);
  }

  /** The ServerHello (or HelloRetryRequest) that selected TLS 1.3. */
  async onServerHello(sh: ServerHello, msg: HandshakeMessage): Promise<void> {
    const ctx = this.ctx;
    const cfg = this.wire.config;
    if (sh.legacyVersion !== 0x0303) throw new TlsError('ILLEGAL_PARAMETER', 'ServerHello.legacy_version is not 0x0303');
    if (!constantTimeEqual(sh.sessionId, ctx.sessionId)) {
      throw new TlsError('ILLEGAL_PARAMETER', 'legacy_session_id_echo does not match');
    }
    const suite = cfg.cipherSuites.find((s) => s.code === sh.cipherSuite);
    if (!suite) throw new TlsError('ILLEGAL_PARAMETER', `server chose cipher suite 0x${sh.cipherSuite.toString(16)} we did not offer`);
    if (sh.compression !== 0) throw new TlsError('ILLEGAL_PARAMETER', 'non-null compression method');
    if (sh.isHelloRetryRequest) return this.onHelloRetryRequest(sh, msg, suite);

    this.checkExtensions(sh.extensions, ALLOWED.serverHello, 'ServerHello');
    // RFC 8446 §4.1.4: the suite must be the one the HelloRetryRequest chose.
    if (this.hrrSuite !== null && this.hrrSuite !== suite.code) {
      throw new TlsError('ILLEGAL_PARAMETER', 'ServerHello cipher suite differs from HelloRetryRequest');
    }
    this.suite = suite;
    this.hash = cfg.provider.hash(suite.hash);
    const hash = this.hash;

    const pskData = findExtension(sh.extensions, ET.pre_shared_key);
    if (pskData) {
      const selected = decodeSelectedIdentity(pskData);
      const session = ctx.session13;
      // RFC 8446 §4.2.11: the index must be one we offered, with the PSK's hash.
      if (!ctx.pskOffered || !session || selected !== 0) {
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
    const share = ctx.keyShares.find((k) => GROUPS[k.group] === entry.group);
    if (!share) throw new TlsError('ILLEGAL_PARAMETER', `server key share for group ${entry.group} we did not send`);
    this.group = share.group;

    ctx.transcript.start(hash);
    ctx.transcript.add(msg.raw);
    const shared = await share.agree(entry.keyExchange);
    this.wire.trace('shared_secret', shared);
    const early = this.pskAccepted ? ctx.early! : earlySecret(hash);
    if (!this.pskAccepted) this.wire.trace('early_secret', early);
    const hs = handshakeSecret(hash, early, shared);
    this.wire.trace('handshake_secret', hs);
    const th = ctx.transcript.current();
    this.clientHsSecret = deriveSecret(hash, hs, 'c hs traffic', th);
    this.serverHsSecret = deriveSecret(hash, hs, 's hs traffic', th);
    this.wire.trace('client_handshake_traffic_secret', this.clientHsSecret);
    this.wire.trace('server_handshake_traffic_secret', this.serverHsSecret);
    this.wire.keyLog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', this.clientHsSecret);
    this.wire.keyLog('SERVER_HANDSHAKE_TRAFFIC_SECRET', this.serverHsSecret);
    this.master = masterSecret(hash, hs);
    this.wire.trace('master_secret', this.master);
    ctx.keyShares = []; // private keys are no longer needed
    await installKeys13(this.wire, hash, suite, this.serverHsSecret, 'server', 'handshake');
    this.state = 'wait_ee';
  }

  private async onHelloRetryRequest(sh: ServerHello, msg: HandshakeMessage, suite: CipherSuite): Promise<void> {
    const ctx = this.ctx;
    const cfg = this.wire.config;
    // RFC 8446 §4.1.4: at most one HelloRetryRequest.
    if (this.hrr) throw new TlsError('UNEXPECTED_MESSAGE', 'second HelloRetryRequest');
    this.hrr = true;
    this.checkExtensions(sh.extensions, ALLOWED.hrr, 'HelloRetryRequest');
    const ksData = findExtension(sh.extensions, ET.key_share);
    const cookieData = findExtension(sh.extensions, ET.cookie);
    const cookie = cookieData ? decodeCookie(cookieData) : null;
    let newGroup: GroupName | null = null;
    if (ksData) {
      const code = decodeHrrKeyShare(ksData);
      const g = groupByCode(code);
      if (!g || !cfg.groups.includes(g)) {
        throw new TlsError('ILLEGAL_PARAMETER', `HelloRetryRequest names group ${code} we did not offer`);
      }
      if (ctx.keyShares.some((k) => k.group === g)) {
        throw new TlsError('ILLEGAL_PARAMETER', 'HelloRetryRequest names a group we already sent a share for');
      }
      newGroup = g;
    }
    // RFC 8446 §4.1.4: an HRR that would not change the ClientHello is illegal.
    if (!newGroup && !cookie) throw new TlsError('ILLEGAL_PARAMETER', 'HelloRetryRequest changes nothing');
    this.hrrSuite = suite.code;
    const hash = cfg.provider.hash(suite.hash);
    ctx.transcript.replaceWithMessageHash(hash);
    ctx.transcript.add(msg.raw);
    if (newGroup) ctx.keyShares = [await cfg.provider.generateKeyShare(newGroup, cfg.random)];
    // The PSK stays only if its hash matches the chosen suite.
    let session = ctx.pskOffered ? ctx.session13 : undefined;
    if (session && suiteFor(session.cipherSuite).hash !== suite.hash) session = undefined;
    const wasEarly = ctx.earlyData.offered;
    ctx.earlyData.offered = false; // RFC 8446 §4.2.10: no early data after HRR
    const hello: ClientHello = {
      random: ctx.clientRandom,
      sessionId: ctx.sessionId,
      cipherSuites: ctx.hello.cipherSuites,
      extensions: this.retryExtensions(cookie),
    };
    ctx.hello = hello;
    const message = finishHello(ctx, session, false);
    await this.wire.writeJob(async () => {
      if (wasEarly) this.wire.setWriteCipher(null); // back to plaintext for the second hello
      sendCcsIfCompat(ctx);
      await this.wire.emitHandshake([message]);
    });
  }

  /** The second ClientHello: the first one's extensions with the new share and cookie. */
  private retryExtensions(cookie: Uint8Array | null): Extension[] {
    const ctx = this.ctx;
    const shares = keyShareClientExt(ctx.keyShares.map((k) => ({ group: GROUPS[k.group], keyExchange: k.publicKey })));
    const out: Extension[] = [];
    for (const e of ctx.hello.extensions) {
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
    const ctx = this.ctx;
    const cfg = this.wire.config;
    const exts = decodeEncryptedExtensions(msg.body);
    this.checkExtensions(exts, ALLOWED.encryptedExtensions, 'EncryptedExtensions');
    ctx.transcript.add(msg.raw);
    for (const e of exts) {
      switch (e.type) {
        case ET.application_layer_protocol_negotiation:
          this.alpn = checkAlpn(cfg.alpn, e.data);
          break;
        case ET.server_name:
          expectEmpty(e.data, 'server_name');
          break;
        case ET.early_data:
          expectEmpty(e.data, 'early_data');
          if (!ctx.earlyData.offered) throw new TlsError('UNSUPPORTED_EXTENSION', 'early_data accepted but not offered');
          // RFC 8446 §4.2.10: only with the offered PSK (selected_identity 0) and the ticket's suite.
          if (!this.pskAccepted || this.suite!.name !== ctx.session13?.cipherSuite) {
            throw new TlsError('ILLEGAL_PARAMETER', "early data accepted without the ticket's PSK and cipher suite");
          }
          ctx.earlyData.accepted = true;
          break;
        case ET.record_size_limit: {
          // RFC 8449 §4: in TLS 1.3 the limit includes the content type byte.
          const peer = Math.min(decodeRecordSizeLimit(e.data), MAX_PLAINTEXT + 1);
          this.wire.setRecordLimits(peer - 1, cfg.recordSizeLimit ?? MAX_PLAINTEXT + 1);
          break;
        }
        case ET.supported_groups:
          decodeU16List(e.data, 'supported_groups'); // informational (RFC 8446 §4.2.7)
          break;
        default:
          break;
      }
    }
    if (ctx.earlyData.accepted && ctx.session13 && this.alpn !== ctx.session13.alpn) {
      throw new TlsError('ILLEGAL_PARAMETER', 'early data accepted under a different ALPN protocol');
    }
    this.state = this.pskAccepted ? 'wait_finished' : 'wait_cert_cr';
  }

  // --- CertificateRequest, RFC 8446 §4.3.2 ---

  private async onCertificateRequest(msg: HandshakeMessage): Promise<void> {
    this.certRequest = parseCertificateRequest13(msg, false);
    this.ctx.transcript.add(msg.raw);
    this.state = 'wait_cert';
  }

  // --- Certificate and CertificateVerify, RFC 8446 §4.4.2-4.4.3 ---

  private async onCertificate(msg: HandshakeMessage): Promise<void> {
    const cfg = this.wire.config;
    const cert = decodeCertificate(msg.body, cfg.maxCertificateChain);
    if (cert.context.length !== 0) throw new TlsError('ILLEGAL_PARAMETER', 'server Certificate with a request context');
    const sent = new Set(this.ctx.hello.extensions.map((e) => e.type));
    for (const entry of cert.entries) {
      for (const e of entry.extensions) {
        // RFC 8446 §4.4.2: entry extensions must answer ones we sent.
        if (KNOWN.has(e.type) && !ALLOWED.certificateEntry.has(e.type)) {
          throw new TlsError('ILLEGAL_PARAMETER', `extension ${e.type} not allowed in CertificateEntry`);
        }
        if (!sent.has(e.type)) {
          throw new TlsError('UNSUPPORTED_EXTENSION', `CertificateEntry extension ${e.type} we did not request`);
        }
      }
    }
    // RFC 8446 §4.4.2.4: an empty server Certificate is decode_error.
    if (cert.entries.length === 0) throw new TlsError('DECODE_ERROR', 'server sent an empty Certificate');
    this.ctx.transcript.add(msg.raw);
    this.peerCertificates = cert.entries.map((e) => e.data);
    this.trustAnchor = (await cfg.verifyChain(this.peerCertificates, cfg.serverName)) || undefined;
    this.state = 'wait_cv';
  }

  private async onCertificateVerify(msg: HandshakeMessage): Promise<void> {
    const cfg = this.wire.config;
    const cv = decodeCertificateVerify(msg.body);
    const scheme = cfg.signatureSchemes.find((s) => s.code === cv.scheme && !s.certOnly);
    // RFC 8446 §4.4.3: the scheme must be one we offered in signature_algorithms.
    if (!scheme) throw new TlsError('ILLEGAL_PARAMETER', `CertificateVerify scheme 0x${cv.scheme.toString(16)} not offered`);
    const spki = cfg.leafPublicKey(this.peerCertificates[0]!);
    checkSchemeMatchesKey(scheme, spki);
    const content = signedContent(SERVER_CV_CONTEXT, this.ctx.transcript.current());
    const ok = await cfg.provider.verify(scheme.alg, spki, content, cv.signature);
    if (!ok) throw new TlsError('DECRYPT_ERROR', 'server CertificateVerify signature does not verify');
    this.serverScheme = scheme.name;
    this.ctx.transcript.add(msg.raw);
    this.state = 'wait_finished';
  }

  // --- Finished, RFC 8446 §4.4.4 ---

  private async onFinished(msg: HandshakeMessage): Promise<void> {
    const ctx = this.ctx;
    const wire = this.wire;
    const cfg = wire.config;
    const transcript = ctx.transcript;
    const hash = this.hash!;
    const suite = this.suite!;
    const verifyData = decodeFinished(msg.body, hash.outputLen);
    const expected = finishedVerifyData(hash, this.serverHsSecret!, transcript.current());
    if (!constantTimeEqual(verifyData, expected)) {
      throw new TlsError('DECRYPT_ERROR', 'server Finished does not verify');
    }
    transcript.add(msg.raw);
    // RFC 8446 §7.1: application secrets over the transcript through server Finished.
    const th = transcript.current();
    const master = this.master!;
    const clientAppSecret = deriveSecret(hash, master, 'c ap traffic', th);
    const serverAppSecret = deriveSecret(hash, master, 's ap traffic', th);
    const exporterSecret = deriveSecret(hash, master, 'exp master', th);
    wire.trace('client_application_traffic_secret_0', clientAppSecret);
    wire.trace('server_application_traffic_secret_0', serverAppSecret);
    wire.trace('exporter_master_secret', exporterSecret);
    wire.keyLog('CLIENT_TRAFFIC_SECRET_0', clientAppSecret);
    wire.keyLog('SERVER_TRAFFIC_SECRET_0', serverAppSecret);
    wire.keyLog('EXPORTER_SECRET', exporterSecret);
    await installKeys13(wire, hash, suite, serverAppSecret, 'server', 'application');

    // Our second flight: [CCS] [EndOfEarlyData] [Certificate CertificateVerify] Finished.
    // RFC 8446 §4.5: EndOfEarlyData is part of the transcript.
    const eoed = ctx.earlyData.accepted ? encodeEndOfEarlyData() : null;
    if (eoed) transcript.add(eoed);
    const flight: Uint8Array[] = [];
    let clientCertificateSent = false;
    if (this.certRequest) {
      const auth = await clientAuth13(wire, this.certRequest, transcript);
      flight.push(...auth.messages);
      clientCertificateSent = auth.sent;
    }
    const clientFinished = encodeFinished(finishedVerifyData(hash, this.clientHsSecret!, transcript.current()));
    transcript.add(clientFinished);
    wire.trace('client Finished', clientFinished);
    flight.push(clientFinished);
    const resumptionSecret = deriveSecret(hash, master, 'res master', transcript.current());
    wire.trace('resumption_master_secret', resumptionSecret);
    const traffic = new Tls13Traffic(wire, {
      hash,
      suite,
      clientAppSecret,
      serverAppSecret,
      exporterSecret,
      resumptionSecret,
      handshakeContext: cfg.postHandshakeAuth ? transcript.fork() : null,
      alpn: this.alpn,
    });
    this.master = null;
    // RFC 8446 §4.2.10: never resend early data automatically under another ALPN.
    const retry = cfg.retryRejectedEarlyData && this.alpn === (ctx.session13?.alpn ?? null);
    const info = {
      version: this.version,
      cipherSuite: suite.name,
      group: this.group!,
      signatureScheme: this.serverScheme,
      serverName: cfg.serverName,
      alpn: this.alpn,
      peerCertificates: this.peerCertificates,
      ...(this.trustAnchor ? { trustAnchor: this.trustAnchor } : {}),
      resumed: this.pskAccepted,
      helloRetryRequest: this.hrr,
      earlyDataAccepted: ctx.earlyData.accepted,
      clientCertificateSent,
      extendedMasterSecret: true,
    };
    this.state = 'done';
    await wire.writeJob(async () => {
      // RFC 8446 §4.5: EndOfEarlyData under the early traffic key.
      if (eoed) await wire.emitHandshake([eoed]);
      sendCcsIfCompat(ctx);
      await installKeys13(wire, hash, suite, this.clientHsSecret!, 'client', 'handshake');
      await wire.emitHandshake(flight);
      await installKeys13(wire, hash, suite, clientAppSecret, 'client', 'application');
      this.clientHsSecret = null;
      this.serverHsSecret = null;
      // RFC 8446 §4.2.10: rejected early data is the application's to resend.
      await wire.complete(info, traffic, ctx.earlyData.resend(retry));
    });
  }
}

/** RFC 8446 §D.4: one unprotected change_cipher_spec before our next flight. Write queue only. */
function sendCcsIfCompat(ctx: HelloContext): void {
  if (!ctx.wire.config.middleboxCompat || ctx.ccsSent) return;
  ctx.ccsSent = true;
  ctx.wire.sendChangeCipherSpec();
}


