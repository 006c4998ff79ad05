/**
 * Key exchange on node:crypto for the node provider: X25519 (RFC 7748),
 * ECDH on the NIST curves (SEC 1 §3.3.1) and ML-KEM-768 (FIPS 203, Node
 * 24.7+), each with its known-answer check. node.ts decides, per group,
 * whether these or noble's run.
 *
 * Private keys come from the RandomSource exactly as noble draws them, so
 * scripted randomness (RFC 8448 replays) gives the same bytes; only for the
 * default source, systemRandom, does the platform generate the key itself,
 * which is far cheaper than importing one (OpenSSL's PKCS#8 decoder).
 */
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { TlsError } from '../errors.js';
import { b64url, concat as cat, fromB64url, fromHex } from '../codec.js';
import { own, type DerBytes, type KeyObject, type NodeCrypto } from './node-module.js';
import { systemRandom, type GroupName, type KeyShare, type RandomSource } from './provider.js';

/** The NIST groups, by TLS name, with OpenSSL's curve names. */
export type NistGroup = 'secp256r1' | 'secp384r1' | 'secp521r1';
const NIST: Record<NistGroup, { curve: typeof p256; size: number; openssl: string }> = {
  secp256r1: { curve: p256, size: 32, openssl: 'prime256v1' },
  secp384r1: { curve: p384 as typeof p256, size: 48, openssl: 'secp384r1' },
  secp521r1: { curve: p521 as typeof p256, size: 66, openssl: 'secp521r1' },
};

/** Whether `group` is one of the NIST curve groups. */
export const isNistGroup = (group: GroupName): group is NistGroup => group in NIST;

/** The TLS alert for a bad key share (RFC 8446 §4.2.8). */
export function illegalShare(group: GroupName): TlsError {
  return new TlsError('ILLEGAL_PARAMETER', `invalid ${group} key share from server`);
}

const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const equal = (a: Uint8Array, b: Uint8Array): boolean => toHex(a) === toHex(b);

// ---------------------------------------------------------------- X25519

/** RFC 8410 §7 PKCS#8 prefix of a 32-byte X25519 private key. */
const X25519_PKCS8_PREFIX = fromHex('302e020100300506032b656e04220420');

function x25519Import(nc: NodeCrypto, priv: Uint8Array): KeyObject {
  return nc.createPrivateKey({ key: cat(X25519_PKCS8_PREFIX, priv) as DerBytes, format: 'der', type: 'pkcs8' });
}

/** The raw public key (RFC 7748 u-coordinate), via JWK: far cheaper than a DER export. */
function x25519Public(nc: NodeCrypto, key: KeyObject): Uint8Array {
  const x = (key.type === 'private' ? nc.createPublicKey(key) : key).export({ format: 'jwk' }).x;
  const pub = fromB64url(x ?? '');
  if (pub.length !== 32) throw new TlsError('INTERNAL_ERROR', 'unexpected X25519 key from node:crypto');
  return pub;
}

function x25519Derive(nc: NodeCrypto, priv: KeyObject, peer: Uint8Array): Uint8Array {
  const publicKey = nc.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(peer) }, format: 'jwk' });
  return own(nc.diffieHellman({ privateKey: priv, publicKey }));
}

