/**
 * TLS 1.3 after the handshake, RFC 8446 §4.6: session tickets, KeyUpdate,
 * post-handshake client authentication and the exporter. Also the pieces
 * the handshake (tls13.ts) shares with it: installing traffic keys and
 * answering a CertificateRequest.
 */
import { utf8 } from '../codec.js';
import type { HashFunction } from '../crypto/provider.js';
import { TlsError } from '../errors.js';
import { RecordProtection } from '../record/protection.js';
import type { HandshakeMessage } from '../record/reassembly.js';
import { KNOWN_EXTENSIONS } from './checks.js';
import { handshakeName } from './client-hello.js';
import { ExtensionType as ET, HandshakeType as HT, type CipherSuite } from './constants.js';
import { decodeCertificateAuthorities, decodeMaxEarlyData, decodeU16List, findExtension } from './extensions.js';
import { exportKeyingMaterial, finishedVerifyData, nextTrafficSecret, resumptionPsk, trafficKeys } from './key-schedule.js';
import {
  decodeCertificateRequest,
  decodeKeyUpdate,
  decodeNewSessionTicket,
  encodeCertificate,
  encodeCertificateVerify,
  encodeFinished,
  encodeKeyUpdate,
} from './messages.js';
import type { Transcript } from './transcript.js';
import type { Traffic, Wire } from './wire.js';


/** RFC 8446 §4.2: extensions a server may put in a CertificateRequest. */
const CERTIFICATE_REQUEST_EXTENSIONS = new Set<number>([
  ET.status_request,
  ET.signature_algorithms,
  ET.signed_certificate_timestamp,
  ET.certificate_authorities,
  ET.oid_filters,
  ET.signature_algorithms_cert,
]);

const CLIENT_CV_CONTEXT = utf8('TLS 1.3, client CertificateVerify');

/** RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, the hash. */
export function signedContent(context: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
  const out = new Uint8Array(64 + context.length + 1 + transcriptHash.length);
  out.fill(0x20, 0, 64);
  out.set(context, 64);
  out.set(transcriptHash, 64 + context.length + 1);
  return out;
}

/**
 * Derives key and IV from a traffic secret (RFC 8446 §7.3) and installs them
 * for one direction; `stage` names them in the trace ('early', 'handshake',
 * 'application'). Write keys: write queue only.
 */
export async function installKeys13(
  wire: Wire,
  hash: HashFunction,
  suite: CipherSuite,
  secret: Uint8Array,
  side: 'client' | 'server',
  stage: string,
): Promise<void> {
  const { key, iv } = trafficKeys(hash, secret, suite.keyLength);
  wire.trace(`${side}_${stage}_write_key`, key);
  wire.trace(`${side}_${stage}_write_iv`, iv);
  const aead = wire.config.provider.aead(suite.aead, key);
  const cipher = new RecordProtection(aead instanceof Promise ? await aead : aead, iv);
  if (side === 'client') wire.setWriteCipher(cipher);
  else wire.setReadCipher(cipher);
}

/** A CertificateRequest's context and the schemes it accepts (RFC 8446 §4.3.2). */
export interface CertRequest13 {
  context: Uint8Array;
  schemes: number[];
}

