/**
 * Signature verification and signing for the node provider, through
 * crypto.verify / crypto.sign with cached KeyObjects.
 *
 * Every key goes through the same parse and policy checks as noble's
 * (parseSpki / parsePrivateKey, the RSA size and exponent limits, the
 * algorithm ↔ key match) before the platform sees it; anything the platform
 * cannot load or answer (an id-RSASSA-PSS key with parameters, a compressed
 * EC point, a runtime without some algorithm) is handed to noble, which then
 * decides, so both providers give the same answers and the same errors.
 */
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { bigIntToBytes, ecdsaDerToRaw, encodeTlv, Tag } from './der.js';
import { parsePrivateKey, parseSpki, type EcCurve, type PrivateKeyInfo, type PublicKeyInfo } from './keys.js';
import { b64url, concat as cat, fromHex } from '../codec.js';
import { nodeCrypto, own, type DerBytes, type JsonWebKey, type KeyObject, type NodeCrypto } from './node-module.js';
import type { HashName, SignatureAlgorithm } from './provider.js';
import { checkRsaPublicKey } from './rsa.js';
import { nobleSign, nobleVerify } from './signatures.js';

const NODE_HASH: Record<HashName, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/** Scalar sizes and group orders for the range checks of ecdsaDerToRaw (SEC 1 §4.1.4). */
const EC_FN: Record<EcCurve, { BYTES: number; ORDER: bigint }> = { 'P-256': p256.Point.Fn, 'P-384': p384.Point.Fn, 'P-521': p521.Point.Fn };

/** A bounded cache, oldest entry evicted first (Map iteration order). */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly limit: number) {}
  get(id: string): V | undefined {
    const v = this.map.get(id);
    if (v !== undefined) {
      this.map.delete(id);
      this.map.set(id, v);
    }
    return v;
  }
  set(id: string, v: V): void {
    this.map.set(id, v);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value!);
  }
  clear(): void {
    this.map.clear();
  }
}

/** A checked public key: what parseSpki found, and the platform's key (null: noble decides). */
interface VerifyKey {
  info: PublicKeyInfo;
  key: KeyObject | null;
}

/** By SPKI bytes: CA and server keys recur on every connection. */
const verifyKeys = new Lru<VerifyKey>(256);
/** By private key bytes: a client certificate's key signs on every connection. */
const signKeys = new Lru<{ info: PrivateKeyInfo; key: KeyObject | null }>(16);

/** The cache key of a DER blob: latin1 keeps every byte, one char each. */
function idOf(der: Uint8Array): string {
  let s = '';
  for (let i = 0; i < der.length; i += 8192) s += String.fromCharCode(...der.subarray(i, i + 8192));
  return s;
}

/** A public key as JWK (RFC 7518 §6, RFC 8037 §2): the platform imports these fastest. */
function publicJwk(info: PublicKeyInfo): JsonWebKey | null {
  switch (info.kind) {
    case 'ec': {
      // Compressed points (SEC 1 §2.3.3) stay with noble.
      if (info.point[0] !== 4) return null;
      const f = (info.point.length - 1) / 2;
      return { kty: 'EC', crv: info.curve, x: b64url(info.point.subarray(1, 1 + f)), y: b64url(info.point.subarray(1 + f)) };
    }
    case 'ed25519':
      return { kty: 'OKP', crv: 'Ed25519', x: b64url(info.key) };
    case 'rsa':
      return { kty: 'RSA', n: b64url(unsigned(info.n)), e: b64url(unsigned(info.e)) };
    default:
      // id-RSASSA-PSS keys carry rules of their own (RFC 4055 §3.1): noble.
      return null;
  }
}

/** Minimal big-endian bytes of a positive integer. */
function unsigned(x: bigint): Uint8Array {
  let len = 1;
  for (let v = x >> 8n; v > 0n; v >>= 8n) len++;
  return bigIntToBytes(x, len);
}

function verifyKeyFor(nc: NodeCrypto, spki: Uint8Array): VerifyKey {
  const id = idOf(spki);
  const hit = verifyKeys.get(id);
  if (hit) return hit;
  // Throws exactly what noble throws for a malformed or unsupported key.
  const info = parseSpki(spki);
  let key: KeyObject | null = null;
  try {
    if (info.kind === 'rsa') checkRsaPublicKey(info);
    const jwk = publicJwk(info);
    // The platform checks the point is on the curve (SEC 1 §3.2.2).
    if (jwk) key = nc.createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    // Refused by policy or by the platform: noble decides, every time (not cached).
    return { info, key: null };
  }
  const entry = { info, key };
  verifyKeys.set(id, entry);
  return entry;
}

/** crypto.verify's answer, or null where the platform threw (noble then decides). */
function platformVerify(op: () => boolean): boolean | null {
  try {
    return op();
  } catch {
    return null;
  }
}

/**
 * CryptoProvider.verify on node:crypto: the same answers and errors as
 * nobleVerify (signatures.ts), which it falls back to.
 */
