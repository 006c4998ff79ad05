/**
 * One X.509 certificate, parsed into the fields path validation needs.
 *
 * Read with the strict DER reader (crypto/der.ts, x509.ts): the signed
 * bytes, names and key are cut from the DER directly (a re-encoding could
 * differ from what was signed), and GeneralNames are read byte-exact because
 * name checks must see exactly what the CA wrote.
 */
import { base64Encode } from '../crypto/pem.js';
import { TlsError } from '../errors.js';
import { contextTag, DerReader, Tag } from '../crypto/der.js';
import { equalBytes } from './bytes.js';
import { parseName, type ParsedName } from './dn.js';
import {
  readAuthorityKeyId,
  readBasicConstraints,
  readExtKeyUsage,
  readKeyUsage,
  readSubjectKeyId,
  readTbs,
  type TbsFields,
} from './x509.js';

/** A GeneralName (RFC 5280 §4.2.1.6) as read byte-exact from the certificate; unsupported forms keep only their tag. */
export type GeneralName =
  | { readonly kind: 'dns'; readonly value: string }
  | { readonly kind: 'email'; readonly value: string }
  | { readonly kind: 'uri'; readonly value: string }
  | { readonly kind: 'ip'; readonly bytes: Uint8Array }
  | { readonly kind: 'dn'; readonly name: ParsedName }
  | { readonly kind: 'other'; readonly tag: number };

/** The NameConstraints extension: permitted and excluded subtrees (RFC 5280 §4.2.1.10). */
export interface NameConstraints {
  readonly permitted: readonly GeneralName[];
  readonly excluded: readonly GeneralName[];
}

/** KeyUsage digitalSignature (RFC 5280 §4.2.1.3): named bit n is 2^n. */
export const KU_DIGITAL_SIGNATURE = 1;
/** KeyUsage keyCertSign (RFC 5280 §4.2.1.3): named bit 5. */
export const KU_KEY_CERT_SIGN = 32;

/** id-kp-serverAuth, the ExtendedKeyUsage a TLS server certificate needs (RFC 5280 §4.2.1.12). */
export const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
/** anyExtendedKeyUsage (RFC 5280 §4.2.1.12). */
export const OID_ANY_EKU = '2.5.29.37.0';

/** The fields of an X.509 certificate that path validation uses (RFC 5280 §4.1). */
export interface ParsedCert {
  readonly der: Uint8Array;
  /** The signed bytes (RFC 5280 §4.1.1.1). */
  readonly tbs: Uint8Array;
  /** DER AlgorithmIdentifier of the signature (RFC 5280 §4.1.1.2). */
  readonly sigAlg: Uint8Array;
  readonly signature: Uint8Array;
  /** 1, 2 or 3. */
  readonly version: number;
  readonly issuer: ParsedName;
  readonly subject: ParsedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  /** Issuer and subject names match (RFC 5280 §6.1: "self-issued"). */
  readonly selfIssued: boolean;
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLen?: number };
  readonly keyUsage?: number;
  readonly extKeyUsage?: readonly string[];
  readonly subjectAltNames?: readonly GeneralName[];
  readonly nameConstraints?: NameConstraints;
  readonly subjectKeyId?: string;
  readonly authorityKeyId?: string;
  /** Critical extensions this validator does not process. */
  readonly unknownCritical: readonly string[];
}

const EXT = {
  subjectKeyId: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  certificatePolicies: '2.5.29.32',
  authorityKeyId: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
} as const;

/**
 * certificatePolicies is understood in the sense of RFC 5280 §6.1 run with
 * user-initial-policy-set = anyPolicy and no explicit policy required: it
 * cannot fail such a path. policyConstraints, policyMappings and
 * inhibitAnyPolicy could, so those stay unknown and fail when critical.
 */
const UNDERSTOOD = new Set<string>(Object.values(EXT));

function invalid(message: string, subject?: string, cause?: unknown): TlsError {
  return new TlsError('CERT_INVALID', message, {
    detail: subject === undefined ? undefined : `certificate: ${subject}`,
    cause,
  });
}

/** IA5String content (RFC 5280 §4.2.1.6): 7-bit ASCII only. */
function ia5(bytes: Uint8Array, what: string): string {
  let s = '';
  for (const b of bytes) {
    if (b > 0x7f) throw invalid(`${what} is not ASCII (RFC 5280 §7.2 requires A-labels)`);
    s += String.fromCharCode(b);
  }
  return s;
}

/** One GeneralName (RFC 5280 §4.2.1.6). */
function readGeneralName(r: DerReader): GeneralName {
  const el = r.read();
  switch (el.tag) {
    case contextTag(1, false):
      return { kind: 'email', value: ia5(el.value, 'rfc822Name') };
    case contextTag(2, false):
      return { kind: 'dns', value: ia5(el.value, 'dNSName') };
    case contextTag(6, false):
      return { kind: 'uri', value: ia5(el.value, 'URI') };
    case contextTag(7, false):
      return { kind: 'ip', bytes: el.value };
    case contextTag(4): {
      // directoryName is EXPLICIT because Name is a CHOICE (X.680 §31.2.7).
      const inner = new DerReader(el.value, r.code);
      const name = inner.expect(Tag.SEQUENCE, 'Name');
      inner.end('directoryName');
      return { kind: 'dn', name: parseName(name.raw) };
    }
    default:
      return { kind: 'other', tag: el.tag };
  }
}

