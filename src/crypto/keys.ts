/**
 * Parsers for the key formats the signature code needs, on der.ts's strict
 * reader: SubjectPublicKeyInfo (RFC 5280 §4.1), PKCS#8 (RFC 5208 / RFC 5958),
 * PKCS#1 RSA keys (RFC 8017 §A.1), SEC1 ECPrivateKey (RFC 5915) and
 * RSASSA-PSS parameters (RFC 4055).
 */
import { TlsError, type ErrorCode } from '../errors.js';
import { bitLength, contextTag, DerReader, Tag } from './der.js';
import type { HashName } from './provider.js';

// ---------------------------------------------------------------- OIDs

/** Dotted-decimal OIDs of the key and hash algorithms the parsers recognise. */
export const Oid = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ecPublicKey: '1.2.840.10045.2.1',
  prime256v1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
  secp521r1: '1.3.132.0.35',
  ed25519: '1.3.101.112',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;

/** The NIST curves of the EC keys puretls accepts, by their WebCrypto names. */
export type EcCurve = 'P-256' | 'P-384' | 'P-521';

/** Field element size in bytes per curve (SEC 1 §2.3.5). */
export const EC_FIELD_BYTES: Record<EcCurve, number> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };

const curveByOid = new Map<string, EcCurve>([
  [Oid.prime256v1, 'P-256'],
  [Oid.secp384r1, 'P-384'],
  [Oid.secp521r1, 'P-521'],
]);

/** SHA-1 only appears as the RFC 4055 default; we parse it so we can refuse it by name. */
export type PssHash = HashName | 'SHA-1';

const hashByOid = new Map<string, PssHash>([
  [Oid.sha1, 'SHA-1'],
  [Oid.sha256, 'SHA-256'],
  [Oid.sha384, 'SHA-384'],
  [Oid.sha512, 'SHA-512'],
]);

// ---------------------------------------------------------------- key types

/** RSASSA-PSS-params from an id-RSASSA-PSS key (RFC 4055 §3.1). */
export interface PssParams {
  readonly hash: PssHash;
  readonly mgfHash: PssHash;
  /** In a key this is the minimum salt length signatures may use. */
  readonly saltLength: number;
}

/** A parsed SubjectPublicKeyInfo (RFC 5280 §4.1.2.7): RSA, RSASSA-PSS (RFC 4055), EC (RFC 5480) or Ed25519 (RFC 8410). */
export type PublicKeyInfo =
  | { readonly kind: 'rsa'; readonly n: bigint; readonly e: bigint; readonly modulusBits: number }
  | {
      readonly kind: 'rsa-pss';
      readonly n: bigint;
      readonly e: bigint;
      readonly modulusBits: number;
      /** Absent when the key carries no restrictions. */
      readonly params?: PssParams;
    }
  | { readonly kind: 'ec'; readonly curve: EcCurve; readonly point: Uint8Array }
  | { readonly kind: 'ed25519'; readonly key: Uint8Array };

/** An RSA public key: modulus n and public exponent e (RFC 8017 §3.1). */
export interface RsaPublicKey {
  readonly n: bigint;
  readonly e: bigint;
}

/** Two-prime private key with CRT values (RFC 8017 §3.2, second form). */
export interface RsaPrivateKey extends RsaPublicKey {
  readonly d: bigint;
  readonly p: bigint;
  readonly q: bigint;
  readonly dP: bigint;
  readonly dQ: bigint;
  readonly qInv: bigint;
}

/** An RSA private key with its modulus size in bits. */
export type RsaPrivateKeyParts = RsaPrivateKey & { readonly modulusBits: number };

/** A parsed private key (from PKCS#8, PKCS#1 or SEC1), by algorithm. */
export type PrivateKeyInfo =
  | ({ readonly kind: 'rsa' } & RsaPrivateKeyParts)
  | ({ readonly kind: 'rsa-pss'; readonly params?: PssParams } & RsaPrivateKeyParts)
  | {
      readonly kind: 'ec';
      readonly curve: EcCurve;
      /** Big-endian scalar, left-padded to the field size. */
      readonly scalar: Uint8Array;
      readonly publicPoint?: Uint8Array;
    }
  | { readonly kind: 'ed25519'; readonly seed: Uint8Array; readonly publicKey?: Uint8Array };

