/**
 * Signature verification and signing for the noble (pure, synchronous)
 * provider: ECDSA on P-256/384/521 and Ed25519 via @noble/curves, RSA via
 * ./rsa.ts. Keys come in as DER (SubjectPublicKeyInfo / PKCS#8).
 */

import { ecdsa, type ECDSA } from '@noble/curves/abstract/weierstrass.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { TlsError } from '../errors.js';
import { systemRandom, type HashName, type RandomSource, type SignatureAlgorithm } from './provider.js';
import { ecdsaDerToRaw } from './der.js';
import { parsePrivateKey, parseSpki, type EcCurve, type PssParams } from './keys.js';
import { rsaPkcs1Sign, rsaPkcs1Verify, rsaPssSign, rsaPssVerify } from './rsa.js';

// ---------------------------------------------------------------- ECDSA instances

const curves: Record<EcCurve, ECDSA> = { 'P-256': p256, 'P-384': p384, 'P-521': p521 };
const hashes = { 'SHA-256': sha256, 'SHA-384': sha384, 'SHA-512': sha512 } as const;
const ecdsaCache = new Map<string, ECDSA>();

/**
 * ECDSA over `curve` with `hash` for both the message digest and the
 * RFC 6979 nonce DRBG: X.509 lets any hash pair with any curve, so the
 * curve's default hash is not enough.
 */
function ecdsaFor(curve: EcCurve, hash: HashName): ECDSA {
  const id = `${curve}/${hash}`;
  let inst = ecdsaCache.get(id);
  if (!inst) {
    const h = hashes[hash];
    if (!h) throw new TlsError('CERT_UNSUPPORTED_ALGORITHM', `unsupported hash ${String(hash)}`);
    inst = ecdsa(curves[curve].Point, h);
    ecdsaCache.set(id, inst);
  }
  return inst;
}

function mismatch(alg: SignatureAlgorithm, keyKind: string): TlsError {
  return new TlsError(
    'CERT_UNSUPPORTED_ALGORITHM',
    `signature algorithm ${alg.kind} does not match ${keyKind} key`,
  );
}

/**
 * An id-RSASSA-PSS key with parameters may only sign with its hash (for both
 * digest and MGF1) and at least its salt length (RFC 4055 §3.1).
 */
function checkPssRestrictions(alg: SignatureAlgorithm & { kind: 'rsa-pss' }, params: PssParams | undefined): void {
  if (params === undefined) return;
  if (params.hash !== alg.hash || params.mgfHash !== alg.hash || alg.saltLength < params.saltLength) {
    throw new TlsError('CERT_UNSUPPORTED_ALGORITHM', 'signature parameters not allowed by RSA-PSS key');
  }
}

// ---------------------------------------------------------------- verify

/**
 * Verifies `signature` over `message` with the DER SubjectPublicKeyInfo
 * `spki`. Returns false for a signature that does not verify (including a
 * malformed encoding); throws TlsError for a malformed or unsupported key or
 * a key that does not fit `alg`.
 */
export function nobleVerify(
  alg: SignatureAlgorithm,
  spki: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const key = parseSpki(spki);
  switch (alg.kind) {
    case 'ecdsa': {
      if (key.kind !== 'ec') throw mismatch(alg, key.kind);
      const inst = ecdsaFor(key.curve, alg.hash);
      const { Point } = inst;
      try {
        Point.fromBytes(key.point); // on-curve and not infinity (SEC 1 §3.2.2)
      } catch (cause) {
        throw new TlsError('BAD_CERTIFICATE', 'invalid EC public key', { cause });
      }
      const raw = ecdsaDerToRaw(signature, Point.Fn.BYTES, Point.Fn.ORDER);
      if (raw === null) return false;
      try {
        // High-S signatures are valid ECDSA (X9.62); only some blockchains reject them.
        return inst.verify(raw, message, key.point, { lowS: false, prehash: true, format: 'compact' });
      } catch {
        return false;
      }
    }
    case 'ed25519': {
      if (key.kind !== 'ed25519') throw mismatch(alg, key.kind);
      if (signature.length !== 64) return false;
      try {
        // RFC 8032 §5.1.7 strict decoding, not the looser ZIP-215 rules.
        return ed25519.verify(signature, message, key.key, { zip215: false });
      } catch {
        return false;
      }
    }
    case 'rsa-pss': {
      // RFC 8446 §4.2.3: rsa_pss_rsae_* uses rsaEncryption keys, rsa_pss_pss_* id-RSASSA-PSS keys.
      if (key.kind === 'rsa-pss') checkPssRestrictions(alg, key.params);
      else if (key.kind !== 'rsa') throw mismatch(alg, key.kind);
      return rsaPssVerify(key, alg.hash, alg.saltLength, message, signature);
    }
    case 'rsa-pkcs1': {
      // An id-RSASSA-PSS key must not be used for PKCS#1 v1.5 (RFC 4055 §1.2).
      if (key.kind !== 'rsa') throw mismatch(alg, key.kind);
      return rsaPkcs1Verify(key, alg.hash, message, signature);
    }
    default:
      throw new TlsError('CERT_UNSUPPORTED_ALGORITHM', 'unsupported signature algorithm');
  }
}

// ---------------------------------------------------------------- sign

/**
 * Signs `message` with a DER private key: PKCS#8, or PKCS#1 RSAPrivateKey,
 * or SEC1 ECPrivateKey (with curve parameters). ECDSA is deterministic
 * (RFC 6979) and DER-encoded; `random` feeds the RSA-PSS salt and RSA
 * blinding.
 */
export function nobleSign(
  alg: SignatureAlgorithm,
  pkcs8: Uint8Array,
  message: Uint8Array,
  random: RandomSource = systemRandom,
): Uint8Array {
  const key = parsePrivateKey(pkcs8);
  switch (alg.kind) {
    case 'ecdsa': {
      if (key.kind !== 'ec') throw mismatch(alg, key.kind);
      const inst = ecdsaFor(key.curve, alg.hash);
      try {
        // lowS: false keeps the exact RFC 6979 output; either half is valid ECDSA.
        return inst.sign(message, key.scalar, { prehash: true, lowS: false, format: 'der', extraEntropy: false });
      } catch (cause) {
        throw new TlsError('DECODE_ERROR', 'invalid EC private key', { cause });
      }
    }
    case 'ed25519': {
      if (key.kind !== 'ed25519') throw mismatch(alg, key.kind);
      return ed25519.sign(message, key.seed);
    }
    case 'rsa-pss': {
      if (key.kind === 'rsa-pss') checkPssRestrictions(alg, key.params);
      else if (key.kind !== 'rsa') throw mismatch(alg, key.kind);
      return rsaPssSign(key, alg.hash, alg.saltLength, message, random);
    }
    case 'rsa-pkcs1': {
      if (key.kind !== 'rsa') throw mismatch(alg, key.kind);
      return rsaPkcs1Sign(key, alg.hash, message, random);
    }
    default:
      throw new TlsError('CERT_UNSUPPORTED_ALGORITHM', 'unsupported signature algorithm');
  }
}