/** Decodes and checks a CertificateRequest (RFC 8446 §4.3.2): empty context in the handshake, non-empty after it. */
export function parseCertificateRequest13(msg: HandshakeMessage, postHandshake: boolean): CertRequest13 {
  const cr = decodeCertificateRequest(msg.body);
  if (!postHandshake && cr.context.length !== 0) {
    throw new TlsError('ILLEGAL_PARAMETER', 'CertificateRequest context must be empty in the handshake');
  }
  if (postHandshake && cr.context.length === 0) {
    throw new TlsError('ILLEGAL_PARAMETER', 'post-handshake CertificateRequest needs a context');
  }
  for (const e of cr.extensions) {
    if (KNOWN_EXTENSIONS.has(e.type) && !CERTIFICATE_REQUEST_EXTENSIONS.has(e.type)) {
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

/**
 * Certificate and CertificateVerify for a CertificateRequest (RFC 8446
 * §4.4.2), added to `transcript`; an empty Certificate when we have no
 * suitable key. `sent` says whether a certificate went out.
 */
export async function clientAuth13(
  wire: Wire,
  req: CertRequest13,
  transcript: Transcript,
): Promise<{ messages: Uint8Array[]; sent: boolean }> {
  const id = wire.config.clientCertificate;
  const scheme = id?.schemes.find((s) => req.schemes.includes(s.code));
  if (!id || !scheme) {
    const empty = encodeCertificate({ context: req.context, entries: [] });
    transcript.add(empty);
    wire.trace('client Certificate', empty);
    return { messages: [empty], sent: false };
  }
  const cert = encodeCertificate({ context: req.context, entries: id.chain.map((data) => ({ data, extensions: [] })) });
  transcript.add(cert);
  wire.trace('client Certificate', cert);
  const content = signedContent(CLIENT_CV_CONTEXT, transcript.current());
  const signature = await wire.config.provider.sign(scheme.alg, id.key, content);
  const cv = encodeCertificateVerify({ scheme: scheme.code, signature });
  transcript.add(cv);
  wire.trace('client CertificateVerify', cv);
  return { messages: [cert, cv], sent: true };
}

/** What a completed TLS 1.3 handshake hands to its traffic state. */
export interface Secrets13 {
  readonly hash: HashFunction;
  readonly suite: CipherSuite;
  readonly clientAppSecret: Uint8Array;
  readonly serverAppSecret: Uint8Array;
  readonly exporterSecret: Uint8Array;
  readonly resumptionSecret: Uint8Array;
  /** The transcript through client Finished, kept only for post-handshake auth. */
  readonly handshakeContext: Transcript | null;
  readonly alpn: string | null;
}

/** The TLS 1.3 connection after its handshake (RFC 8446 §4.6). */
export class Tls13Traffic implements Traffic {
  private clientSecret: Uint8Array;
  private serverSecret: Uint8Array;
  /** KeyUpdates with update_requested we sent and the peer has not answered yet. */
  private updatesRequested = 0;

  constructor(
    private readonly wire: Wire,
    private readonly s: Secrets13,
  ) {
    this.clientSecret = s.clientAppSecret;
    this.serverSecret = s.serverAppSecret;
  }

  async onMessage(msg: HandshakeMessage): Promise<void> {
    // KeyUpdates answering our own update_requested are not a flood.
    if (msg.type === HT.key_update && this.updatesRequested > 0) this.updatesRequested--;
    else this.wire.checkPostHandshakeRate();
    switch (msg.type) {
      case HT.new_session_ticket:
        return this.onNewSessionTicket(msg);
      case HT.key_update: {
        const requested = decodeKeyUpdate(msg.body);
        // RFC 8446 §5.1: KeyUpdate must end its record (setReadCipher checks).
        this.serverSecret = nextTrafficSecret(this.s.hash, this.serverSecret);
        await installKeys13(this.wire, this.s.hash, this.s.suite, this.serverSecret, 'server', 'application');
        if (requested) await this.wire.writeJob(() => this.sendKeyUpdateUnlessClosed());
        return;
      }
      case HT.certificate_request: {
        if (!this.wire.config.postHandshakeAuth) {
          throw new TlsError('UNEXPECTED_MESSAGE', 'post-handshake CertificateRequest without post_handshake_auth');
        }
        return this.onPostHandshakeAuth(parseCertificateRequest13(msg, true), msg.raw);
      }
      default:
        throw new TlsError('UNEXPECTED_MESSAGE', `unexpected ${handshakeName(msg.type)} after the handshake`);
    }
  }

  private async sendKeyUpdateUnlessClosed(): Promise<void> {
    // RFC 8446 §6.1: nothing follows our close_notify.
    if (!this.wire.closedForWriting) await this.keyUpdate(false);
  }

  async keyUpdate(requestPeerUpdate: boolean): Promise<void> {
    await this.wire.emitHandshake([encodeKeyUpdate(requestPeerUpdate)]);
    if (requestPeerUpdate) this.updatesRequested++;
    this.clientSecret = nextTrafficSecret(this.s.hash, this.clientSecret);
    await installKeys13(this.wire, this.s.hash, this.s.suite, this.clientSecret, 'client', 'application');
  }

  async rotateIfDue(): Promise<void> {
    // RFC 8446 §5.5: rotate before the AEAD's usage limit.
    if (this.wire.writeRecords >= this.wire.config.keyUpdateAfterRecords) await this.keyUpdate(false);
  }

  exportKeyingMaterial(label: string, context: Uint8Array | null, length: number): Uint8Array {
    // RFC 8446 §7.5: an absent context is treated as empty.
    return exportKeyingMaterial(this.s.hash, this.s.exporterSecret, label, context ?? new Uint8Array(0), length);
  }

  private async onPostHandshakeAuth(req: CertRequest13, raw: Uint8Array): Promise<void> {
    // RFC 8446 §4.4: Handshake Context is the handshake through client Finished + this request.
    const t = this.s.handshakeContext!.fork();
    t.add(raw);
    const { messages } = await clientAuth13(this.wire, req, t);
    // RFC 8446 §4.4.4: the Finished base key is client_application_traffic_secret_N.
    await this.wire.writeJob(async () => {
      if (this.wire.closedForWriting) return; // RFC 8446 §6.1: nothing follows our close_notify
      const fin = encodeFinished(finishedVerifyData(this.s.hash, this.clientSecret, t.current()));
      await this.wire.emitHandshake([...messages, fin]);
    });
  }

  private onNewSessionTicket(msg: HandshakeMessage): void {
    const t = decodeNewSessionTicket(msg.body);
    for (const e of t.extensions) {
      if (KNOWN_EXTENSIONS.has(e.type) && e.type !== ET.early_data) {
        throw new TlsError('ILLEGAL_PARAMETER', `extension ${e.type} not allowed in NewSessionTicket`);
      }
    }
    // RFC 8446 §4.6.1: lifetime at most 7 days.
    if (t.lifetime > 604800) throw new TlsError('ILLEGAL_PARAMETER', 'ticket lifetime over 7 days');
    const ed = findExtension(t.extensions, ET.early_data);
    const maxEarlyData = ed ? decodeMaxEarlyData(ed) : 0;
    if (t.lifetime === 0) return;
    const psk = resumptionPsk(this.s.hash, this.s.resumptionSecret, t.nonce);
    this.wire.trace('resumption psk', psk);
    this.wire.storeSession({
      serverName: this.wire.config.serverName,
      cipherSuite: this.s.suite.name,
      psk,
      ticket: t.ticket.slice(),
      ageAdd: t.ageAdd,
      lifetime: t.lifetime,
      receivedAt: this.wire.config.now(),
      maxEarlyData,
      alpn: this.s.alpn,
    });
  }
}
