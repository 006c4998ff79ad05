/**
 * RSA signatures on BigInt: RSASSA-PSS and RSASSA-PKCS1-v1_5 (RFC 8017).
 *
 * BigInt arithmetic is not constant-time, so the private operation is blinded
 * (RFC 8017 §5.2.1 note; Kocher's timing attack) and its result re-checked
 * with the public exponent before release (Boneh-DeMillo-Lipton fault attack).
 */

import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { TlsError } from '../errors.js';
import { systemRandom, type HashName, type RandomSource } from './provider.js';
import { bigIntToBytes, bitLength, bytesToBigInt } from './der.js';
import { type RsaPrivateKey, type RsaPublicKey } from './keys.js';

export type { RsaPrivateKey, RsaPublicKey } from './keys.js';

/** Smallest modulus this layer accepts; policy layers may demand more. */
export const RSA_MIN_MODULUS_BITS = 1024;
/** Largest modulus we accept: bounds the cost a peer's key can impose. */
export const RSA_MAX_MODULUS_BITS = 16384;
/** Largest public exponent in bits (DoS bound; real keys use 65537). */
export const RSA_MAX_EXPONENT_BITS = 64;

// ---------------------------------------------------------------- arithmetic

/** base^exp mod m, left-to-right sliding window over the exponent bits. */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  if (m <= 0n) throw new RangeError('modulus must be positive');
  if (exp < 0n) throw new RangeError('negative exponent');
  if (m === 1n) return 0n;
  let b = base % m;
  if (b < 0n) b += m;
  if (exp === 0n) return 1n;
  const bits = exp.toString(2);
  // Window size trades table precomputation against multiplications.
  const w = bits.length > 640 ? 6 : bits.length > 240 ? 5 : bits.length > 80 ? 4 : bits.length > 24 ? 3 : 1;
  // table[i] = b^(2i+1): the odd powers a window can end on.
  const table: bigint[] = [b];
  if (w > 1) {
    const b2 = (b * b) % m;
    for (let i = 1; i < 1 << (w - 1); i++) table.push((table[i - 1]! * b2) % m);
  }
  let r = 1n;
  let i = 0;
  while (i < bits.length) {
    if (bits[i] === '0') {
      r = (r * r) % m;
      i++;
      continue;
    }
    let j = Math.min(i + w, bits.length);
    while (bits[j - 1] === '0') j--;
    const v = parseInt(bits.slice(i, j), 2);
    if (r === 1n) {
      r = table[(v - 1) >> 1]!;
    } else {
      for (let k = i; k < j; k++) r = (r * r) % m;
      r = (r * table[(v - 1) >> 1]!) % m;
    }
    i = j;
  }
  return r;
}

/** a^-1 mod m by the extended Euclidean algorithm; throws if not invertible. */
export function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new RangeError('not invertible');
  return ((oldS % m) + m) % m;
}

// ---------------------------------------------------------------- keys

/**
 * Checks a public key is usable for verification and returns its size in
 * bits. Malformed keys throw BAD_CERTIFICATE, out-of-range sizes
 * CERT_UNSUPPORTED_ALGORITHM.
 */
export function checkRsaPublicKey(key: RsaPublicKey): number {
  const bits = bitLength(key.n);
  if (key.n <= 0n || (key.n & 1n) === 0n) {
    throw new TlsError('BAD_CERTIFICATE', 'RSA modulus must be odd and positive');
  }
  if (bits < RSA_MIN_MODULUS_BITS || bits > RSA_MAX_MODULUS_BITS) {
    throw new TlsError('CERT_UNSUPPORTED_ALGORITHM', `unsupported RSA modulus size ${bits}`);
  }
  // RFC 8017 §3.1: 3 <= e <= n-1; an even e is never a valid RSA exponent.
  if (key.e < 3n || (key.e & 1n) === 0n || key.e >= key.n) {
    throw new TlsError('BAD_CERTIFICATE', 'invalid RSA public exponent');
  }
  if (bitLength(key.e) > RSA_MAX_EXPONENT_BITS) {
    throw new TlsError('CERT_UNSUPPORTED_ALGORITHM', 'RSA public exponent too large');
  }
  return bits;
}

/** RSAVP1 (RFC 8017 §5.2.2); null when the representative is out of range. */
function rsavp1(key: RsaPublicKey, s: bigint): bigint | null {
  if (s >= key.n) return null;
  return modPow(s, key.e, key.n);
}

/**
 * RSASP1 with CRT (RFC 8017 §5.1.1 / §5.2.1, case b), blinded by r^e and
 * checked against the public key.
 */
