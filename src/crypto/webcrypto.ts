/**
 * The platform provider: every primitive the runtime's WebCrypto
 * (globalThis.crypto.subtle) implements, noble for the rest.
 *
 * Each WebCrypto algorithm is probed once, with a known-answer test, the
 * first time it is needed (webcrypto-probes.ts); the answer is cached and a
 * missing or broken algorithm falls back to the noble code path for good.
 * The key encodings it imports are in webcrypto-keys.ts. Hashing and HMAC
 * stay with noble: the engine needs them synchronously (provider.ts), and
 * ChaCha20-Poly1305 has no WebCrypto algorithm at all.
 *
 * Key shares draw their private keys from the RandomSource exactly as noble
 * does and import them (PKCS#8), so a scripted random source (RFC 8448
 * replays) produces the same bytes with either provider. The one exception
 * is the default source, systemRandom: it is the platform CSPRNG already, so
 * the platform generates the key itself, which is several times cheaper than
 * importing one (OpenSSL 3's PKCS#8 decoder dominates an import in Node).
 */
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { TlsError } from '../errors.js';
import { ecdsaDerToRaw, ecdsaRawToDer } from './der.js';
import { parsePrivateKey, parseSpki, type EcCurve } from './keys.js';
import { registerProvider } from './index.js';
import { nobleProvider } from './noble.js';
import {
  systemRandom,
  type AeadKey,
  type AeadName,
  type CryptoProvider,
  type GroupName,
  type HashName,
  type KeyShare,
  type MaybePromise,
  type RandomSource,
  type SignatureAlgorithm,
} from './provider.js';
import { checkRsaPublicKey } from './rsa.js';
import { nobleSign, nobleVerify } from './signatures.js';
import { resetProbes, supported } from './webcrypto-probes.js';
import { concat as cat, toHex } from '../codec.js';
import { bigToB64url, buf, ecPkcs8, ecPublicKey, ED25519_PKCS8_PREFIX, nist, resetBasePoint, subtle, x25519Import, x25519PublicKey } from './webcrypto-keys.js';

const nistGroups: Partial<Record<GroupName, EcCurve>> = {
  secp256r1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};
// ---------------------------------------------------------------- AEAD

function webAead(s: SubtleCrypto, key: CryptoKey): AeadKey {
  return {
    tagLength: 16,
    async seal(nonce, aad, plaintext) {
      const params = { name: 'AES-GCM', iv: buf(nonce), additionalData: buf(aad) };
      return new Uint8Array(await s.encrypt(params, key, buf(plaintext)));
    },
    async open(nonce, aad, ciphertext) {
      try {
        const params = { name: 'AES-GCM', iv: buf(nonce), additionalData: buf(aad) };
        return new Uint8Array(await s.decrypt(params, key, buf(ciphertext)));
      } catch {
        return null; // OperationError: the tag does not verify
      }
    },
  };
}

function aead(name: AeadName, key: Uint8Array): MaybePromise<AeadKey> {
  if (name === 'CHACHA20-POLY1305') return nobleProvider.aead(name, key);
  const make = async (ok: boolean): Promise<AeadKey> => {
    const s = subtle();
    if (!ok || !s) return nobleProvider.aead(name, key);
    return webAead(s, await s.importKey('raw', buf(key), 'AES-GCM', false, ['encrypt', 'decrypt']));
  };
  const ok = supported('AES-GCM');
  return typeof ok === 'boolean' ? make(ok) : ok.then(make);
}

// ---------------------------------------------------------------- key shares

function illegalShare(group: GroupName): TlsError {
  return new TlsError('ILLEGAL_PARAMETER', `invalid ${group} key share from server`);
}

/** RFC 7748 §6.1 / RFC 8446 §7.4.2: refuse the all-zero shared secret. */
function nonZero(secret: Uint8Array, group: GroupName): Uint8Array {
  let acc = 0;
  for (let i = 0; i < secret.length; i++) acc |= secret[i]!;
  if (acc === 0) throw illegalShare(group);
  return secret;
}

