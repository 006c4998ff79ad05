/**
 * The pure provider: the primitives of the audited noble libraries (with
 * AES-GCM's GHASH kept per key in gcm.ts, around noble's AES).
 * Synchronous; runs anywhere JavaScript runs.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { TlsError } from '../errors.js';
import type {
  AeadKey,
  AeadName,
  CryptoProvider,
  GroupName,
  HashFunction,
  HashName,
  HashState,
  KeyShare,
  RandomSource,
} from './provider.js';
import { aesGcmKey } from './gcm.js';
import { nobleSign, nobleVerify } from './signatures.js';

interface NobleHashState {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
  clone(): NobleHashState;
}
interface NobleHash {
  (data: Uint8Array): Uint8Array;
  outputLen: number;
  blockLen: number;
  create(): NobleHashState;
}

function makeHash(name: HashName, fn: NobleHash): HashFunction {
  const wrap = (h: ReturnType<NobleHash['create']>): HashState => ({
    update(data) {
      h.update(data);
      return this;
    },
    peek: () => h.clone().digest(),
    clone: () => wrap(h.clone()),
  });
  return {
    name,
    outputLen: fn.outputLen,
    digest: (data) => fn(data),
    create: () => wrap(fn.create()),
    hmac: (key, data) => hmac(hashFor[name], key, data),
  };
}

const hashFor = { 'SHA-256': sha256, 'SHA-384': sha384, 'SHA-512': sha512 } as const;

const hashes: Record<HashName, HashFunction> = {
  'SHA-256': makeHash('SHA-256', sha256),
  'SHA-384': makeHash('SHA-384', sha384),
  'SHA-512': makeHash('SHA-512', sha512),
};

function nobleAead(name: AeadName, key: Uint8Array): AeadKey {
  // AES-GCM keeps its key schedule and GHASH table per key (gcm.ts).
  if (name !== 'CHACHA20-POLY1305') return aesGcmKey(key);
  return {
    tagLength: 16,
    seal: (nonce, aad, plaintext) => chacha20poly1305(key, nonce, aad).encrypt(plaintext),
    open(nonce, aad, ciphertext) {
      try {
        return chacha20poly1305(key, nonce, aad).decrypt(ciphertext);
      } catch {
        return null; // authentication failure (or a too-short input)
      }
    },
  };
}

function illegalShare(group: GroupName): TlsError {
  return new TlsError('ILLEGAL_PARAMETER', `invalid ${group} key share from server`);
}

/** x25519 with the all-zero result check of RFC 8446 §7.4.2. */
function x25519Agree(priv: Uint8Array, peer: Uint8Array, group: GroupName): Uint8Array {
  if (peer.length !== 32) throw illegalShare(group);
  let secret: Uint8Array;
  try {
    secret = x25519.getSharedSecret(priv, peer);
  } catch {
    throw illegalShare(group);
  }
  let acc = 0;
  for (const b of secret) acc |= b;
  if (acc === 0) throw illegalShare(group);
  return secret;
}

type NistCurve = typeof p256;
const nist: Record<string, { curve: NistCurve; size: number }> = {
  secp256r1: { curve: p256, size: 32 },
  secp384r1: { curve: p384 as NistCurve, size: 48 },
  secp521r1: { curve: p521 as NistCurve, size: 66 },
};

/** Draws a valid scalar for a NIST curve from the random source. */
function nistScalar(curve: NistCurve, size: number, random: RandomSource): Uint8Array {
  for (let i = 0; i < 64; i++) {
    const k = random(size);
    if (size === 66) k[0]! &= 0x01; // P-521: 521 bits
    if (curve.utils.isValidSecretKey(k)) return k;
  }
  throw new TlsError('INTERNAL_ERROR', 'random source produced no valid scalar');
}

function nobleKeyShare(group: GroupName, random: RandomSource): KeyShare {
  if (group === 'x25519') {
    const priv = random(32);
    return {
      group,
      publicKey: x25519.getPublicKey(priv),
      agree: (peer) => x25519Agree(priv, peer, group),
    };
  }
  if (group === 'X25519MLKEM768') {
    // draft-ietf-tls-ecdhe-mlkem §4.1: ML-KEM encapsulation key first, then x25519.
    const seed = random(64);
    const kem = ml_kem768.keygen(seed);
    const priv = random(32);
    const pub = new Uint8Array(1184 + 32);
    pub.set(kem.publicKey, 0);
    pub.set(x25519.getPublicKey(priv), 1184);
    return {
      group,
      publicKey: pub,
      agree(peer) {
        if (peer.length !== 1088 + 32) throw illegalShare(group);
        const ss = ml_kem768.decapsulate(peer.subarray(0, 1088), kem.secretKey);
        const ecdh = x25519Agree(priv, peer.subarray(1088), group);
        const out = new Uint8Array(64);
        out.set(ss, 0);
        out.set(ecdh, 32);
        return out;
      },
    };
  }
  const params = nist[group];
  if (!params) throw new TlsError('INTERNAL_ERROR', `unsupported group ${group}`);
  const { curve, size } = params;
  const priv = nistScalar(curve, size, random);
  return {
    group,
    publicKey: curve.getPublicKey(priv, false),
    agree(peer) {
      // RFC 8446 §4.2.8.2: uncompressed form only, and on the curve.
      if (peer.length !== 1 + 2 * size || peer[0] !== 4) throw illegalShare(group);
      try {
        curve.Point.fromBytes(peer).assertValidity();
        return curve.getSharedSecret(priv, peer, true).subarray(1);
      } catch {
        throw illegalShare(group);
      }
    },
  };
}

/** The pure provider: every primitive from the noble libraries, synchronous, runs anywhere. */
export const nobleProvider: CryptoProvider = {
  name: 'noble',
  hash: (name) => hashes[name],
  aead: nobleAead,
  generateKeyShare: nobleKeyShare,
  verify: nobleVerify,
  sign: (alg, pkcs8, message) => nobleSign(alg, pkcs8, message),
};
