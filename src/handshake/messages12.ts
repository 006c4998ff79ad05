/**
 * One codec per TLS 1.2 handshake message that TLS 1.3 does not share,
 * RFC 5246 §7.4 with the ECDHE messages of RFC 8422 §5.4, §5.7 and the
 * NewSessionTicket of RFC 5077 §3.3. Decoders take the body and refuse
 * trailing bytes.
 */
import { Reader, Writer } from '../codec.js';
import { TlsError } from '../errors.js';
import { HandshakeType as HT } from './constants.js';
import { handshakeMessage } from './messages.js';

/** RFC 8422 §5.4: ECCurveType named_curve, the only one allowed. */
export const NAMED_CURVE = 3;

/** The ECDHE parameters and their signature (RFC 8422 §5.4, RFC 5246 §7.4.3). */
export interface ServerKeyExchange {
  /** The NamedGroup code point. */
  group: number;
  /** The server's ephemeral public key (ECPoint). */
  publicKey: Uint8Array;
  /** The bytes the signature covers after the two randoms: ServerECDHParams as sent. */
  params: Uint8Array;
  /** SignatureAndHashAlgorithm (RFC 5246 §7.4.1.4.1), a SignatureScheme code point. */
  scheme: number;
  signature: Uint8Array;
}

/** Decodes an ECDHE ServerKeyExchange body; a curve type other than named_curve is illegal_parameter. */
export function decodeServerKeyExchange(body: Uint8Array): ServerKeyExchange {
  const r = new Reader(body, 'ServerKeyExchange');
  const curveType = r.u8();
  if (curveType !== NAMED_CURVE) {
    // RFC 8422 §5.4: explicit curves are deprecated; we offered named curves only.
    throw new TlsError('ILLEGAL_PARAMETER', `ServerKeyExchange curve type ${curveType} is not named_curve`);
  }
  const group = r.u16();
  const publicKey = r.vec(1, 1);
  const params = body.subarray(0, r.offset);
  const scheme = r.u16();
  const signature = r.vec(2, 1);
  r.end();
  return { group, publicKey, params, scheme, signature };
}

/** Encodes an ECDHE ServerKeyExchange as a handshake message; for test servers. */
export function encodeServerKeyExchange(ske: Omit<ServerKeyExchange, 'params'>): Uint8Array {
  const w = new Writer(ske.publicKey.length + ske.signature.length + 16)
    .u8(NAMED_CURVE)
    .u16(ske.group)
    .opaque(1, ske.publicKey)
    .u16(ske.scheme)
    .opaque(2, ske.signature);
  return handshakeMessage(HT.server_key_exchange, w.finish());
}

/** RFC 8422 §5.4: the content a ServerKeyExchange signature covers. */
export function serverKeyExchangeSigned(clientRandom: Uint8Array, serverRandom: Uint8Array, params: Uint8Array): Uint8Array {
  return new Writer(64 + params.length).bytes(clientRandom).bytes(serverRandom).bytes(params).finish();
}

/** A TLS 1.2 CertificateRequest (RFC 5246 §7.4.4). */
export interface CertificateRequest12 {
  /** ClientCertificateType values: rsa_sign(1), ecdsa_sign(64), ... */
  certificateTypes: number[];
  /** supported_signature_algorithms: SignatureScheme code points. */
  schemes: number[];
  /** DistinguishedName certificate_authorities (DER), unused for selection. */
  authorities: Uint8Array[];
}

/** ClientCertificateType rsa_sign (RFC 5246 §7.4.4). */
export const RSA_SIGN = 1;
/** ClientCertificateType ecdsa_sign (RFC 8422 §5.5; also covers Ed25519). */
export const ECDSA_SIGN = 64;

/** Decodes a TLS 1.2 CertificateRequest body (RFC 5246 §7.4.4). */
export function decodeCertificateRequest12(body: Uint8Array): CertificateRequest12 {
  const r = new Reader(body, 'CertificateRequest');
  const types = r.sub(1, 'CertificateRequest', 1);
  const certificateTypes: number[] = [];
  while (types.remaining) certificateTypes.push(types.u8());
  const algs = r.sub(2, 'CertificateRequest', 2);
  if (algs.remaining % 2) throw new TlsError('DECODE_ERROR', 'malformed CertificateRequest');
  const schemes: number[] = [];
  while (algs.remaining) schemes.push(algs.u16());
  const cas = r.sub(2, 'CertificateRequest');
  r.end();
  const authorities: Uint8Array[] = [];
  while (cas.remaining) authorities.push(cas.vec(2, 1));
  return { certificateTypes, schemes, authorities };
}