async function x25519Agree(s: SubtleCrypto, priv: CryptoKey, peer: Uint8Array, group: GroupName): Promise<Uint8Array> {
  if (peer.length !== 32) throw illegalShare(group);
  let secret: Uint8Array;
  try {
    const pub = await s.importKey('raw', buf(peer), { name: 'X25519' }, true, []);
    secret = new Uint8Array(await s.deriveBits({ name: 'X25519', public: pub } as EcdhKeyDeriveParams, priv, 256));
  } catch {
    // Runtimes reject low-order points (all-zero output) with OperationError.
    throw illegalShare(group);
  }
  return nonZero(secret, group);
}

interface X25519Half {
  publicKey: Uint8Array;
  agree(peer: Uint8Array): MaybePromise<Uint8Array>;
}

/** An X25519 key pair (32 random bytes), on WebCrypto when it has X25519. */
async function x25519Half(random: RandomSource, group: GroupName): Promise<X25519Half> {
  const s = subtle();
  if (s && (await supported('X25519'))) {
    if (random === systemRandom) {
      const pair = (await s.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair;
      const publicKey = new Uint8Array(await s.exportKey('raw', pair.publicKey));
      return { publicKey, agree: (peer) => x25519Agree(s, pair.privateKey, peer, group) };
    }
    const key = await x25519Import(s, random(32));
    return { publicKey: await x25519PublicKey(s, key), agree: (peer) => x25519Agree(s, key, peer, group) };
  }
  const share = await nobleProvider.generateKeyShare('x25519', random);
  return { publicKey: share.publicKey, agree: (peer) => share.agree(peer) };
}

async function nistShare(group: GroupName, curve: EcCurve, random: RandomSource): Promise<KeyShare> {
  const s = subtle();
  if (!s || !(await supported(`ECDH-${curve}`))) return nobleProvider.generateKeyShare(group, random);
  const c = nist[curve];
  const size = c.Point.Fp.BYTES;
  const alg = { name: 'ECDH', namedCurve: curve };
  if (random === systemRandom) {
    const pair = (await s.generateKey(alg, false, ['deriveBits'])) as CryptoKeyPair;
    return nistKeyShare(s, group, curve, pair.privateKey, new Uint8Array(await s.exportKey('raw', pair.publicKey)));
  }
  // The same draws as the noble provider, so scripted randomness gives the same key.
  let scalar: Uint8Array | null = null;
  for (let i = 0; i < 64 && !scalar; i++) {
    const k = random(size);
    if (size === 66) k[0]! &= 0x01; // P-521: 521 bits
    if (c.utils.isValidSecretKey(k)) scalar = k;
  }
  if (!scalar) throw new TlsError('INTERNAL_ERROR', 'random source produced no valid scalar');
  const priv = await s.importKey('pkcs8', ecPkcs8(curve, scalar), alg, true, ['deriveBits']);
  return nistKeyShare(s, group, curve, priv, await ecPublicKey(s, priv, curve));
}

function nistKeyShare(s: SubtleCrypto, group: GroupName, curve: EcCurve, priv: CryptoKey, publicKey: Uint8Array): KeyShare {
  const c = nist[curve];
  const size = c.Point.Fp.BYTES;
  const alg = { name: 'ECDH', namedCurve: curve };
  return {
    group,
    publicKey,
    async agree(peer) {
      // RFC 8446 §4.2.8.2: uncompressed form only, and on the curve; checked
      // here as well so the answer does not depend on the runtime.
      if (peer.length !== 1 + 2 * size || peer[0] !== 4) throw illegalShare(group);
      try {
        c.Point.fromBytes(peer).assertValidity();
        const pub = await s.importKey('raw', buf(peer), alg, true, []);
        return new Uint8Array(await s.deriveBits({ name: 'ECDH', public: pub } as EcdhKeyDeriveParams, priv, size * 8));
      } catch {
        throw illegalShare(group);
      }
    },
  };
}

async function generateKeyShare(group: GroupName, random: RandomSource): Promise<KeyShare> {
  if (group === 'x25519') {
    const half = await x25519Half(random, group);
    return { group, publicKey: half.publicKey, agree: (peer) => half.agree(peer) };
  }
  if (group === 'X25519MLKEM768') {
    // draft-ietf-tls-ecdhe-mlkem §4.1: ML-KEM encapsulation key first, then
    // x25519. ML-KEM has no WebCrypto algorithm yet; noble does it.
    const kem = ml_kem768.keygen(random(64));
    const half = await x25519Half(random, group);
    const pub = new Uint8Array(1184 + 32);
    pub.set(kem.publicKey, 0);
    pub.set(half.publicKey, 1184);
    return {
      group,
      publicKey: pub,
      async agree(peer) {
        if (peer.length !== 1088 + 32) throw illegalShare(group);
        const ss = ml_kem768.decapsulate(peer.subarray(0, 1088), kem.secretKey);
        const ecdh = await half.agree(peer.subarray(1088));
        const out = new Uint8Array(64);
        out.set(ss, 0);
        out.set(ecdh, 32);
        return out;
      },
    };
  }
  const curve = nistGroups[group];
  if (!curve) throw new TlsError('INTERNAL_ERROR', `unsupported group ${group}`);
  return nistShare(group, curve, random);
}

// ---------------------------------------------------------------- signatures

/** Imported verification keys by algorithm and SPKI: CA keys recur on every connection. */
const verifyKeys = new Map<string, Promise<CryptoKey>>();
const VERIFY_KEY_CACHE = 256;

function cachedKey(id: string, make: () => Promise<CryptoKey>): Promise<CryptoKey> {
  let k = verifyKeys.get(id);
  if (k) {
    // Refresh: Map iteration order is the eviction order.
    verifyKeys.delete(id);
    verifyKeys.set(id, k);
    return k;
  }
  k = make();
  k.catch(() => verifyKeys.delete(id));
  verifyKeys.set(id, k);
  if (verifyKeys.size > VERIFY_KEY_CACHE) verifyKeys.delete(verifyKeys.keys().next().value!);
  return k;
}

/** A key the platform cannot load is a bad certificate, like noble's point check. */
async function importVerifyKey(id: string, make: () => Promise<CryptoKey>): Promise<CryptoKey> {
  try {
    return await cachedKey(id, make);
  } catch (cause) {
    throw new TlsError('BAD_CERTIFICATE', 'invalid public key', { cause });
  }
}

/** Runs a platform verification; any platform error means "does not verify". */
async function check(op: () => Promise<boolean>): Promise<boolean> {
  try {
    return await op();
  } catch {
    return false;
  }
}

async function verify(
  alg: SignatureAlgorithm,
  spki: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const s = subtle();
  // The same parse and policy checks as noble, so both refuse the same keys with the same errors.
  const key = parseSpki(spki);
  if (!s) return nobleVerify(alg, spki, message, signature);
  switch (alg.kind) {
    case 'ecdsa': {
      // Compressed points are legal in SPKI but not portable to WebCrypto.
      if (key.kind !== 'ec' || key.point[0] !== 4 || !(await supported(`ECDSA-${key.curve}`))) break;
      const Point = nist[key.curve].Point;
      const ck = await importVerifyKey(`ecdsa:${key.curve}:${toHex(key.point)}`, async () => {
        // On the curve (SEC 1 §3.2.2), checked by noble so no runtime's leniency matters.
        Point.fromBytes(key.point);
        return s.importKey('raw', buf(key.point), { name: 'ECDSA', namedCurve: key.curve }, false, ['verify']);
      });
      const raw = ecdsaDerToRaw(signature, Point.Fn.BYTES, Point.Fn.ORDER);
      if (raw === null) return false;
      return check(() => s.verify({ name: 'ECDSA', hash: alg.hash }, ck, buf(raw), buf(message)));
    }
    case 'ed25519': {
      if (key.kind !== 'ed25519' || !(await supported('Ed25519'))) break;
      if (signature.length !== 64) return false;
      const ck = await importVerifyKey(`ed25519:${toHex(key.key)}`, () =>
        s.importKey('raw', buf(key.key), { name: 'Ed25519' }, false, ['verify']),
      );
      return check(() => s.verify({ name: 'Ed25519' }, ck, buf(signature), buf(message)));
    }
    case 'rsa-pss':
    case 'rsa-pkcs1': {
      // id-RSASSA-PSS keys (with their parameter rules) stay with noble.
      if (key.kind !== 'rsa') break;
      const name = alg.kind === 'rsa-pss' ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5';
      if (!(await supported(name))) break;
      const bits = checkRsaPublicKey(key);
      if (alg.kind === 'rsa-pss' && (!Number.isSafeInteger(alg.saltLength) || alg.saltLength < 0)) break;
      if (signature.length !== (bits + 7) >> 3) return false;
      const ck = await importVerifyKey(`${name}:${alg.hash}:${key.n.toString(16)}:${key.e.toString(16)}`, () =>
        s.importKey('jwk', { kty: 'RSA', n: bigToB64url(key.n), e: bigToB64url(key.e) }, { name, hash: alg.hash }, false, [
          'verify',
        ]),
      );
      const params = alg.kind === 'rsa-pss' ? { name, saltLength: alg.saltLength } : { name };
      return check(() => s.verify(params, ck, buf(signature), buf(message)));
    }
  }
  return nobleVerify(alg, spki, message, signature);
}

async function sign(alg: SignatureAlgorithm, pkcs8: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const s = subtle();
  if (!s) return nobleSign(alg, pkcs8, message);
  const key = parsePrivateKey(pkcs8);
  try {
    if (alg.kind === 'ecdsa' && key.kind === 'ec' && (await supported(`ECDSA-${key.curve}`))) {
      const ck = await s.importKey('pkcs8', ecPkcs8(key.curve, key.scalar), { name: 'ECDSA', namedCurve: key.curve }, false, [
        'sign',
      ]);
      const raw = new Uint8Array(await s.sign({ name: 'ECDSA', hash: alg.hash }, ck, buf(message)));
      return ecdsaRawToDer(raw);
    }
    if (alg.kind === 'ed25519' && key.kind === 'ed25519' && (await supported('Ed25519'))) {
      const ck = await s.importKey('pkcs8', cat(ED25519_PKCS8_PREFIX, key.seed), { name: 'Ed25519' }, false, ['sign']);
      return new Uint8Array(await s.sign({ name: 'Ed25519' }, ck, buf(message)));
    }
    if ((alg.kind === 'rsa-pss' || alg.kind === 'rsa-pkcs1') && key.kind === 'rsa') {
      const name = alg.kind === 'rsa-pss' ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5';
      if (await supported(name)) {
        checkRsaPublicKey(key);
        const jwk: JsonWebKey = {
          kty: 'RSA',
          n: bigToB64url(key.n),
          e: bigToB64url(key.e),
          d: bigToB64url(key.d),
          p: bigToB64url(key.p),
          q: bigToB64url(key.q),
          dp: bigToB64url(key.dP),
          dq: bigToB64url(key.dQ),
          qi: bigToB64url(key.qInv),
        };
        const ck = await s.importKey('jwk', jwk, { name, hash: alg.hash }, false, ['sign']);
        const params = alg.kind === 'rsa-pss' ? { name, saltLength: alg.saltLength } : { name };
        return new Uint8Array(await s.sign(params, ck, buf(message)));
      }
    }
  } catch (e) {
    if (e instanceof TlsError) throw e;
    // A key the platform will not take (unusual encodings): noble decides.
  }
  return nobleSign(alg, pkcs8, message);
}

// ---------------------------------------------------------------- the provider

/** The platform provider: WebCrypto for each primitive that passes its probe, noble for hashing, ChaCha20-Poly1305 and anything missing. */
export const webcryptoProvider: CryptoProvider = {
  name: 'webcrypto',
  hash: (name: HashName) => nobleProvider.hash(name),
  aead,
  generateKeyShare,
  verify,
  sign,
};

registerProvider('webcrypto', () => webcryptoProvider);

/** Test hook: forgets what was probed and imported. */
export const _features = {
  reset(): void {
    resetProbes();
    resetBasePoint();
    verifyKeys.clear();
  },
};
