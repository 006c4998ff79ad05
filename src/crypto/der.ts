/**
 * A small, strict DER reader (X.690 §10) and parsers for the key formats the
 * signature code needs: SubjectPublicKeyInfo (RFC 5280 §4.1), PKCS#8
 * (RFC 5208 / RFC 5958), PKCS#1 RSAPrivateKey (RFC 8017 §A.1.2), SEC1
 * ECPrivateKey (RFC 5915) and PEM (RFC 7468).
 *
 * Strict means: definite lengths only, minimal length and INTEGER encodings,
 * every read bounds-checked, no trailing bytes. BER leniency in key material
 * is a source of signature-forgery bugs, so we do not offer it.
 */

import { TlsError, type ErrorCode } from '../errors.js';
import type { HashName } from './provider.js';

// ---------------------------------------------------------------- tags

/** Universal tags we use (X.680 §8.4), with the constructed bit where DER requires it. */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific constructed tag [n] (explicit tagging). */
export function contextTag(n: number, constructed = true): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** One DER TLV as {@link DerReader} returns it: views into the input, no copies. */
export interface DerElement {
  /** The identifier octet (class | constructed | number). */
  readonly tag: number;
  /** Content octets (a view into the input). */
  readonly value: Uint8Array;
  /** The whole TLV (a view into the input). */
  readonly raw: Uint8Array;
}

// ---------------------------------------------------------------- reader

/** Reads consecutive TLVs from a buffer; every failure throws TlsError(`code`). */
export class DerReader {
  private pos = 0;

  constructor(
    private readonly buf: Uint8Array,
    readonly code: ErrorCode = 'DECODE_ERROR',
  ) {}

