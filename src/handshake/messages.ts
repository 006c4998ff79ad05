/**
 * One codec per handshake message, RFC 8446 §4. Decoders take the message
 * body (after the 4-byte header) and refuse trailing bytes.
 */
import { Reader, Writer } from '../codec.js';
import { TlsError } from '../errors.js';
import { HandshakeType as HT, HRR_RANDOM, TLS12 } from './constants.js';
import { decodeExtensions, encodeExtensions, type Extension } from './extensions.js';

/** Handshake { msg_type; uint24 length; body } (RFC 8446 §4). */
export function handshakeMessage(type: number, body: Uint8Array): Uint8Array {
  return new Writer(body.length + 4).u8(type).opaque(3, body).finish();
}

// --- ClientHello, §4.1.2 ---
/** The ClientHello fields that vary (RFC 8446 §4.1.2); legacy_version and compression are fixed. */
export interface ClientHello {
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuites: number[];
  extensions: Extension[];
}

/** Encodes a ClientHello (RFC 8446 §4.1.2) as a handshake message. */
export function encodeClientHello(ch: ClientHello): Uint8Array {
  const w = new Writer(512);
  w.u16(TLS12).bytes(ch.random).opaque(1, ch.sessionId);
  w.vec(2, (w) => ch.cipherSuites.forEach((s) => w.u16(s)));
  w.vec(1, (w) => w.u8(0)); // legacy_compression_methods: null only
  encodeExtensions(w, ch.extensions);
  return handshakeMessage(HT.client_hello, w.finish());
}

/** Decodes a ClientHello body (RFC 8446 §4.1.2); for RFC 8448 replays and test servers. */
export function decodeClientHello(body: Uint8Array): ClientHello {
  const r = new Reader(body, 'ClientHello');
  r.u16();
  const random = r.bytes(32);
  const sessionId = r.vec(1, 0, 32);
  const suites = r.sub(2, 'ClientHello', 2);
  if (suites.remaining % 2) throw new TlsError('DECODE_ERROR', 'malformed ClientHello');
  const cipherSuites: number[] = [];
  while (suites.remaining) cipherSuites.push(suites.u16());
  r.vec(1, 1);
  const extensions = decodeExtensions(r, 'ClientHello');
  r.end();
  return { random, sessionId, cipherSuites, extensions };
}

// --- ServerHello / HelloRetryRequest, §4.1.3, §4.1.4 ---
/** A ServerHello or HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4). */
export interface ServerHello {
  legacyVersion: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuite: number;
  compression: number;
  extensions: Extension[];
  /** A HelloRetryRequest is a ServerHello with the special random. */
  isHelloRetryRequest: boolean;
}

/** Decodes a ServerHello body and recognises a HelloRetryRequest by its random (RFC 8446 §4.1.3). */
export function decodeServerHello(body: Uint8Array): ServerHello {
  const r = new Reader(body, 'ServerHello');
  const legacyVersion = r.u16();
  const random = r.bytes(32);
  const sessionId = r.vec(1, 0, 32);
  const cipherSuite = r.u16();
  const compression = r.u8();
  // RFC 5246 §7.4.1.3: a pre-1.3 ServerHello may end here; the client still
  // checks its downgrade sentinel (RFC 8446 §4.1.3).
  const extensions = r.remaining === 0 ? [] : decodeExtensions(r, 'ServerHello');
  r.end();
  let hrr = true;
  for (let i = 0; i < 32; i++) if (random[i] !== HRR_RANDOM[i]) hrr = false;
  return { legacyVersion, random, sessionId, cipherSuite, compression, extensions, isHelloRetryRequest: hrr };
}

/** Encodes a ServerHello (RFC 8446 §4.1.3) as a handshake message; for test servers. */
export function encodeServerHello(sh: Omit<ServerHello, 'isHelloRetryRequest'>): Uint8Array {
  const w = new Writer(256);
  w.u16(sh.legacyVersion).bytes(sh.random).opaque(1, sh.sessionId).u16(sh.cipherSuite).u8(sh.compression);
  encodeExtensions(w, sh.extensions);
  return handshakeMessage(HT.server_hello, w.finish());
}

// --- EncryptedExtensions, §4.3.1 ---
/** Decodes an EncryptedExtensions body into its extensions (RFC 8446 §4.3.1). */
export function decodeEncryptedExtensions(body: Uint8Array): Extension[] {
  const r = new Reader(body, 'EncryptedExtensions');
  const exts = decodeExtensions(r, 'EncryptedExtensions');
  r.end();
  return exts;
}
/** Encodes EncryptedExtensions (RFC 8446 §4.3.1) as a handshake message; for test servers. */
export function encodeEncryptedExtensions(exts: readonly Extension[]): Uint8Array {
  const w = new Writer();
  encodeExtensions(w, exts);
  return handshakeMessage(HT.encrypted_extensions, w.finish());
}

// --- CertificateRequest, §4.3.2 ---
/** A CertificateRequest: its context and extensions (RFC 8446 §4.3.2). */
export interface CertificateRequest {
  context: Uint8Array;
  extensions: Extension[];
}
/** Decodes a CertificateRequest body (RFC 8446 §4.3.2). */
export function decodeCertificateRequest(body: Uint8Array): CertificateRequest {
  const r = new Reader(body, 'CertificateRequest');
  const context = r.vec(1);
  const extensions = decodeExtensions(r, 'CertificateRequest');
  r.end();
  return { context, extensions };
}
/** Encodes a CertificateRequest (RFC 8446 §4.3.2) as a handshake message; for test servers. */
export function encodeCertificateRequest(cr: CertificateRequest): Uint8Array {
  const w = new Writer().opaque(1, cr.context);
  encodeExtensions(w, cr.extensions);
  return handshakeMessage(HT.certificate_request, w.finish());
}