function unsupported(what: string): TlsError {
  return new TlsError('CERT_UNSUPPORTED_ALGORITHM', `unsupported ${what}`);
}

// ---------------------------------------------------------------- AlgorithmIdentifier

interface AlgId {
  oid: string;
  /** The parameters TLV, if present. */
  params?: Uint8Array;
}

/** AlgorithmIdentifier, RFC 5280 §4.1.1.2. */
function readAlgId(r: DerReader): AlgId {
  const s = r.sequence(Tag.SEQUENCE, 'AlgorithmIdentifier');
  const oid = s.oid();
  const params = s.hasMore() ? s.read().raw : undefined;
  s.end('AlgorithmIdentifier');
  return params === undefined ? { oid } : { oid, params };
}

/** Parameters must be NULL or absent (RFC 3279 §2.3.1, RFC 4055 §2.1 for hashes). */
function nullOrAbsent(alg: AlgId, code: ErrorCode): void {
  if (alg.params === undefined) return;
  const r = new DerReader(alg.params, code);
  r.null();
  r.end();
}

function namedCurve(params: Uint8Array, code: ErrorCode): EcCurve {
  const r = new DerReader(params, code);
  // ECParameters ::= CHOICE { namedCurve OID, ... } (RFC 5480 §2.1.1); only namedCurve is allowed.
  if (r.peekTag() !== Tag.OID) throw unsupported('EC parameters (only named curves)');
  const oid = r.oid();
  r.end('ECParameters');
  const curve = curveByOid.get(oid);
  if (!curve) throw unsupported(`elliptic curve ${oid}`);
  return curve;
}

function hashAlg(alg: AlgId, code: ErrorCode): PssHash {
  const h = hashByOid.get(alg.oid);
  if (!h) throw unsupported(`hash ${alg.oid}`);
  nullOrAbsent(alg, code);
  return h;
}

/** RSASSA-PSS-params, RFC 4055 §3.1 (defaults: SHA-1, MGF1-SHA-1, 20, 1). */
export function parsePssParams(params: Uint8Array, code: ErrorCode = 'BAD_CERTIFICATE'): PssParams {
  const r = new DerReader(params, code);
  const s = r.sequence(Tag.SEQUENCE, 'RSASSA-PSS-params');
  r.end('RSASSA-PSS-params');
  let hash: PssHash = 'SHA-1';
  let mgfHash: PssHash = 'SHA-1';
  let saltLength = 20;
  const h = s.optional(contextTag(0));
  if (h) {
    const e = new DerReader(h.value, code);
    hash = hashAlg(readAlgId(e), code);
    e.end();
  }
  const m = s.optional(contextTag(1));
  if (m) {
    const e = new DerReader(m.value, code);
    const mgf = readAlgId(e);
    e.end();
    if (mgf.oid !== Oid.mgf1) throw unsupported(`mask generation function ${mgf.oid}`);
    if (mgf.params === undefined) return s.fail('MGF1 without hash');
    const mp = new DerReader(mgf.params, code);
    mgfHash = hashAlg(readAlgId(mp), code);
    mp.end();
  }
  const sl = s.optional(contextTag(2));
  if (sl) {
    const e = new DerReader(sl.value, code);
    saltLength = e.smallInteger('saltLength');
    e.end();
  }
  const tf = s.optional(contextTag(3));
  if (tf) {
    const e = new DerReader(tf.value, code);
    // trailerFieldBC(1) is the only value defined (RFC 8017 §A.2.3).
    if (e.smallInteger('trailerField') !== 1) throw unsupported('PSS trailer field');
    e.end();
  }
  s.end('RSASSA-PSS-params');
  return { hash, mgfHash, saltLength };
}

// ---------------------------------------------------------------- SubjectPublicKeyInfo

/**
 * Parses a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7). Malformed input
 * throws BAD_CERTIFICATE; a well-formed but unsupported key throws
 * CERT_UNSUPPORTED_ALGORITHM.
 */
