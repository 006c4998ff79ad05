/**
 * The X.509 fields the verifier reads (RFC 5280 §4.1, §4.2.1), decoded from
 * DER with the strict reader of crypto/der.ts: no ASN.1 schema library.
 *
 * Every failure is a TlsError CERT_INVALID ("malformed DER: ...").
 */
import { utf8Decode } from '../codec.js';
import { contextTag, DerReader, Tag, type DerElement } from '../crypto/der.js';
import { TlsError } from '../errors.js';
import { hex } from './bytes.js';

const CODE = 'CERT_INVALID';

/** Universal string and time tags (X.680 §8.4) that certificates use. */
export const StringTag = {
  UTF8: 0x0c,
  PRINTABLE: 0x13,
  TELETEX: 0x14,
  IA5: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL: 0x1c,
  BMP: 0x1e,
} as const;

/** A reader over `bytes` that fails with CERT_INVALID. */
export function certReader(bytes: Uint8Array): DerReader {
  return new DerReader(bytes, CODE);
}

function malformed(what: string): TlsError {
  return new TlsError(CODE, `malformed DER: ${what}`);
}

/** The content of a DER-encoded value that must be the only thing in `bytes` (an extension's extnValue). */
function single(bytes: Uint8Array, tag: number, what: string): DerElement {
  const r = certReader(bytes);
  const el = r.expect(tag, what);
  r.end(what);
  return el;
}

/** BOOLEAN (X.690 §11.1: DER encodes TRUE as 0xFF). */
export function readBoolean(el: DerElement): boolean {
  if (el.value.length !== 1 || (el.value[0] !== 0 && el.value[0] !== 0xff)) throw malformed('BOOLEAN');
  return el.value[0] === 0xff;
}

/**
 * A named-bit BIT STRING as a number: bit n of the ASN.1 definition (the
 * first content bit is bit 0) is 2^n, so KeyUsage digitalSignature is 1 and
 * keyCertSign 32. Bits past 31 are ignored.
 */
export function namedBits(el: DerElement): number {
  const v = el.value;
  if (v.length === 0) throw malformed('empty BIT STRING');
  const unused = v[0]!;
  if (unused > 7 || (v.length === 1 && unused !== 0)) throw malformed('BIT STRING unused bits');
  const bits = (v.length - 1) * 8 - unused;
  let n = 0;
  for (let i = 0; i < Math.min(bits, 32); i++) {
    if (v[1 + (i >> 3)]! & (0x80 >> (i & 7))) n += 2 ** i;
  }
  return n;
}

function digits(s: string, from: number, len: number): number {
  let n = 0;
  for (let i = from; i < from + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    n = n * 10 + c;
  }
  return n;
}

/**
 * Time ::= UTCTime | GeneralizedTime in the RFC 5280 §4.1.2.5 profile:
 * YYMMDDHHMMSSZ (years 50-99 are 19xx) or YYYYMMDDHHMMSSZ, always in UTC,
 * with seconds and without fractions.
 */
export function readTime(r: DerReader): Date {
  const el = r.read();
  let s = '';
  for (const b of el.value) s += String.fromCharCode(b);
  let year: number;
  let rest: string;
  if (el.tag === StringTag.UTC_TIME && s.length === 13) {
    const yy = digits(s, 0, 2);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    rest = s.slice(2);
  } else if (el.tag === StringTag.GENERALIZED_TIME && s.length === 15) {
    year = digits(s, 0, 4);
    rest = s.slice(4);
  } else {
    throw malformed('Time (RFC 5280 §4.1.2.5 wants YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ)');
  }
  const [mo, d, h, mi, sec] = [0, 2, 4, 6, 8].map((i) => digits(rest, i, 2)) as [number, number, number, number, number];
  if (rest[10] !== 'Z' || [year, mo, d, h, mi, sec].some(Number.isNaN)) throw malformed('Time');
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, sec));
  date.setUTCFullYear(year);
  // Date.UTC rolls over out-of-range fields; a valid time survives the round trip.
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || sec > 59 || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) {
    throw malformed('Time out of range');
  }
  return date;
}

/** One AttributeValue (X.520) as parseName needs it: decoded text for string types, else the raw TLV. */
export type AttributeValue =
  | { readonly kind: 'directory'; readonly text: string }
  | { readonly kind: 'ia5'; readonly text: string }
  | { readonly kind: 'other'; readonly raw: Uint8Array };