function parseSan(value: Uint8Array): GeneralName[] {
  const top = new DerReader(value, 'CERT_INVALID');
  const r = top.sequence(Tag.SEQUENCE, 'GeneralNames');
  top.end('subjectAltName');
  const out: GeneralName[] = [];
  while (r.hasMore()) out.push(readGeneralName(r));
  if (out.length === 0) throw invalid('empty subjectAltName'); // RFC 5280 §4.2.1.6: SIZE (1..MAX)
  for (const n of out) {
    if (n.kind === 'ip' && n.bytes.length !== 4 && n.bytes.length !== 16) {
      throw invalid('iPAddress in subjectAltName must be 4 or 16 bytes');
    }
  }
  return out;
}

function parseSubtrees(r: DerReader): GeneralName[] {
  const out: GeneralName[] = [];
  while (r.hasMore()) {
    const st = r.sequence(Tag.SEQUENCE, 'GeneralSubtree');
    const base = readGeneralName(st);
    // RFC 5280 §4.2.1.10: minimum MUST be zero and maximum MUST be absent.
    if (st.hasMore()) throw invalid('name constraint with minimum/maximum');
    out.push(base);
  }
  if (out.length === 0) throw invalid('empty GeneralSubtrees in nameConstraints');
  return out;
}

function parseNameConstraints(value: Uint8Array): NameConstraints {
  const top = new DerReader(value, 'CERT_INVALID');
  const r = top.sequence(Tag.SEQUENCE, 'NameConstraints');
  top.end('nameConstraints');
  const p = r.optional(contextTag(0));
  const e = r.optional(contextTag(1));
  r.end('NameConstraints');
  // RFC 5280 §4.2.1.10: the extension MUST NOT be an empty sequence.
  if (!p && !e) throw invalid('empty nameConstraints');
  const permitted = p ? parseSubtrees(new DerReader(p.value, 'CERT_INVALID')) : [];
  const excluded = e ? parseSubtrees(new DerReader(e.value, 'CERT_INVALID')) : [];
  for (const n of [...permitted, ...excluded]) {
    if (n.kind === 'ip' && ((n.bytes.length !== 8 && n.bytes.length !== 32) || !contiguousMask(n.bytes))) {
      throw invalid('iPAddress name constraint must be an address and a contiguous mask (8 or 32 bytes)');
    }
  }
  return { permitted, excluded };
}

/** RFC 5280 §4.2.1.10 masks are CIDR-style: ones, then zeros. */
function contiguousMask(bytes: Uint8Array): boolean {
  let zero = false;
  for (const b of bytes.subarray(bytes.length / 2)) {
    for (let bit = 0x80; bit > 0; bit >>= 1) {
      if ((b & bit) === 0) zero = true;
      else if (zero) return false;
    }
  }
  return true;
}

interface RawParts {
  tbs: Uint8Array;
  sigAlg: Uint8Array;
  innerAlg: Uint8Array;
  signature: Uint8Array;
  issuer: Uint8Array;
  subject: Uint8Array;
  spki: Uint8Array;
}

/** Cuts the signed and identifying byte ranges out of the DER (RFC 5280 §4.1). */
function rawParts(der: Uint8Array): RawParts {
  const top = new DerReader(der, 'CERT_INVALID');
  const cert = top.sequence(Tag.SEQUENCE, 'Certificate');
  top.end('Certificate');
  const tbsEl = cert.expect(Tag.SEQUENCE, 'TBSCertificate');
  const outerAlg = cert.expect(Tag.SEQUENCE, 'AlgorithmIdentifier').raw;
  const signature = cert.bitStringBytes();
  cert.end('Certificate');
  const tbs = new DerReader(tbsEl.value, 'CERT_INVALID');
  tbs.optional(contextTag(0)); // version
  tbs.expect(Tag.INTEGER, 'serialNumber');
  const innerAlg = tbs.expect(Tag.SEQUENCE, 'AlgorithmIdentifier').raw;
  const issuer = tbs.expect(Tag.SEQUENCE, 'issuer').raw;
  tbs.expect(Tag.SEQUENCE, 'validity');
  const subject = tbs.expect(Tag.SEQUENCE, 'subject').raw;
  const spki = tbs.expect(Tag.SEQUENCE, 'subjectPublicKeyInfo').raw;
  return { tbs: tbsEl.raw, sigAlg: outerAlg, innerAlg, signature, issuer, subject, spki };
}

/** The SubjectPublicKeyInfo DER of a certificate (used for CertificateVerify). */
export function spkiOfCertificate(der: Uint8Array): Uint8Array {
  return rawParts(der).spki;
}

