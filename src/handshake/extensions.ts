/**
 * Extension codecs, RFC 8446 §4.2 (and RFC 6066, RFC 7301, RFC 8449).
 * Each decoder consumes exactly its extension_data or fails with decode_error.
 */
import { Reader, Writer, utf8 } from '../codec.js';
import { TlsError } from '../errors.js';
import { ExtensionType as ET } from './constants.js';

/** One extension: its type and raw extension_data (RFC 8446 §4.2). */
export interface Extension {
  readonly type: number;
  readonly data: Uint8Array;
}

/** Extension extensions<0..2^16-1>; duplicates are refused (RFC 8446 §4.2). */
export function decodeExtensions(r: Reader, what: string): Extension[] {
  const list = r.sub(2, `${what} extensions`);
  const out: Extension[] = [];
  const seen = new Set<number>();
  while (list.remaining > 0) {
    const type = list.u16();
    const data = list.vec(2);
    if (seen.has(type)) {
      throw new TlsError('ILLEGAL_PARAMETER', `duplicate extension ${type} in ${what}`);
    }
    seen.add(type);
    out.push({ type, data });
  }
  return out;
}

/** Writes Extension extensions<0..2^16-1> (RFC 8446 §4.2). */
export function encodeExtensions(w: Writer, exts: readonly Extension[]): void {
  w.vec(2, (w) => {
    for (const e of exts) w.u16(e.type).opaque(2, e.data);
  });
}

/** The extension_data of the extension of this type, or undefined. */
export const findExtension = (exts: readonly Extension[], type: number): Uint8Array | undefined =>
  exts.find((e) => e.type === type)?.data;

const build = (type: number, body: (w: Writer) => void): Extension => {
  const w = new Writer(64);
  body(w);
  return { type, data: w.finish() };
};

// --- server_name, RFC 6066 §3 ---
/** server_name with one host_name entry (RFC 6066 §3). */
export const serverNameExt = (host: string): Extension =>
  build(ET.server_name, (w) => w.vec(2, (w) => w.u8(0).opaque(2, utf8(host))));

// --- supported_versions, RFC 8446 §4.2.1 ---
/** ClientHello supported_versions: the versions we offer (RFC 8446 §4.2.1). */
export const supportedVersionsExt = (versions: readonly number[]): Extension =>
  build(ET.supported_versions, (w) => w.vec(1, (w) => versions.forEach((v) => w.u16(v))));
/** ServerHello supported_versions: the selected version (RFC 8446 §4.2.1). */
export function decodeSelectedVersion(data: Uint8Array): number {
  const r = new Reader(data, 'supported_versions');
  const v = r.u16();
  r.end();
  return v;
}

// --- supported_groups, RFC 8446 §4.2.7 ---
/** supported_groups: NamedGroup code points in preference order (RFC 8446 §4.2.7). */
export const supportedGroupsExt = (groups: readonly number[]): Extension =>
  build(ET.supported_groups, (w) => w.vec(2, (w) => groups.forEach((g) => w.u16(g))));
/** A non-empty list of uint16 code points with a `lenBytes` length prefix (e.g. supported_groups, signature_algorithms). */
export function decodeU16List(data: Uint8Array, what: string, lenBytes: 1 | 2 = 2): number[] {
  const r = new Reader(data, what);
  const list = r.sub(lenBytes, what, 2);
  r.end();
  if (list.remaining % 2) throw new TlsError('DECODE_ERROR', `malformed ${what}`);
  const out: number[] = [];
  while (list.remaining) out.push(list.u16());
  return out;
}

// --- key_share, RFC 8446 §4.2.8 ---
/** KeyShareEntry: a group and its key_exchange bytes (RFC 8446 §4.2.8). */
export interface KeyShareEntry {
  readonly group: number;
  readonly keyExchange: Uint8Array;
}
/** KeyShareClientHello: our key shares, in preference order (RFC 8446 §4.2.8). */
export const keyShareClientExt = (shares: readonly KeyShareEntry[]): Extension =>
  build(ET.key_share, (w) =>
    w.vec(2, (w) => shares.forEach((s) => w.u16(s.group).opaque(2, s.keyExchange))),
  );
/** KeyShareServerHello: one entry with a non-empty key_exchange. */
export function decodeServerKeyShare(data: Uint8Array): KeyShareEntry {
  const r = new Reader(data, 'key_share');
  const group = r.u16();
  const keyExchange = r.vec(2, 1);
  r.end();
  return { group, keyExchange };
}
/** KeyShareHelloRetryRequest: just the selected group. */
export function decodeHrrKeyShare(data: Uint8Array): number {
  const r = new Reader(data, 'key_share');
  const g = r.u16();
  r.end();
  return g;
}

// --- signature_algorithms(_cert), RFC 8446 §4.2.3 ---
/** signature_algorithms or signature_algorithms_cert (per `type`): SignatureScheme code points (RFC 8446 §4.2.3). */
export const signatureAlgorithmsExt = (type: number, schemes: readonly number[]): Extension =>
  build(type, (w) => w.vec(2, (w) => schemes.forEach((s) => w.u16(s))));