  fail(what: string): never {
    throw new TlsError(this.code, `malformed DER: ${what}`);
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  hasMore(): boolean {
    return this.pos < this.buf.length;
  }

  /** Throws unless everything has been consumed. */
  end(what = 'value'): void {
    if (this.pos !== this.buf.length) this.fail(`trailing bytes after ${what}`);
  }

  /** The identifier octet of the next element, or -1 at the end. */
  peekTag(): number {
    return this.pos < this.buf.length ? this.buf[this.pos]! : -1;
  }

  /** Reads one TLV. X.690 §8.1.2-§8.1.3 with the DER restrictions of §10.1. */
  read(): DerElement {
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    if (p >= buf.length) this.fail('unexpected end of data');
    const tag = buf[p++]!;
    // High tag numbers never occur in the structures we parse.
    if ((tag & 0x1f) === 0x1f) this.fail('unsupported high tag number');
    if (p >= buf.length) this.fail('missing length');
    const first = buf[p++]!;
    let len: number;
    if (first < 0x80) {
      len = first;
    } else if (first === 0x80) {
      this.fail('indefinite length'); // X.690 §10.1
    } else {
      const n = first & 0x7f;
      // 4 octets (up to 4 GiB) is far more than any key or certificate needs.
      if (n > 4) this.fail('length too large');
      if (p + n > buf.length) this.fail('truncated length');
      if (buf[p] === 0) this.fail('non-minimal length'); // X.690 §10.1
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
      if (len < 0x80) this.fail('non-minimal length');
    }
    if (len > buf.length - p) this.fail('length exceeds data');
    this.pos = p + len;
    return { tag, value: buf.subarray(p, p + len), raw: buf.subarray(start, p + len) };
  }

  /** Reads one element and checks its tag. */
  expect(tag: number, what: string): DerElement {
    const el = this.read();
    if (el.tag !== tag) this.fail(`expected ${what}`);
    return el;
  }

  /** Reads an element with `tag` if it is next, else returns undefined. */
  optional(tag: number): DerElement | undefined {
    return this.peekTag() === tag ? this.read() : undefined;
  }

  /** Enters a SEQUENCE (or any constructed tag) and returns a reader over its content. */
  sequence(tag: number = Tag.SEQUENCE, what = 'SEQUENCE'): DerReader {
    return new DerReader(this.expect(tag, what).value, this.code);
  }

  /** INTEGER as a signed bigint; X.690 §8.3.2 requires minimal encoding. */
  integer(): bigint {
    return decodeInteger(this.expect(Tag.INTEGER, 'INTEGER').value, this);
  }

  /** INTEGER that must be > 0 (moduli, exponents, primes). */
  positiveInteger(what: string): bigint {
    const v = this.integer();
    if (v <= 0n) this.fail(`${what} must be positive`);
    return v;
  }

  /** INTEGER that must fit a small non-negative JS number (versions, lengths). */
  smallInteger(what: string): number {
    const v = this.integer();
    if (v < 0n || v > 0x7fffffffn) this.fail(`${what} out of range`);
    return Number(v);
  }

  oid(): string {
    return decodeOid(this.expect(Tag.OID, 'OBJECT IDENTIFIER').value, this);
  }

  null(): void {
    if (this.expect(Tag.NULL, 'NULL').value.length !== 0) this.fail('NULL with content');
  }

  octetString(): Uint8Array {
    return this.expect(Tag.OCTET_STRING, 'OCTET STRING').value;
  }

  /** BIT STRING whose bit length is a multiple of 8 (keys, signatures). */
  bitStringBytes(): Uint8Array {
    const v = this.expect(Tag.BIT_STRING, 'BIT STRING').value;
    if (v.length === 0) this.fail('empty BIT STRING');
    if (v[0] !== 0) this.fail('BIT STRING with unused bits');
    return v.subarray(1);
  }
}

function decodeInteger(v: Uint8Array, r: DerReader): bigint {
  if (v.length === 0) r.fail('empty INTEGER');
  // X.690 §8.3.2: the first 9 bits must not be all zeros or all ones.
  if (v.length > 1 && ((v[0] === 0 && v[1]! < 0x80) || (v[0] === 0xff && v[1]! >= 0x80))) {
    r.fail('non-minimal INTEGER');
  }
  const magnitude = bytesToBigInt(v);
  return v[0]! >= 0x80 ? magnitude - (1n << BigInt(v.length * 8)) : magnitude;
}

function decodeOid(v: Uint8Array, r: DerReader): string {
  if (v.length === 0) r.fail('empty OID');
  const arcs: number[] = [];
  let acc = 0;
  let started = false;
  for (let i = 0; i < v.length; i++) {
    const b = v[i]!;
    // X.690 §8.19.2: subidentifiers are minimal, so no leading 0x80.
    if (!started && b === 0x80) r.fail('non-minimal OID arc');
    started = true;
    if (acc > 0x1fffffff) r.fail('OID arc too large');
    acc = acc * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(acc);
      acc = 0;
      started = false;
    }
  }
  if (started) r.fail('truncated OID');
  // X.690 §8.19.4: the first subidentifier packs the first two arcs.
  const head = arcs[0]!;
  const first = head < 40 ? 0 : head < 80 ? 1 : 2;
  return [first, head - first * 40, ...arcs.slice(1)].join('.');
}

// ---------------------------------------------------------------- byte helpers

const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** OS2IP (RFC 8017 §4.2): unsigned big-endian bytes as a bigint. */
export function bytesToBigInt(b: Uint8Array): bigint {
  let hex = '';
  for (let i = 0; i < b.length; i++) hex += HEX_PAIRS[b[i]!]!;
  return hex.length === 0 ? 0n : BigInt('0x' + hex);
}

