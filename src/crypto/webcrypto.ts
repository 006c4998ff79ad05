/**
 * The platform provider: every primitive the runtime's WebCrypto
 * (globalThis.crypto.subtle) implements, noble for the rest.
 *
 * Each WebCrypto algorithm is probed once, with a known-answer test, the
 * first time it is needed; the answer is cached and a missing or broken
 * algorithm falls back to the noble code path for good. Hashing and HMAC
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
import { p256, p384, p521 } from '@noble/curves/nist.js';
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

// ---------------------------------------------------------------- bytes

type Bytes = Uint8Array<ArrayBuffer>;

function fromHex(h: string): Bytes {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return s;
}

function cat(...parts: Uint8Array[]): Bytes {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  n = 0;
  for (const p of parts) {
    out.set(p, n);
    n += p.length;
  }
  return out;
}

/**
 * A view WebCrypto accepts: TypeScript's DOM types want an ArrayBuffer
 * backing, which every Uint8Array we pass has (no SharedArrayBuffer here).
 */
const buf = (b: Uint8Array): Bytes => b as Bytes;

function b64url(b: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < b.length; i++) bin += String.fromCharCode(b[i]!);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(s: string): Bytes {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function bigToB64url(x: bigint): string {
  let hex = x.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return b64url(fromHex(hex));
}

/** A short DER TLV (lengths < 65536, all we build). */
function tlv(tag: number, value: Uint8Array): Bytes {
  const n = value.length;
  const head = n < 0x80 ? [tag, n] : n < 0x100 ? [tag, 0x81, n] : [tag, 0x82, n >> 8, n & 0xff];
  return cat(Uint8Array.from(head), value);
}

// ---------------------------------------------------------------- key encodings

/** RFC 8410 §7 PKCS#8 prefixes for a 32-byte X25519 / Ed25519 private key. */
const X25519_PKCS8_PREFIX = fromHex('302e020100300506032b656e04220420');
const ED25519_PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');

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
function ecPkcs8(curve: EcCurve, scalar: Uint8Array): Bytes {
  const ecPrivateKey = tlv(0x30, cat(fromHex('020101'), tlv(0x04, scalar)));
  const algId = tlv(0x30, cat(EC_OID_PUBLIC_KEY, CURVE_OID[curve]));
  return tlv(0x30, cat(fromHex('020100'), algId, tlv(0x04, ecPrivateKey)));
}

// ---------------------------------------------------------------- feature detection

type Feature =
  | 'AES-GCM'
  | 'X25519'
  | 'ECDH-P-256'
  | 'ECDH-P-384'
  | 'ECDH-P-521'
  | 'ECDSA-P-256'
  | 'ECDSA-P-384'
  | 'ECDSA-P-521'
  | 'Ed25519'
  | 'RSA-PSS'
  | 'RSASSA-PKCS1-v1_5';

const FEATURES: readonly Feature[] = [
  'AES-GCM',
  'X25519',
  'ECDH-P-256',
  'ECDH-P-384',
  'ECDH-P-521',
  'ECDSA-P-256',
  'ECDSA-P-384',
  'ECDSA-P-521',
  'Ed25519',
  'RSA-PSS',
  'RSASSA-PKCS1-v1_5',
];

const nist = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;
const nistGroups: Partial<Record<GroupName, EcCurve>> = {
  secp256r1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

function subtle(): SubtleCrypto | null {
  return globalThis.crypto?.subtle ?? null;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** Known-answer probes: an algorithm counts only if it gives the right answer. */
const probes: Record<Feature, (s: SubtleCrypto) => Promise<boolean>> = {
  async 'AES-GCM'(s) {
    // NIST GCM test case 2 (all-zero key and IV, one zero block).
    const key = await s.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt']);
    const ct = await s.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, key, new Uint8Array(16));
    return toHex(new Uint8Array(ct)) === '0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf';
  },
  async X25519(s) {
    // RFC 7748 §6.1: Alice's key pair, public key derived the way we derive ours.
    const priv = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const pub = await x25519PublicKey(s, await x25519Import(s, priv));
    return toHex(pub) === '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
  },
  'ECDH-P-256': (s) => probeEcdh(s, 'P-256'),
  'ECDH-P-384': (s) => probeEcdh(s, 'P-384'),
  'ECDH-P-521': (s) => probeEcdh(s, 'P-521'),
  'ECDSA-P-256': (s) => probeEcdsa(s, 'P-256'),
  'ECDSA-P-384': (s) => probeEcdsa(s, 'P-384'),
  'ECDSA-P-521': (s) => probeEcdsa(s, 'P-521'),
  async Ed25519(s) {
    // RFC 8032 §7.1 TEST 1: the empty message.
    const pub = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const sig = fromHex(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    const key = await s.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
    return s.verify({ name: 'Ed25519' }, key, sig, new Uint8Array(0));
  },
  'RSA-PSS': (s) => probeRsa(s, 'RSA-PSS'),
  'RSASSA-PKCS1-v1_5': (s) => probeRsa(s, 'RSASSA-PKCS1-v1_5'),
};

/** Scalar 1 must give the base point: import, public key export and curve all work. */
async function probeEcdh(s: SubtleCrypto, curve: EcCurve): Promise<boolean> {
  const c = nist[curve];
  const one = new Uint8Array(c.Point.Fp.BYTES);
  one[one.length - 1] = 1;
  const key = await s.importKey('pkcs8', ecPkcs8(curve, one), { name: 'ECDH', namedCurve: curve }, true, ['deriveBits']);
  return sameBytes(await ecPublicKey(s, key, curve), c.Point.BASE.toBytes(false));
}

async function probeEcdsa(s: SubtleCrypto, curve: EcCurve): Promise<boolean> {
  await s.importKey('raw', buf(nist[curve].Point.BASE.toBytes(false)), { name: 'ECDSA', namedCurve: curve }, false, [
    'verify',
  ]);
  return true;
}

/** A toy key: only the import is tested; a wrong signature must then verify false. */
async function probeRsa(s: SubtleCrypto, name: 'RSA-PSS' | 'RSASSA-PKCS1-v1_5'): Promise<boolean> {
  const n = new Uint8Array(128).fill(0xff);
  const key = await s.importKey('jwk', { kty: 'RSA', n: b64url(n), e: 'AQAB' }, { name, hash: 'SHA-256' }, false, [
    'verify',
  ]);
  const params = name === 'RSA-PSS' ? { name, saltLength: 32 } : { name };
  return !(await s.verify(params, key, new Uint8Array(128).fill(1), new Uint8Array(1)));
}

const known = new Map<Feature, boolean>();
const pending = new Map<Feature, Promise<boolean>>();

/** Whether WebCrypto does `f` correctly here; probed once, then cached. */
function supported(f: Feature): MaybePromise<boolean> {
  const k = known.get(f);
  if (k !== undefined) return k;
  let p = pending.get(f);
  if (!p) {
    const s = subtle();
    p = (s ? probes[f](s) : Promise.resolve(false)).then(
      (ok) => ok,
      () => false,
    );
    p.then((ok) => {
      known.set(f, ok);
      pending.delete(f);
    });
    pending.set(f, p);
  }
  return p;
}

/** Probes every algorithm and reports which ones run on WebCrypto (for benchmarks and diagnostics). */
export async function webcryptoSupport(): Promise<Record<Feature, boolean>> {
  const out = {} as Record<Feature, boolean>;
  await Promise.all(FEATURES.map(async (f) => (out[f] = await supported(f))));
  return out;
}

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

function x25519Import(s: SubtleCrypto, priv: Uint8Array): Promise<CryptoKey> {
  return s.importKey('pkcs8', cat(X25519_PKCS8_PREFIX, priv), { name: 'X25519' }, true, ['deriveBits']);
}

/** The RFC 7748 base point u = 9. */
const X25519_BASE = (() => {
  const u = new Uint8Array(32);
  u[0] = 9;
  return u;
})();
let basePoint: Promise<CryptoKey> | null = null;

/**
 * Our public key: X25519(k, 9) by deriveBits against the base point,
 * which is cheaper in Node than exporting the key as JWK.
 */
async function x25519PublicKey(s: SubtleCrypto, priv: CryptoKey): Promise<Uint8Array> {
  basePoint ??= s.importKey('raw', X25519_BASE, { name: 'X25519' }, true, []);
  return new Uint8Array(await s.deriveBits({ name: 'X25519', public: await basePoint } as EcdhKeyDeriveParams, priv, 256));
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

/** The public point of an imported private key, uncompressed (SEC 1 §2.3.3). */
async function ecPublicKey(s: SubtleCrypto, key: CryptoKey, curve: EcCurve): Promise<Uint8Array> {
  const jwk = await s.exportKey('jwk', key);
  const size = nist[curve].Point.Fp.BYTES;
  const x = fromB64url(jwk.x ?? '');
  const y = fromB64url(jwk.y ?? '');
  if (x.length !== size || y.length !== size) throw new TlsError('INTERNAL_ERROR', 'unexpected JWK from WebCrypto');
  return cat(Uint8Array.of(4), x, y);
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

/** Test hook: which features have been probed, and forgetting them. */
export const _features = {
  known,
  reset(): void {
    known.clear();
    pending.clear();
    basePoint = null;
    verifyKeys.clear();
  },
};