export function nodeVerify(alg: SignatureAlgorithm, spki: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const nc = nodeCrypto();
  if (!nc) return nobleVerify(alg, spki, message, signature);
  const { info, key } = verifyKeyFor(nc, spki);
  let answer: boolean | null = null;
  if (key) {
    switch (alg.kind) {
      case 'ecdsa': {
        if (info.kind !== 'ec') break;
        // Strict DER and 1 <= r, s < n, as noble checks (RFC 3279 §2.2.3); then fixed-width r || s.
        const fn = EC_FN[info.curve];
        const raw = ecdsaDerToRaw(signature, fn.BYTES, fn.ORDER);
        if (raw === null) return false;
        answer = platformVerify(() => nc.verify(NODE_HASH[alg.hash], message, { key, dsaEncoding: 'ieee-p1363' }, raw));
        break;
      }
      case 'ed25519':
        if (info.kind !== 'ed25519') break;
        if (signature.length !== 64) return false;
        answer = platformVerify(() => nc.verify(null, message, key, signature));
        break;
      case 'rsa-pss':
      case 'rsa-pkcs1': {
        if (info.kind !== 'rsa') break;
        if (alg.kind === 'rsa-pss' && (!Number.isSafeInteger(alg.saltLength) || alg.saltLength < 0)) break;
        if (signature.length !== (info.modulusBits + 7) >> 3) return false; // RFC 8017 §8.1.2 step 1
        const padding =
          alg.kind === 'rsa-pss'
            ? { padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength }
            : { padding: nc.constants.RSA_PKCS1_PADDING };
        answer = platformVerify(() => nc.verify(NODE_HASH[alg.hash], message, { key, ...padding }, signature));
        break;
      }
    }
  }
  return answer ?? nobleVerify(alg, spki, message, signature);
}

// ---------------------------------------------------------------- sign

/** RFC 8410 §7 PKCS#8 prefix of a 32-byte Ed25519 private key. */
const ED25519_PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');
const EC_PUBLIC_KEY_ALG: Record<EcCurve, Uint8Array> = {
  // SEQUENCE { id-ecPublicKey, namedCurve } (RFC 5480 §2.1.1)
  'P-256': fromHex('301306072a8648ce3d020106082a8648ce3d030107'),
  'P-384': fromHex('301006072a8648ce3d020106052b81040022'),
  'P-521': fromHex('301006072a8648ce3d020106052b81040023'),
};

/** PKCS#8 (RFC 5208) around an RFC 5915 ECPrivateKey without the public key: the platform derives it. */
function ecPkcs8(curve: EcCurve, scalar: Uint8Array): Uint8Array {
  const ecPrivateKey = encodeTlv(Tag.SEQUENCE, cat(fromHex('020101'), encodeTlv(Tag.OCTET_STRING, scalar)));
  return encodeTlv(Tag.SEQUENCE, cat(fromHex('020100'), EC_PUBLIC_KEY_ALG[curve], encodeTlv(Tag.OCTET_STRING, ecPrivateKey)));
}

/** The platform key for a parsed private key, or null where noble signs. */
function importPrivate(nc: NodeCrypto, info: PrivateKeyInfo): KeyObject | null {
  switch (info.kind) {
    case 'ec':
      return nc.createPrivateKey({ key: ecPkcs8(info.curve, info.scalar) as DerBytes, format: 'der', type: 'pkcs8' });
    case 'ed25519':
      return nc.createPrivateKey({ key: cat(ED25519_PKCS8_PREFIX, info.seed) as DerBytes, format: 'der', type: 'pkcs8' });
    case 'rsa': {
      checkRsaPublicKey(info);
      const b = (x: bigint) => b64url(unsigned(x));
      const jwk = { kty: 'RSA', n: b(info.n), e: b(info.e), d: b(info.d), p: b(info.p), q: b(info.q), dp: b(info.dP), dq: b(info.dQ), qi: b(info.qInv) };
      return nc.createPrivateKey({ key: jwk, format: 'jwk' });
    }
    default:
      return null;
  }
}

/**
 * CryptoProvider.sign on node:crypto. ECDSA signatures are randomized here
 * (OpenSSL) where noble's are deterministic (RFC 6979); both are valid.
 */
export function nodeSign(alg: SignatureAlgorithm, pkcs8: Uint8Array, message: Uint8Array): Uint8Array {
  const nc = nodeCrypto();
  if (!nc) return nobleSign(alg, pkcs8, message);
  const id = idOf(pkcs8);
  let entry = signKeys.get(id);
  if (!entry) {
    const info = parsePrivateKey(pkcs8); // the same errors as noble
    let key: KeyObject | null = null;
    try {
      key = importPrivate(nc, info);
    } catch {
      return nobleSign(alg, pkcs8, message); // policy or platform refusal: noble decides
    }
    entry = { info, key };
    signKeys.set(id, entry);
  }
  const { info, key } = entry;
  if (key) {
    try {
      if (alg.kind === 'ecdsa' && info.kind === 'ec') {
        return own(nc.sign(NODE_HASH[alg.hash], message, { key, dsaEncoding: 'der' }));
      }
      if (alg.kind === 'ed25519' && info.kind === 'ed25519') return own(nc.sign(null, message, key));
      if (alg.kind === 'rsa-pkcs1' && info.kind === 'rsa') {
        return own(nc.sign(NODE_HASH[alg.hash], message, { key, padding: nc.constants.RSA_PKCS1_PADDING }));
      }
      if (alg.kind === 'rsa-pss' && info.kind === 'rsa' && Number.isSafeInteger(alg.saltLength) && alg.saltLength >= 0) {
        const opts = { key, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength };
        return own(nc.sign(NODE_HASH[alg.hash], message, opts));
      }
    } catch {
      // The platform refused (e.g. a salt too long for the key): noble decides.
    }
  }
  return nobleSign(alg, pkcs8, message);
}

/** Test hook: forget the cached keys. */
export function clearNodeKeyCaches(): void {
  verifyKeys.clear();
  signKeys.clear();
}