export function parseSpki(der: Uint8Array): PublicKeyInfo {
  const code: ErrorCode = 'BAD_CERTIFICATE';
  const top = new DerReader(der, code);
  const s = top.sequence(Tag.SEQUENCE, 'SubjectPublicKeyInfo');
  top.end('SubjectPublicKeyInfo');
  const alg = readAlgId(s);
  const key = s.bitStringBytes();
  s.end('SubjectPublicKeyInfo');

  switch (alg.oid) {
    case Oid.rsaEncryption: {
      nullOrAbsent(alg, code);
      const { n, e } = parseRsaPublicKey(key, code);
      return { kind: 'rsa', n, e, modulusBits: bitLength(n) };
    }
    case Oid.rsassaPss: {
      const { n, e } = parseRsaPublicKey(key, code);
      const base = { kind: 'rsa-pss' as const, n, e, modulusBits: bitLength(n) };
      return alg.params === undefined ? base : { ...base, params: parsePssParams(alg.params, code) };
    }
    case Oid.ecPublicKey: {
      if (alg.params === undefined) return s.fail('EC key without curve');
      const curve = namedCurve(alg.params, code);
      checkEcPointEncoding(key, curve, top);
      return { kind: 'ec', curve, point: key };
    }
    case Oid.ed25519: {
      // RFC 8410 §3: parameters MUST be absent.
      if (alg.params !== undefined) s.fail('Ed25519 key with parameters');
      if (key.length !== 32) s.fail('Ed25519 key length');
      return { kind: 'ed25519', key };
    }
    default:
      throw unsupported(`public key algorithm ${alg.oid}`);
  }
}

/** SEC 1 §2.3.3 point encodings: uncompressed 04||X||Y or compressed 02/03||X. */
function checkEcPointEncoding(point: Uint8Array, curve: EcCurve, r: DerReader): void {
  const f = EC_FIELD_BYTES[curve];
  const t = point[0];
  const ok =
    (t === 0x04 && point.length === 1 + 2 * f) || ((t === 0x02 || t === 0x03) && point.length === 1 + f);
  if (!ok) r.fail('EC point encoding');
}

/** RSAPublicKey ::= SEQUENCE { modulus, publicExponent } (RFC 8017 §A.1.1). */
export function parseRsaPublicKey(
  der: Uint8Array,
  code: ErrorCode = 'BAD_CERTIFICATE',
): { n: bigint; e: bigint } {
  const top = new DerReader(der, code);
  const s = top.sequence(Tag.SEQUENCE, 'RSAPublicKey');
  top.end('RSAPublicKey');
  const n = s.positiveInteger('modulus');
  const e = s.positiveInteger('public exponent');
  s.end('RSAPublicKey');
  return { n, e };
}

// ---------------------------------------------------------------- private keys

/** RSAPrivateKey, RFC 8017 §A.1.2 (two-prime only). */
export function parseRsaPrivateKey(der: Uint8Array): RsaPrivateKeyParts {
  const top = new DerReader(der);
  const s = top.sequence(Tag.SEQUENCE, 'RSAPrivateKey');
  top.end('RSAPrivateKey');
  const version = s.smallInteger('version');
  if (version !== 0) throw unsupported('multi-prime RSA key');
  const n = s.positiveInteger('modulus');
  const e = s.positiveInteger('publicExponent');
  const d = s.positiveInteger('privateExponent');
  const p = s.positiveInteger('prime1');
  const q = s.positiveInteger('prime2');
  const dP = s.positiveInteger('exponent1');
  const dQ = s.positiveInteger('exponent2');
  const qInv = s.positiveInteger('coefficient');
  s.end('RSAPrivateKey');
  if (p * q !== n) s.fail('RSA primes do not match modulus');
  return { n, e, d, p, q, dP, dQ, qInv, modulusBits: bitLength(n) };
}

/**
 * ECPrivateKey, RFC 5915 §3. `curveHint` comes from the PKCS#8 algorithm
 * parameters; the inner [0] parameters, if present, must agree with it.
 */