/** Encodes a TLS 1.2 CertificateRequest as a handshake message; for test servers. */
export function encodeCertificateRequest12(cr: CertificateRequest12): Uint8Array {
  const w = new Writer(64);
  w.vec(1, (w) => cr.certificateTypes.forEach((t) => w.u8(t)));
  w.vec(2, (w) => cr.schemes.forEach((s) => w.u16(s)));
  w.vec(2, (w) => cr.authorities.forEach((a) => w.opaque(2, a)));
  return handshakeMessage(HT.certificate_request, w.finish());
}

/** Decodes a TLS 1.2 Certificate body: certificate_list of ASN.1Cert (RFC 5246 §7.4.2); over `maxEntries` is BAD_CERTIFICATE. */
export function decodeCertificate12(body: Uint8Array, maxEntries = Infinity): Uint8Array[] {
  const r = new Reader(body, 'Certificate');
  const list = r.sub(3, 'Certificate');
  r.end();
  const out: Uint8Array[] = [];
  while (list.remaining) {
    if (out.length >= maxEntries) throw new TlsError('BAD_CERTIFICATE', `certificate_list longer than ${maxEntries}`);
    out.push(list.vec(3, 1));
  }
  return out;
}

/** Encodes a TLS 1.2 Certificate (RFC 5246 §7.4.2) as a handshake message. */
export function encodeCertificate12(chain: readonly Uint8Array[]): Uint8Array {
  const w = new Writer(1024);
  w.vec(3, (w) => chain.forEach((c) => w.opaque(3, c)));
  return handshakeMessage(HT.certificate, w.finish());
}

/** Encodes ClientKeyExchange with our ECDHE public key (RFC 8422 §5.7: ClientECDiffieHellmanPublic). */
export function encodeClientKeyExchange(publicKey: Uint8Array): Uint8Array {
  return handshakeMessage(HT.client_key_exchange, new Writer(publicKey.length + 1).opaque(1, publicKey).finish());
}

/** Decodes a ClientKeyExchange body into the client's ECDHE public key; for test servers. */
export function decodeClientKeyExchange(body: Uint8Array): Uint8Array {
  const r = new Reader(body, 'ClientKeyExchange');
  const point = r.vec(1, 1);
  r.end();
  return point;
}

/** A TLS 1.2 NewSessionTicket (RFC 5077 §3.3). */
export interface NewSessionTicket12 {
  /** Seconds; 0 means unspecified. */
  lifetimeHint: number;
  /** Opaque to us; empty means the server will not issue one after all. */
  ticket: Uint8Array;
}

/** Decodes a TLS 1.2 NewSessionTicket body (RFC 5077 §3.3). */
export function decodeNewSessionTicket12(body: Uint8Array): NewSessionTicket12 {
  const r = new Reader(body, 'NewSessionTicket');
  const lifetimeHint = r.u32();
  const ticket = r.vec(2);
  r.end();
  return { lifetimeHint, ticket };
}

/** Encodes a TLS 1.2 NewSessionTicket as a handshake message; for test servers. */
export function encodeNewSessionTicket12(t: NewSessionTicket12): Uint8Array {
  return handshakeMessage(HT.new_session_ticket, new Writer(t.ticket.length + 6).u32(t.lifetimeHint).opaque(2, t.ticket).finish());
}

/** An empty-bodied message (ServerHelloDone, HelloRequest): anything else is decode_error. */
export function expectEmptyBody(body: Uint8Array, what: string): void {
  if (body.length !== 0) throw new TlsError('DECODE_ERROR', `malformed ${what}`);
}

/** RFC 5746 §3.2: renegotiation_info carrying renegotiated_connection (empty on an initial handshake). */
export function renegotiationInfoData(verifyData: Uint8Array): Uint8Array {
  return new Writer(1 + verifyData.length).opaque(1, verifyData).finish();
}