/** I2OSP (RFC 8017 §4.1); throws RangeError if x does not fit `len` bytes. */
export function bigIntToBytes(x: bigint, len: number): Uint8Array {
  if (x < 0n) throw new RangeError('negative integer');
  const hex = x.toString(16);
  if (hex.length > len * 2) throw new RangeError('integer too large');
  const out = new Uint8Array(len);
  const padded = hex.padStart(len * 2, '0');
  for (let i = 0; i < len; i++) out[i] = parseInt(padded.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Number of significant bits of a non-negative bigint (0 for 0). */
export function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

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

// ---------------------------------------------------------------- PEM and base64

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64.length; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Strict standard base64 (RFC 4648 §4), whitespace ignored. */
export function base64Decode(text: string): Uint8Array {
  const clean = text.replace(/[\s]+/g, '');
  if (clean.length % 4 !== 0) throw new TlsError('DECODE_ERROR', 'malformed base64: length');
  let pad = 0;
  if (clean.endsWith('==')) pad = 2;
  else if (clean.endsWith('=')) pad = 1;
  const out = new Uint8Array((clean.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    let v = 0;
    for (let j = 0; j < 4; j++) {
      const c = clean.charCodeAt(i + j);
      const isPad = c === 61 && i + 4 === clean.length && j >= 4 - pad;
      const d = isPad ? 0 : c < 128 ? B64_INDEX[c]! : -1;
      if (d < 0) throw new TlsError('DECODE_ERROR', 'malformed base64: bad character');
      v = (v << 6) | d;
    }
    out[o++] = v >>> 16;
    if (o < out.length) out[o++] = (v >>> 8) & 0xff;
    if (o < out.length) out[o++] = v & 0xff;
    // Non-zero bits under the padding would make the encoding non-canonical.
    if (i + 4 === clean.length && ((pad === 1 && (v & 0xff) !== 0) || (pad === 2 && (v & 0xffff) !== 0))) {
      throw new TlsError('DECODE_ERROR', 'malformed base64: non-canonical padding');
    }
  }
  return out;
}

const B64_CODES = Uint8Array.from(B64, (c) => c.charCodeAt(0));
const PAD = 0x3d; // '='

/**
 * Standard base64 with padding (RFC 4648 §4). The characters are gathered
 * as codes and made into flat strings by fromCharCode: the certificate
 * caches use the result as a key, and a string built by appending would be
 * flattened (copied) again when hashed.
 */
export function base64Encode(bytes: Uint8Array): string {
  const codes = new Array<number>(Math.ceil(bytes.length / 3) * 4);
  let o = 0;
  for (let i = 0; i < bytes.length; i += 3) {
    const n = bytes.length - i;
    const v = (bytes[i]! << 16) | ((n > 1 ? bytes[i + 1]! : 0) << 8) | (n > 2 ? bytes[i + 2]! : 0);
    codes[o++] = B64_CODES[v >>> 18]!;
    codes[o++] = B64_CODES[(v >>> 12) & 63]!;
    codes[o++] = n > 1 ? B64_CODES[(v >>> 6) & 63]! : PAD;
    codes[o++] = n > 2 ? B64_CODES[v & 63]! : PAD;
  }
  // In slices: fromCharCode takes its codes as arguments.
  if (codes.length <= 8192) return String.fromCharCode.apply(null, codes);
  let out = '';
  for (let i = 0; i < codes.length; i += 8192) out += String.fromCharCode.apply(null, codes.slice(i, i + 8192));
  return out;
}

/** One PEM block (RFC 7468): its label, e.g. "CERTIFICATE", and the decoded DER. */
export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

/** All PEM blocks in `text` (RFC 7468 §2); text between blocks is ignored. */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  // Labels may contain single hyphens (RFC 7468 §3), so match lazily up to the dashes.
  const re = /-----BEGIN ([^\r\n]*?)-----([\s\S]*?)-----END ([^\r\n]*?)-----/g;
  let m: RegExpExecArray | null;
  let lastEnd = 0;
  while ((m = re.exec(text)) !== null) {
    // A BEGIN inside the gap we skipped means an unterminated block.
    if (text.slice(lastEnd, m.index).includes('-----BEGIN ')) {
      throw new TlsError('DECODE_ERROR', 'malformed PEM: unterminated block');
    }
    const [, label, body, endLabel] = m;
    if (label !== endLabel) throw new TlsError('DECODE_ERROR', 'malformed PEM: label mismatch');
    if (body!.includes('-----BEGIN ')) throw new TlsError('DECODE_ERROR', 'malformed PEM: nested BEGIN');
    // RFC 1421 headers (e.g. Proc-Type: 4,ENCRYPTED) mean an encrypted key we cannot read.
    if (body!.includes(':')) throw new TlsError('DECODE_ERROR', 'unsupported PEM headers (encrypted key?)');
    out.push({ label: label!, der: base64Decode(body!) });
    lastEnd = re.lastIndex;
  }
  if (text.slice(lastEnd).includes('-----BEGIN ')) {
    throw new TlsError('DECODE_ERROR', 'malformed PEM: unterminated block');
  }
  return out;
}

/** DER payloads of the PEM blocks in `pem`, only those labelled `label` if given. */
export function pemToDer(pem: string, label?: string): Uint8Array[] {
  return pemBlocks(pem)
    .filter((b) => label === undefined || b.label === label)
    .map((b) => b.der);
}

/** Encodes DER as one PEM block with 64-character lines (RFC 7468 §2). */
export function derToPem(der: Uint8Array, label: string): string {
  const b64 = base64Encode(der);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

// ---------------------------------------------------------------- ECDSA signature values

/** Definite-length TLV with the minimal length form (X.690 §10.1). */
export function encodeTlv(tag: number, value: Uint8Array): Uint8Array {
  const len = value.length;
  const lenBytes: number[] = [];
  if (len < 0x80) {
    lenBytes.push(len);
  } else {
    for (let v = len; v > 0; v = Math.floor(v / 256)) lenBytes.unshift(v & 0xff);
    lenBytes.unshift(0x80 | lenBytes.length);
  }
  const out = new Uint8Array(1 + lenBytes.length + len);
  out[0] = tag;
  out.set(lenBytes, 1);
  out.set(value, 1 + lenBytes.length);
  return out;
}

/** Minimal two's-complement INTEGER for a non-negative value (X.690 §8.3). */
export function encodeUnsignedInteger(x: bigint): Uint8Array {
  if (x < 0n) throw new RangeError('negative integer');
  let len = Math.max(1, (bitLength(x) + 7) >> 3);
  // A set top bit would read as negative: prepend a zero octet.
  if (bitLength(x) % 8 === 0 && x !== 0n) len++;
  return encodeTlv(Tag.INTEGER, bigIntToBytes(x, len));
}

/**
 * Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3)
 * to fixed-width r || s. Returns null for a malformed encoding or r, s
 * outside [1, order-1] (SEC 1 §4.1.4 step 1).
 */
export function ecdsaDerToRaw(sig: Uint8Array, size: number, order: bigint): Uint8Array | null {
  try {
    const top = new DerReader(sig);
    const s = top.sequence(Tag.SEQUENCE, 'Ecdsa-Sig-Value');
    top.end();
    const r = s.integer();
    const sv = s.integer();
    s.end();
    if (r < 1n || r >= order || sv < 1n || sv >= order) return null;
    const out = new Uint8Array(2 * size);
    out.set(bigIntToBytes(r, size), 0);
    out.set(bigIntToBytes(sv, size), size);
    return out;
  } catch {
    return null;
  }
}

/** Fixed-width r || s to a DER Ecdsa-Sig-Value (RFC 3279 §2.2.3). */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new RangeError('bad raw ECDSA signature length');
  const half = raw.length / 2;
  const r = encodeUnsignedInteger(bytesToBigInt(raw.subarray(0, half)));
  const s = encodeUnsignedInteger(bytesToBigInt(raw.subarray(half)));
  const body = new Uint8Array(r.length + s.length);
  body.set(r);
  body.set(s, r.length);
  return encodeTlv(Tag.SEQUENCE, body);
}