/** RFC 7748 §6.1: Alice's public key, and the secret she shares with Bob. */
export function checkX25519(nc: NodeCrypto): boolean {
  const a = x25519Import(nc, fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
  const bob = fromHex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
  return (
    toHex(x25519Public(nc, a)) === '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a' &&
    toHex(x25519Derive(nc, a, bob)) === '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742'
  );
}

/** One side of an exchange: what we send, and the secret from what the server sent. */
export interface HalfShare {
  publicKey: Uint8Array;
  agree(peer: Uint8Array): Uint8Array;
}

/** An X25519 key pair; `agree` refuses (RFC 8446 §7.4.2) a wrong length, a point the platform refuses, and the all-zero secret. */
export function nodeX25519(nc: NodeCrypto, random: RandomSource, group: GroupName): HalfShare {
  let priv: KeyObject;
  let publicKey: Uint8Array;
  if (random === systemRandom) {
    const pair = nc.generateKeyPairSync('x25519');
    priv = pair.privateKey;
    publicKey = x25519Public(nc, pair.publicKey);
  } else {
    priv = x25519Import(nc, random(32));
    publicKey = x25519Public(nc, priv);
  }
  return {
    publicKey,
    agree(peer) {
      if (peer.length !== 32) throw illegalShare(group);
      let secret: Uint8Array;
      try {
        secret = x25519Derive(nc, priv, peer);
      } catch {
        throw illegalShare(group); // OpenSSL refuses low-order points itself
      }
      let acc = 0;
      for (let i = 0; i < secret.length; i++) acc |= secret[i]!;
      if (acc === 0 || secret.length !== 32) throw illegalShare(group);
      return secret;
    },
  };
}

// ---------------------------------------------------------------- NIST curves

/** Scalar 1 must give the base point (SEC 1 §3.2.1). */
export function checkEcdh(nc: NodeCrypto, group: NistGroup): boolean {
  const { curve, size, openssl } = NIST[group];
  const one = new Uint8Array(size);
  one[size - 1] = 1;
  const ecdh = nc.createECDH(openssl);
  ecdh.setPrivateKey(one);
  return equal(own(ecdh.getPublicKey()), curve.Point.BASE.toBytes(false));
}

/** ECDH on a NIST curve: the private scalar drawn like noble's, or the platform's own for systemRandom. */
export function nodeEcdh(nc: NodeCrypto, group: NistGroup, random: RandomSource): KeyShare {
  const { curve, size, openssl } = NIST[group];
  const ecdh = nc.createECDH(openssl);
  if (random === systemRandom) {
    ecdh.generateKeys();
  } else {
    let scalar: Uint8Array | null = null;
    for (let i = 0; i < 64 && !scalar; i++) {
      const k = random(size);
      if (size === 66) k[0]! &= 0x01; // P-521: 521 bits
      if (curve.utils.isValidSecretKey(k)) scalar = k;
    }
    if (!scalar) throw new TlsError('INTERNAL_ERROR', 'random source produced no valid scalar');
    ecdh.setPrivateKey(scalar);
  }
  return {
    group,
    publicKey: own(ecdh.getPublicKey()),
    agree(peer) {
      // RFC 8446 §4.2.8.2: uncompressed form only; the platform checks the
      // point is on the curve with coordinates below p.
      if (peer.length !== 1 + 2 * size || peer[0] !== 4) throw illegalShare(group);
      try {
        return own(ecdh.computeSecret(peer));
      } catch {
        throw illegalShare(group);
      }
    },
  };
}

// ---------------------------------------------------------------- ML-KEM-768

/** The ML-KEM calls of node:crypto 24.7+, which @types/node 20 does not declare. */
interface MlKemApi {
  decapsulate(key: KeyObject, ciphertext: Uint8Array): Uint8Array;
  generateKeyPairSync(type: 'ml-kem-768'): { publicKey: KeyObject; privateKey: KeyObject };
}

/**
 * PKCS#8 of an ML-KEM-768 key in seed form (d || z, FIPS 203 §7.1;
 * draft-ietf-lamps-kyber-certificates: id-alg-ml-kem-768, seed [0]).
 */
const MLKEM768_PKCS8_PREFIX = fromHex('3054020100300b060960864801650304040204428040');

function mlkemPublic(key: KeyObject): Uint8Array {
  const exportRaw = key.export as unknown as (o: { format: 'raw-public' }) => Uint8Array;
  return own(exportRaw.call(key, { format: 'raw-public' }));
}

function mlkemImport(nc: NodeCrypto, seed: Uint8Array): KeyObject {
  return nc.createPrivateKey({ key: cat(MLKEM768_PKCS8_PREFIX, seed) as DerBytes, format: 'der', type: 'pkcs8' });
}

/** A fixed seed must give noble's encapsulation key, and decapsulate what noble encapsulated to it. */
export function checkMlKem(nc: NodeCrypto): boolean {
  const api = nc as unknown as Partial<MlKemApi>;
  if (typeof api.decapsulate !== 'function') return false;
  const seed = Uint8Array.from({ length: 64 }, (_, i) => (i * 7 + 1) & 0xff);
  const ref = ml_kem768.keygen(seed);
  const priv = mlkemImport(nc, seed);
  const { cipherText, sharedSecret } = ml_kem768.encapsulate(ref.publicKey, new Uint8Array(32).fill(9));
  return equal(mlkemPublic(nc.createPublicKey(priv)), ref.publicKey) && equal(own(api.decapsulate(priv, cipherText)), sharedSecret);
}

/** Our ML-KEM-768 half: the 64-byte seed drawn like noble's, or the platform's own key for systemRandom. */
export function nodeMlKem(nc: NodeCrypto, random: RandomSource): { publicKey: Uint8Array; decapsulate(ct: Uint8Array): Uint8Array } {
  const api = nc as unknown as MlKemApi;
  let priv: KeyObject;
  let publicKey: Uint8Array;
  if (random === systemRandom) {
    const pair = api.generateKeyPairSync('ml-kem-768');
    priv = pair.privateKey;
    publicKey = mlkemPublic(pair.publicKey);
  } else {
    priv = mlkemImport(nc, random(64));
    publicKey = mlkemPublic(nc.createPublicKey(priv));
  }
  // FIPS 203 ML-KEM.Decaps: implicit rejection, so only a wrong length fails (checked by the caller).
  return { publicKey, decapsulate: (ct) => own(api.decapsulate(priv, ct)) };
}