export function parseEcPrivateKey(der: Uint8Array, curveHint?: EcCurve): PrivateKeyInfo & { kind: 'ec' } {
  const code: ErrorCode = 'DECODE_ERROR';
  const top = new DerReader(der, code);
  const s = top.sequence(Tag.SEQUENCE, 'ECPrivateKey');
  top.end('ECPrivateKey');
  if (s.smallInteger('version') !== 1) s.fail('ECPrivateKey version');
  const d = s.octetString();
  let curve = curveHint;
  const params = s.optional(contextTag(0));
  if (params) {
    const inner = namedCurve(params.value, code);
    if (curve !== undefined && curve !== inner) s.fail('EC curve mismatch');
    curve = inner;
  }
  let publicPoint: Uint8Array | undefined;
  const pub = s.optional(contextTag(1));
  if (pub) {
    const pr = new DerReader(pub.value, code);
    publicPoint = pr.bitStringBytes();
    pr.end();
  }
  s.end('ECPrivateKey');
  if (curve === undefined) return s.fail('EC private key without curve');
  if (publicPoint) checkEcPointEncoding(publicPoint, curve, s);
  // RFC 5915 §3 fixes the length, but some encoders drop leading zeros; pad them back.
  const f = EC_FIELD_BYTES[curve];
  if (d.length === 0 || d.length > f) s.fail('EC private key length');
  const scalar = new Uint8Array(f);
  scalar.set(d, f - d.length);
  return publicPoint ? { kind: 'ec', curve, scalar, publicPoint } : { kind: 'ec', curve, scalar };
}

/** PrivateKeyInfo / OneAsymmetricKey, RFC 5208 §5 and RFC 5958 §2. */
export function parsePkcs8(der: Uint8Array): PrivateKeyInfo {
  const code: ErrorCode = 'DECODE_ERROR';
  const top = new DerReader(der, code);
  const s = top.sequence(Tag.SEQUENCE, 'PrivateKeyInfo');
  top.end('PrivateKeyInfo');
  const version = s.smallInteger('version');
  if (version !== 0 && version !== 1) s.fail('PrivateKeyInfo version');
  const alg = readAlgId(s);
  const priv = s.octetString();
  s.optional(contextTag(0)); // attributes: ignored
  let publicKey: Uint8Array | undefined;
  const pub = s.optional(contextTag(1, false));
  if (pub) {
    // [1] IMPLICIT BIT STRING, RFC 5958 §2; only in version 2 (v1 = 1).
    if (version !== 1) s.fail('public key in v1 PrivateKeyInfo');
    if (pub.value.length === 0 || pub.value[0] !== 0) s.fail('public key BIT STRING');
    publicKey = pub.value.subarray(1);
  }
  s.end('PrivateKeyInfo');

  switch (alg.oid) {
    case Oid.rsaEncryption:
      nullOrAbsent(alg, code);
      return { kind: 'rsa', ...parseRsaPrivateKey(priv) };
    case Oid.rsassaPss: {
      const parts = parseRsaPrivateKey(priv);
      return alg.params === undefined
        ? { kind: 'rsa-pss', ...parts }
        : { kind: 'rsa-pss', ...parts, params: parsePssParams(alg.params, code) };
    }
    case Oid.ecPublicKey: {
      const hint = alg.params === undefined ? undefined : namedCurve(alg.params, code);
      return parseEcPrivateKey(priv, hint);
    }
    case Oid.ed25519: {
      if (alg.params !== undefined) s.fail('Ed25519 key with parameters');
      // CurvePrivateKey ::= OCTET STRING, nested inside the privateKey OCTET STRING (RFC 8410 §7).
      const r = new DerReader(priv, code);
      const seed = r.octetString();
      r.end('CurvePrivateKey');
      if (seed.length !== 32) s.fail('Ed25519 private key length');
      if (publicKey !== undefined && publicKey.length !== 32) s.fail('Ed25519 public key length');
      return publicKey ? { kind: 'ed25519', seed, publicKey } : { kind: 'ed25519', seed };
    }
    default:
      throw unsupported(`private key algorithm ${alg.oid}`);
  }
}

/**
 * Parses PKCS#8, PKCS#1 RSAPrivateKey or SEC1 ECPrivateKey DER, telling
 * them apart by the element after the version INTEGER.
 */
export function parsePrivateKey(der: Uint8Array): PrivateKeyInfo {
  const top = new DerReader(der);
  const s = top.sequence(Tag.SEQUENCE, 'private key');
  s.integer();
  switch (s.peekTag()) {
    case Tag.SEQUENCE:
      return parsePkcs8(der);
    case Tag.INTEGER:
      return { kind: 'rsa', ...parseRsaPrivateKey(der) };
    case Tag.OCTET_STRING:
      return parseEcPrivateKey(der);
    default:
      return s.fail('unrecognised private key format');
  }
}