function rsasp1(key: RsaPrivateKey, m: bigint, random: RandomSource): bigint {
  const { n, e, p, q, dP, dQ, qInv } = key;
  if (m >= n) throw new TlsError('INTERNAL_ERROR', 'RSA message representative out of range');
  const k = (bitLength(n) + 7) >> 3;
  let r = 0n;
  let rInv = 0n;
  for (let tries = 0; ; tries++) {
    if (tries > 8) throw new TlsError('INTERNAL_ERROR', 'random source failed');
    r = bytesToBigInt(random(k)) % n;
    if (r < 2n) continue;
    try {
      rInv = modInverse(r, n);
      break;
    } catch {
      // r shares a factor with n: astronomically unlikely, try again.
    }
  }
  const c = (m * modPow(r, e, n)) % n;
  const s1 = modPow(c % p, dP, p);
  const s2 = modPow(c % q, dQ, q);
  let h = ((s1 - s2) * qInv) % p;
  if (h < 0n) h += p;
  const s = ((s2 + q * h) * rInv) % n;
  if (modPow(s, e, n) !== m) throw new TlsError('INTERNAL_ERROR', 'RSA private key is inconsistent');
  return s;
}

// ---------------------------------------------------------------- hashes

interface Hasher {
  (data: Uint8Array): Uint8Array;
  outputLen: number;
}

function hasher(name: HashName): Hasher {
  switch (name) {
    case 'SHA-256':
      return sha256;
    case 'SHA-384':
      return sha384;
    case 'SHA-512':
      return sha512;
    default:
      throw new TlsError('CERT_UNSUPPORTED_ALGORITHM', `unsupported hash ${String(name)}`);
  }
}

/** MGF1, RFC 8017 §B.2.1. */
function mgf1(hash: Hasher, seed: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len);
  const buf = new Uint8Array(seed.length + 4);
  buf.set(seed);
  for (let counter = 0, off = 0; off < len; counter++) {
    new DataView(buf.buffer, buf.byteOffset).setUint32(seed.length, counter);
    const t = hash(buf);
    out.set(t.subarray(0, Math.min(t.length, len - off)), off);
    off += t.length;
  }
  return out;
}

/** Equality whose running time depends only on the lengths. */
function ctEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function checkSaltLength(saltLength: number): void {
  if (!Number.isSafeInteger(saltLength) || saltLength < 0) {
    throw new TlsError('CERT_UNSUPPORTED_ALGORITHM', 'invalid PSS salt length');
  }
}

// ---------------------------------------------------------------- RSASSA-PSS

/** M' = (0x)00 00 00 00 00 00 00 00 || mHash || salt, hashed (RFC 8017 §9.1.1 steps 5-6). */
function pssH(hash: Hasher, mHash: Uint8Array, salt: Uint8Array): Uint8Array {
  const mp = new Uint8Array(8 + mHash.length + salt.length);
  mp.set(mHash, 8);
  mp.set(salt, 8 + mHash.length);
  return hash(mp);
}