// --- ALPN, RFC 7301 §3.1 ---
/** application_layer_protocol_negotiation: the protocols we offer (RFC 7301 §3.1). */
export const alpnExt = (protocols: readonly string[]): Extension =>
  build(ET.application_layer_protocol_negotiation, (w) =>
    w.vec(2, (w) => protocols.forEach((p) => w.opaque(1, utf8(p)))),
  );
/** The server's answer: exactly one non-empty protocol name. */
export function decodeServerAlpn(data: Uint8Array): Uint8Array {
  const r = new Reader(data, 'application_layer_protocol_negotiation');
  const list = r.sub(2);
  r.end();
  const name = list.vec(1, 1);
  list.end();
  return name;
}

// --- psk_key_exchange_modes, RFC 8446 §4.2.9 ---
/** PskKeyExchangeMode psk_dhe_ke: PSK with (EC)DHE, the only mode we offer (RFC 8446 §4.2.9). */
export const PSK_DHE_KE = 1;
/** psk_key_exchange_modes (RFC 8446 §4.2.9). */
export const pskModesExt = (modes: readonly number[]): Extension =>
  build(ET.psk_key_exchange_modes, (w) => w.vec(1, (w) => modes.forEach((m) => w.u8(m))));

// --- pre_shared_key, RFC 8446 §4.2.11 ---
/** PskIdentity: a ticket and its obfuscated_ticket_age (RFC 8446 §4.2.11). */
export interface PskIdentity {
  readonly identity: Uint8Array;
  readonly obfuscatedTicketAge: number;
}
/** OfferedPsks with binders; returns the extension and the binders' encoded length. */
export function preSharedKeyExt(
  identities: readonly PskIdentity[],
  binders: readonly Uint8Array[],
): Extension {
  return build(ET.pre_shared_key, (w) => {
    w.vec(2, (w) => identities.forEach((i) => w.opaque(2, i.identity).u32(i.obfuscatedTicketAge)));
    w.vec(2, (w) => binders.forEach((b) => w.opaque(1, b)));
  });
}
/** The length of the encoded binders list, which the truncated hello omits (§4.2.11.2). */
export const bindersLength = (binders: readonly Uint8Array[]): number =>
  2 + binders.reduce((n, b) => n + 1 + b.length, 0);
/** ServerHello pre_shared_key: the index of the identity the server chose (RFC 8446 §4.2.11). */
export function decodeSelectedIdentity(data: Uint8Array): number {
  const r = new Reader(data, 'pre_shared_key');
  const v = r.u16();
  r.end();
  return v;
}

// --- early_data, RFC 8446 §4.2.10 ---
/** The empty early_data extension of a ClientHello that sends 0-RTT data (RFC 8446 §4.2.10). */
export const earlyDataExt = (): Extension => ({ type: ET.early_data, data: new Uint8Array(0) });
/** NewSessionTicket early_data: max_early_data_size (RFC 8446 §4.2.10). */
export function decodeMaxEarlyData(data: Uint8Array): number {
  const r = new Reader(data, 'early_data');
  const v = r.u32();
  r.end();
  return v;
}

// --- cookie, RFC 8446 §4.2.2 ---
/** HelloRetryRequest cookie: its non-empty value (RFC 8446 §4.2.2). */
export function decodeCookie(data: Uint8Array): Uint8Array {
  const r = new Reader(data, 'cookie');
  const c = r.vec(2, 1);
  r.end();
  return c;
}
/** cookie: echoes the HelloRetryRequest's cookie in the second ClientHello (RFC 8446 §4.2.2). */
export const cookieExt = (cookie: Uint8Array): Extension =>
  build(ET.cookie, (w) => w.opaque(2, cookie));

// --- record_size_limit, RFC 8449 §4 ---
/** record_size_limit: the largest record plaintext we accept (RFC 8449 §4). */
export const recordSizeLimitExt = (limit: number): Extension =>
  build(ET.record_size_limit, (w) => w.u16(limit));
/** The server's record_size_limit (RFC 8449 §4); below 64 is illegal_parameter. */
export function decodeRecordSizeLimit(data: Uint8Array): number {
  const r = new Reader(data, 'record_size_limit');
  const v = r.u16();
  r.end();
  // RFC 8449 §4: values below 64 are illegal_parameter.
  if (v < 64) throw new TlsError('ILLEGAL_PARAMETER', 'record_size_limit below 64');
  return v;
}

/** An extension whose extension_data must be empty. */
export function expectEmpty(data: Uint8Array, what: string): void {
  if (data.length !== 0) throw new TlsError('DECODE_ERROR', `malformed ${what}`);
}

/** certificate_authorities, RFC 8446 §4.2.4: DistinguishedName authorities<3..2^16-1>. */
export function decodeCertificateAuthorities(data: Uint8Array): Uint8Array[] {
  const r = new Reader(data, 'certificate_authorities');
  const list = r.sub(2, 'certificate_authorities', 3);
  r.end();
  const out: Uint8Array[] = [];
  while (list.remaining) out.push(list.vec(2, 1));
  return out;
}
