/**
 * What the webcrypto provider hands WebCrypto: the key
 * encodings it imports (RFC 5208 PKCS#8, RFC 8410, RFC 5915), and the
 * public keys it reads back.
 */
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { b64url, concat as cat, fromB64url, fromHex } from '../codec.js';
import { TlsError } from '../errors.js';
import type { EcCurve } from './keys.js';

/** A Uint8Array on an ArrayBuffer, as the DOM typings of WebCrypto want. */
export type Bytes = Uint8Array<ArrayBuffer>;

/**
 * A view WebCrypto accepts: TypeScript's DOM types want an ArrayBuffer
 * backing, which every Uint8Array we pass has (no SharedArrayBuffer here).
 */
export const buf = (b: Uint8Array): Bytes => b as Bytes;

/** A JWK integer (RFC 7518 §2): big-endian bytes, no leading zero, base64url. */
export function bigToB64url(x: bigint): string {
  let hex = x.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return b64url(fromHex(hex));
}

/** A short DER TLV (lengths < 65536, all we build). */
export function tlv(tag: number, value: Uint8Array): Bytes {
  const n = value.length;
  const head = n < 0x80 ? [tag, n] : n < 0x100 ? [tag, 0x81, n] : [tag, 0x82, n >> 8, n & 0xff];
  return cat(Uint8Array.from(head), value);
}

// ---------------------------------------------------------------- key encodings

/** RFC 8410 §7 PKCS#8 prefix for a 32-byte X25519 private key. */
export const X25519_PKCS8_PREFIX = fromHex('302e020100300506032b656e04220420');
/** RFC 8410 §7 PKCS#8 prefix for a 32-byte Ed25519 private key. */
export const ED25519_PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');

const EC_OID_PUBLIC_KEY = fromHex('06072a8648ce3d0201');
const CURVE_OID: Record<EcCurve, Bytes> = {
  'P-256': fromHex('06082a8648ce3d030107'),
  'P-384': fromHex('06052b81040022'),
  'P-521': fromHex('06052b81040023'),
};

/**
 * PKCS#8 (RFC 5208) around an RFC 5915 ECPrivateKey with no public key:
 * the platform derives the public point itself.
 */
export function ecPkcs8(curve: EcCurve, scalar: Uint8Array): Bytes {
  const ecPrivateKey = tlv(0x30, cat(fromHex('020101'), tlv(0x04, scalar)));
  const algId = tlv(0x30, cat(EC_OID_PUBLIC_KEY, CURVE_OID[curve]));
  return tlv(0x30, cat(fromHex('020100'), algId, tlv(0x04, ecPrivateKey)));
}

/** noble's NIST curves by WebCrypto name (points, sizes, fallbacks). */
export const nist = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;

/** The runtime's SubtleCrypto, if any. */
export function subtle(): SubtleCrypto | null {
  return globalThis.crypto?.subtle ?? null;
}

/** Imports a raw X25519 private key through PKCS#8 (RFC 8410 §7). */
export function x25519Import(s: SubtleCrypto, priv: Uint8Array): Promise<CryptoKey> {
  return s.importKey('pkcs8', cat(X25519_PKCS8_PREFIX, priv), { name: 'X25519' }, true, ['deriveBits']);
}

/** The RFC 7748 base point u = 9. */
const X25519_BASE = (() => {
  const u = new Uint8Array(32);
  u[0] = 9;
  return u;
})();
let basePoint: Promise<CryptoKey> | null = null;

/** Test hook: forget the imported base point (with the probes' answers). */
export function resetBasePoint(): void {
  basePoint = null;
}

/**
 * Our public key: X25519(k, 9) by deriveBits against the base point,
 * which is cheaper in Node than exporting the key as JWK.
 */
export async function x25519PublicKey(s: SubtleCrypto, priv: CryptoKey): Promise<Uint8Array> {
  basePoint ??= s.importKey('raw', X25519_BASE, { name: 'X25519' }, true, []);
  return new Uint8Array(await s.deriveBits({ name: 'X25519', public: await basePoint } as EcdhKeyDeriveParams, priv, 256));
}

/** The public point of an imported private key, uncompressed (SEC 1 §2.3.3). */
export async function ecPublicKey(s: SubtleCrypto, key: CryptoKey, curve: EcCurve): Promise<Uint8Array> {
  const jwk = await s.exportKey('jwk', key);
  const size = nist[curve].Point.Fp.BYTES;
  const x = fromB64url(jwk.x ?? '');
  const y = fromB64url(jwk.y ?? '');
  if (x.length !== size || y.length !== size) throw new TlsError('INTERNAL_ERROR', 'unexpected JWK from WebCrypto');
  return cat(Uint8Array.of(4), x, y);
}