// --- Certificate, §4.4.2 ---
/** A CertificateEntry: one DER certificate and its extensions (RFC 8446 §4.4.2). */
export interface CertificateEntry {
  data: Uint8Array;
  extensions: Extension[];
}
/** A Certificate message: request context and certificate_list (RFC 8446 §4.4.2). */
export interface Certificate {
  context: Uint8Array;
  entries: CertificateEntry[];
}
/** Decodes a Certificate body (RFC 8446 §4.4.2); more than `maxEntries` entries is BAD_CERTIFICATE. */
export function decodeCertificate(body: Uint8Array, maxEntries = Infinity): Certificate {
  const r = new Reader(body, 'Certificate');
  const context = r.vec(1);
  const list = r.sub(3, 'Certificate');
  r.end();
  const entries: CertificateEntry[] = [];
  while (list.remaining) {
    if (entries.length >= maxEntries) {
      throw new TlsError('BAD_CERTIFICATE', `certificate_list longer than ${maxEntries}`);
    }
    const data = list.vec(3, 1);
    const extensions = decodeExtensions(list, 'CertificateEntry');
    entries.push({ data, extensions });
  }
  return { context, entries };
}
/** Encodes a Certificate (RFC 8446 §4.4.2) as a handshake message. */
export function encodeCertificate(c: Certificate): Uint8Array {
  const w = new Writer(1024).opaque(1, c.context);
  w.vec(3, (w) => {
    for (const e of c.entries) {
      w.opaque(3, e.data);
      encodeExtensions(w, e.extensions);
    }
  });
  return handshakeMessage(HT.certificate, w.finish());
}

// --- CertificateVerify, §4.4.3 ---
/** A CertificateVerify: signature scheme and signature (RFC 8446 §4.4.3). */
export interface CertificateVerify {
  scheme: number;
  signature: Uint8Array;
}
/** Decodes a CertificateVerify body (RFC 8446 §4.4.3). */
export function decodeCertificateVerify(body: Uint8Array): CertificateVerify {
  const r = new Reader(body, 'CertificateVerify');
  const scheme = r.u16();
  const signature = r.vec(2, 1);
  r.end();
  return { scheme, signature };
}
/** Encodes a CertificateVerify (RFC 8446 §4.4.3) as a handshake message. */
export function encodeCertificateVerify(cv: CertificateVerify): Uint8Array {
  return handshakeMessage(HT.certificate_verify, new Writer().u16(cv.scheme).opaque(2, cv.signature).finish());
}

// --- Finished, §4.4.4 ---
/** A Finished body: verify_data, which must be exactly the hash length (RFC 8446 §4.4.4). */
export function decodeFinished(body: Uint8Array, hashLen: number): Uint8Array {
  if (body.length !== hashLen) throw new TlsError('DECODE_ERROR', 'malformed Finished');
  return body;
}
/** Encodes Finished (RFC 8446 §4.4.4) as a handshake message. */
export const encodeFinished = (verifyData: Uint8Array): Uint8Array =>
  handshakeMessage(HT.finished, verifyData);

// --- NewSessionTicket, §4.6.1 ---
/** A NewSessionTicket (RFC 8446 §4.6.1). */
export interface NewSessionTicket {
  lifetime: number;
  ageAdd: number;
  nonce: Uint8Array;
  ticket: Uint8Array;
  extensions: Extension[];
}
/** Decodes a NewSessionTicket body (RFC 8446 §4.6.1). */
export function decodeNewSessionTicket(body: Uint8Array): NewSessionTicket {
  const r = new Reader(body, 'NewSessionTicket');
  const lifetime = r.u32();
  const ageAdd = r.u32();
  const nonce = r.vec(1);
  const ticket = r.vec(2, 1);
  const extensions = decodeExtensions(r, 'NewSessionTicket');
  r.end();
  return { lifetime, ageAdd, nonce, ticket, extensions };
}
/** Encodes a NewSessionTicket (RFC 8446 §4.6.1) as a handshake message; for test servers. */
export function encodeNewSessionTicket(t: NewSessionTicket): Uint8Array {
  const w = new Writer().u32(t.lifetime).u32(t.ageAdd).opaque(1, t.nonce).opaque(2, t.ticket);
  encodeExtensions(w, t.extensions);
  return handshakeMessage(HT.new_session_ticket, w.finish());
}

// --- KeyUpdate, §4.6.3 ---
/** Decodes a KeyUpdate body: true when the peer requests an update (RFC 8446 §4.6.3). */
export function decodeKeyUpdate(body: Uint8Array): boolean {
  const r = new Reader(body, 'KeyUpdate');
  const v = r.u8();
  r.end();
  // KeyUpdateRequest: update_not_requested(0), update_requested(1).
  if (v > 1) throw new TlsError('ILLEGAL_PARAMETER', 'invalid KeyUpdateRequest');
  return v === 1;
}
/** Encodes a KeyUpdate (RFC 8446 §4.6.3), asking the peer to update too when `requestUpdate`. */
export const encodeKeyUpdate = (requestUpdate: boolean): Uint8Array =>
  handshakeMessage(HT.key_update, Uint8Array.of(requestUpdate ? 1 : 0));

// --- EndOfEarlyData, §4.5 ---
/** Encodes EndOfEarlyData (RFC 8446 §4.5) as a handshake message. */
export const encodeEndOfEarlyData = (): Uint8Array => handshakeMessage(HT.end_of_early_data, new Uint8Array(0));