/** EMSA-PSS-ENCODE, RFC 8017 §9.1.1. */
function emsaPssEncode(hash: Hasher, message: Uint8Array, emBits: number, salt: Uint8Array): Uint8Array {
  const hLen = hash.outputLen;
  const emLen = (emBits + 7) >> 3;
  if (emLen < hLen + salt.length + 2) {
    throw new TlsError('INTERNAL_ERROR', 'RSA key too small for PSS parameters');
  }
  const H = pssH(hash, hash(message), salt);
  const dbLen = emLen - hLen - 1;
  const db = new Uint8Array(dbLen);
  db[dbLen - salt.length - 1] = 0x01;
  db.set(salt, dbLen - salt.length);
  const mask = mgf1(hash, H, dbLen);
  for (let i = 0; i < dbLen; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const em = new Uint8Array(emLen);
  em.set(db);
  em.set(H, dbLen);
  em[emLen - 1] = 0xbc;
  return em;
}

/** EMSA-PSS-VERIFY, RFC 8017 §9.1.2, for exactly `sLen` bytes of salt. */
function emsaPssVerify(hash: Hasher, message: Uint8Array, em: Uint8Array, emBits: number, sLen: number): boolean {
  const hLen = hash.outputLen;
  const emLen = em.length;
  if (emLen < hLen + sLen + 2) return false; // step 3
  if (em[emLen - 1] !== 0xbc) return false; // step 4
  const dbLen = emLen - hLen - 1;
  const H = em.subarray(dbLen, dbLen + hLen);
  const topMask = 0xff >> (8 * emLen - emBits);
  if ((em[0]! & ~topMask) !== 0) return false; // step 6
  const db = mgf1(hash, H, dbLen);
  for (let i = 0; i < dbLen; i++) db[i]! ^= em[i]!;
  db[0]! &= topMask; // step 9
  // Step 10: PS is all zero, then a 0x01 separator.
  const psLen = dbLen - sLen - 1;
  let bad = db[psLen]! ^ 0x01;
  for (let i = 0; i < psLen; i++) bad |= db[i]!;
  if (bad !== 0) return false;
  const salt = db.subarray(dbLen - sLen);
  return ctEqual(pssH(hash, hash(message), salt), H); // steps 12-14
}

/** RSASSA-PSS-VERIFY, RFC 8017 §8.1.2. Returns false for any invalid signature. */
export function rsaPssVerify(
  key: RsaPublicKey,
  hashName: HashName,
  saltLength: number,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const modBits = checkRsaPublicKey(key);
  checkSaltLength(saltLength);
  const hash = hasher(hashName);
  const k = (modBits + 7) >> 3;
  if (signature.length !== k) return false; // step 1
  const m = rsavp1(key, bytesToBigInt(signature));
  if (m === null) return false;
  const emBits = modBits - 1;
  const emLen = (emBits + 7) >> 3;
  // Step 2c: I2OSP fails (invalid signature) if m needs more than emLen octets.
  if (bitLength(m) > emLen * 8) return false;
  return emsaPssVerify(hash, message, bigIntToBytes(m, emLen), emBits, saltLength);
}

/** RSASSA-PSS-SIGN, RFC 8017 §8.1.1. `random` supplies the salt and blinding. */
export function rsaPssSign(
  key: RsaPrivateKey,
  hashName: HashName,
  saltLength: number,
  message: Uint8Array,
  random: RandomSource = systemRandom,
): Uint8Array {
  const modBits = checkRsaPublicKey(key);
  checkSaltLength(saltLength);
  const hash = hasher(hashName);
  const salt = saltLength === 0 ? new Uint8Array(0) : random(saltLength);
  if (salt.length !== saltLength) throw new TlsError('INTERNAL_ERROR', 'random source returned wrong length');
  const em = emsaPssEncode(hash, message, modBits - 1, salt);
  const s = rsasp1(key, bytesToBigInt(em), random);
  return bigIntToBytes(s, (modBits + 7) >> 3);
}

// ---------------------------------------------------------------- RSASSA-PKCS1-v1_5

/** DER DigestInfo prefixes, RFC 8017 §9.2 note 1. */
const DIGEST_INFO_PREFIX: Record<HashName, Uint8Array> = {
  'SHA-256': hex('3031300d060960864801650304020105000420'),
  'SHA-384': hex('3041300d060960864801650304020205000430'),
  'SHA-512': hex('3051300d060960864801650304020305000440'),
};

function hex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** EMSA-PKCS1-v1_5-ENCODE, RFC 8017 §9.2; null if the key is too small. */
function emsaPkcs1Encode(hashName: HashName, message: Uint8Array, emLen: number): Uint8Array | null {
  const prefix = DIGEST_INFO_PREFIX[hashName];
  const digest = hasher(hashName)(message);
  const tLen = prefix.length + digest.length;
  if (emLen < tLen + 11) return null;
  const em = new Uint8Array(emLen).fill(0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[emLen - tLen - 1] = 0x00;
  em.set(prefix, emLen - tLen);
  em.set(digest, emLen - digest.length);
  return em;
}

/**
 * RSASSA-PKCS1-V1_5-VERIFY, RFC 8017 §8.2.2: re-encode and compare the whole
 * encoded message, never parse the padding (Bleichenbacher 2006).
 */
export function rsaPkcs1Verify(
  key: RsaPublicKey,
  hashName: HashName,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const modBits = checkRsaPublicKey(key);
  const k = (modBits + 7) >> 3;
  if (signature.length !== k) return false;
  const expected = emsaPkcs1Encode(hashName, message, k);
  if (expected === null) return false;
  const m = rsavp1(key, bytesToBigInt(signature));
  if (m === null) return false;
  return ctEqual(bigIntToBytes(m, k), expected);
}

/** RSASSA-PKCS1-V1_5-SIGN, RFC 8017 §8.2.1; `random` only feeds blinding. */
export function rsaPkcs1Sign(
  key: RsaPrivateKey,
  hashName: HashName,
  message: Uint8Array,
  random: RandomSource = systemRandom,
): Uint8Array {
  const modBits = checkRsaPublicKey(key);
  const k = (modBits + 7) >> 3;
  const em = emsaPkcs1Encode(hashName, message, k);
  if (em === null) throw new TlsError('INTERNAL_ERROR', 'RSA key too small for digest');
  return bigIntToBytes(rsasp1(key, bytesToBigInt(em), random), k);
}