function latin1(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

function utf16be(b: Uint8Array, width: 2 | 4): string {
  if (b.length % width) throw malformed(width === 2 ? 'BMPString length' : 'UniversalString length');
  let s = '';
  for (let i = 0; i < b.length; i += width) {
    const cp = width === 2 ? (b[i]! << 8) | b[i + 1]! : ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
    s += width === 2 || cp <= 0xffff ? String.fromCharCode(cp) : cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
  }
  return s;
}

/** Decodes an AttributeValue: the DirectoryString choices (RFC 5280 §4.1.2.4), IA5String, or anything else as bytes. */
export function attributeValue(el: DerElement): AttributeValue {
  switch (el.tag) {
    case StringTag.UTF8:
      // Invalid UTF-8 keeps its bytes as Latin-1 text, so distinct names stay distinct.
      return { kind: 'directory', text: utf8Decode(el.value) ?? latin1(el.value) };
    case StringTag.PRINTABLE:
    case StringTag.TELETEX:
      return { kind: 'directory', text: latin1(el.value) };
    case StringTag.BMP:
      return { kind: 'directory', text: utf16be(el.value, 2) };
    case StringTag.UNIVERSAL:
      return { kind: 'directory', text: utf16be(el.value, 4) };
    case StringTag.IA5:
      return { kind: 'ia5', text: latin1(el.value) };
    default:
      return { kind: 'other', raw: el.raw };
  }
}

/** One Extension (RFC 5280 §4.1): its OID, criticality and the DER inside extnValue. */
export interface Extension {
  readonly id: string;
  readonly critical: boolean;
  readonly value: Uint8Array;
}

/** The fields of a TBSCertificate beyond the byte ranges cert.ts cuts out itself. */
export interface TbsFields {
  /** The version field as encoded: 0 for v1 (also when absent), 2 for v3. */
  readonly version: number;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: readonly Extension[];
}

/** Reads a TBSCertificate (RFC 5280 §4.1): version, validity and extensions, checking the rest is well-formed. */
export function readTbs(tbsValue: Uint8Array): TbsFields {
  const r = certReader(tbsValue);
  const v = r.optional(contextTag(0));
  let version = 0;
  if (v) {
    const vr = certReader(v.value);
    version = vr.smallInteger('version');
    vr.end('version');
  }
  r.expect(Tag.INTEGER, 'serialNumber');
  r.expect(Tag.SEQUENCE, 'signature');
  r.expect(Tag.SEQUENCE, 'issuer');
  const validity = r.sequence(Tag.SEQUENCE, 'validity');
  const notBefore = readTime(validity);
  const notAfter = readTime(validity);
  validity.end('validity');
  r.expect(Tag.SEQUENCE, 'subject');
  r.expect(Tag.SEQUENCE, 'subjectPublicKeyInfo');
  r.optional(contextTag(1, false)); // issuerUniqueID
  r.optional(contextTag(2, false)); // subjectUniqueID
  const extensions: Extension[] = [];
  const ex = r.optional(contextTag(3));
  if (ex) {
    const outer = certReader(ex.value);
    const list = outer.sequence(Tag.SEQUENCE, 'Extensions');
    outer.end('Extensions');
    while (list.hasMore()) {
      const e = list.sequence(Tag.SEQUENCE, 'Extension');
      const id = e.oid();
      const crit = e.optional(Tag.BOOLEAN);
      const value = e.octetString();
      e.end('Extension');
      extensions.push({ id, critical: crit ? readBoolean(crit) : false, value });
    }
  }
  r.end('TBSCertificate');
  return { version, notBefore, notAfter, extensions };
}

/** BasicConstraints (RFC 5280 §4.2.1.9). */
export function readBasicConstraints(value: Uint8Array): { cA: boolean; pathLen?: number } {
  const r = certReader(single(value, Tag.SEQUENCE, 'BasicConstraints').value);
  const ca = r.optional(Tag.BOOLEAN);
  const cA = ca ? readBoolean(ca) : false;
  const pathLen = r.hasMore() ? r.smallInteger('pathLenConstraint') : undefined;
  r.end('BasicConstraints');
  return pathLen === undefined ? { cA } : { cA, pathLen };
}

/** KeyUsage (RFC 5280 §4.2.1.3) as a number of named bits ({@link namedBits}). */
export function readKeyUsage(value: Uint8Array): number {
  return namedBits(single(value, Tag.BIT_STRING, 'KeyUsage'));
}

/** ExtendedKeyUsage (RFC 5280 §4.2.1.12): the KeyPurposeId OIDs. */
export function readExtKeyUsage(value: Uint8Array): string[] {
  const r = certReader(single(value, Tag.SEQUENCE, 'ExtKeyUsageSyntax').value);
  const out: string[] = [];
  while (r.hasMore()) out.push(r.oid());
  return out;
}

/** SubjectKeyIdentifier (RFC 5280 §4.2.1.2) as lowercase hex. */
export function readSubjectKeyId(value: Uint8Array): string {
  return hex(single(value, Tag.OCTET_STRING, 'SubjectKeyIdentifier').value);
}

/** The keyIdentifier of an AuthorityKeyIdentifier (RFC 5280 §4.2.1.1) as lowercase hex, if present. */
export function readAuthorityKeyId(value: Uint8Array): string | undefined {
  const r = certReader(single(value, Tag.SEQUENCE, 'AuthorityKeyIdentifier').value);
  const keyId = r.optional(contextTag(0, false));
  r.optional(contextTag(1)); // authorityCertIssuer
  r.optional(contextTag(2, false)); // authorityCertSerialNumber
  r.end('AuthorityKeyIdentifier');
  return keyId ? hex(keyId.value) : undefined;
}