/** The DER subject Name of a certificate, without parsing the rest. */
export function subjectOfCertificate(der: Uint8Array): Uint8Array {
  return rawParts(der).subject;
}

/**
 * Parsed certificates by DER: a server sends the same chain on every
 * connection, and the ASN.1 parse is most of a handshake's CPU.
 */
const parsedCache = new Map<string, ParsedCert>();
const PARSED_CACHE_SIZE = 256;

/** Parses a DER certificate; throws TlsError CERT_INVALID when it is malformed. */
export function parseCertificate(der: Uint8Array): ParsedCert {
  const id = base64Encode(der);
  const hit = parsedCache.get(id);
  if (hit) {
    // Refresh: Map order is the eviction order.
    parsedCache.delete(id);
    parsedCache.set(id, hit);
    return hit;
  }
  // A copy: the cache must not keep (or see changes to) the caller's buffer.
  // new Uint8Array() copies even a Buffer, whose slice() would be a view of the caller's memory.
  const cert = parseUncached(new Uint8Array(der));
  parsedCache.set(id, cert);
  if (parsedCache.size > PARSED_CACHE_SIZE) parsedCache.delete(parsedCache.keys().next().value!);
  return cert;
}

function parseUncached(der: Uint8Array): ParsedCert {
  const raw = rawParts(der);
  let tbs: TbsFields;
  let subject: ParsedName;
  let issuer: ParsedName;
  try {
    tbs = readTbs(new DerReader(raw.tbs, 'CERT_INVALID').expect(Tag.SEQUENCE, 'TBSCertificate').value);
    subject = parseName(raw.subject);
    issuer = parseName(raw.issuer);
  } catch (cause) {
    if (cause instanceof TlsError) throw cause;
    throw invalid('malformed certificate', undefined, cause);
  }
  // RFC 5280 §4.1.1.2: the two signature algorithm fields MUST be identical.
  if (!equalBytes(raw.sigAlg, raw.innerAlg)) {
    throw invalid('signatureAlgorithm differs from tbsCertificate.signature', subject.text);
  }
  const version = tbs.version + 1;
  const exts = tbs.extensions;
  if (version < 1 || version > 3) throw invalid(`unknown certificate version ${version}`, subject.text);
  if (exts.length > 0 && version !== 3) throw invalid('extensions in a v1/v2 certificate', subject.text);

  const fields: {
    basicConstraints?: { ca: boolean; pathLen?: number };
    keyUsage?: number;
    extKeyUsage?: string[];
    subjectAltNames?: GeneralName[];
    nameConstraints?: NameConstraints;
    subjectKeyId?: string;
    authorityKeyId?: string;
  } = {};
  const unknownCritical: string[] = [];
  const seen = new Set<string>();
  try {
    for (const ext of exts) {
      // RFC 5280 §4.2: a certificate MUST NOT include more than one instance of an extension.
      if (seen.has(ext.id)) throw invalid(`duplicate extension ${ext.id}`);
      seen.add(ext.id);
      const value = ext.value;
      switch (ext.id) {
        case EXT.basicConstraints: {
          const bc = readBasicConstraints(value);
          // RFC 5280 §4.2.1.9: pathLenConstraint only makes sense with cA.
          if (bc.pathLen !== undefined && !bc.cA) {
            throw invalid('pathLenConstraint without cA');
          }
          fields.basicConstraints = bc.pathLen === undefined ? { ca: bc.cA } : { ca: bc.cA, pathLen: bc.pathLen };
          break;
        }
        case EXT.keyUsage:
          fields.keyUsage = readKeyUsage(value);
          break;
        case EXT.extKeyUsage: {
          const eku = readExtKeyUsage(value);
          if (eku.length === 0) throw invalid('empty extKeyUsage');
          fields.extKeyUsage = eku;
          break;
        }
        case EXT.subjectAltName:
          fields.subjectAltNames = parseSan(value);
          break;
        case EXT.nameConstraints:
          fields.nameConstraints = parseNameConstraints(value);
          break;
        case EXT.subjectKeyId:
          fields.subjectKeyId = readSubjectKeyId(value);
          break;
        case EXT.authorityKeyId: {
          const aki = readAuthorityKeyId(value);
          if (aki !== undefined) fields.authorityKeyId = aki;
          break;
        }
        default:
          if (ext.critical && !UNDERSTOOD.has(ext.id)) unknownCritical.push(ext.id);
      }
    }
  } catch (cause) {
    if (cause instanceof TlsError) {
      throw new TlsError(cause.code, cause.message, { detail: `certificate: ${subject.text}` });
    }
    throw invalid('malformed extension', subject.text, cause);
  }

  return {
    der,
    tbs: raw.tbs,
    sigAlg: raw.sigAlg,
    signature: raw.signature,
    version,
    issuer,
    subject,
    notBefore: tbs.notBefore,
    notAfter: tbs.notAfter,
    spki: raw.spki,
    selfIssued: issuer.key === subject.key,
    unknownCritical,
    ...fields,
  };
}
