/**
 * The node provider: node:crypto (OpenSSL in Node, BoringSSL in Bun, Rust
 * crates in Deno) for every primitive it has, all synchronous, so the
 * record layer seals and opens without a promise per record.
 *
 * node:crypto comes from process.getBuiltinModule (node-module.ts), never a
 * static import, and only the Node entry points import this module; the
 * package.json "browser" field maps it to nothing, so browser bundles leave
 * it out (scripts/build-browser.mjs checks).
 *
 * Each algorithm is checked once, with a known answer, the first time it is
 * needed; an algorithm the runtime lacks or gets wrong goes to noble for
 * good (ML-KEM-768, for one, is noble's before Node 24.7). Key exchange is
 * in node-keyshares.ts, signatures in node-signatures.ts.
 */
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { TlsError } from '../errors.js';
import { registerProvider } from './index.js';
import {
  checkEcdh,
  checkMlKem,
  checkX25519,
  illegalShare,
  isNistGroup,
  nodeEcdh,
  nodeMlKem,
  nodeX25519,
  type HalfShare,
} from './node-keyshares.js';
import { concat as cat } from '../codec.js';
import { nodeCrypto, own, setNodeCrypto, type DerBytes, type NodeCrypto } from './node-module.js';
import { clearNodeKeyCaches, nodeSign, nodeVerify } from './node-signatures.js';
import { nobleProvider } from './noble.js';
import {
  type AeadKey,
  type AeadName,
  type CryptoProvider,
  type GroupName,
  type HashFunction,
  type HashName,
  type HashState,
  type KeyShare,
  type RandomSource,
} from './provider.js';

// ---------------------------------------------------------------- feature checks

type Feature =
  | 'AES-128-GCM'
  | 'AES-256-GCM'
  | 'CHACHA20-POLY1305'
  | 'SHA-256'
  | 'SHA-384'
  | 'SHA-512'
  | 'x25519'
  | 'secp256r1'
  | 'secp384r1'
  | 'secp521r1'
  | 'ML-KEM-768';

const FEATURES: readonly Feature[] = [
  'AES-128-GCM',
  'AES-256-GCM',
  'CHACHA20-POLY1305',
  'SHA-256',
  'SHA-384',
  'SHA-512',
  'x25519',
  'secp256r1',
  'secp384r1',
  'secp521r1',
  'ML-KEM-768',
];

const CIPHER: Record<AeadName, string> = {
  'AES-128-GCM': 'aes-128-gcm',
  'AES-256-GCM': 'aes-256-gcm',
  'CHACHA20-POLY1305': 'chacha20-poly1305',
};
const KEY_LENGTH: Record<AeadName, number> = { 'AES-128-GCM': 16, 'AES-256-GCM': 32, 'CHACHA20-POLY1305': 32 };
const NODE_HASH: Record<HashName, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const counting = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 1) & 0xff);

/** Known-answer checks: the platform counts only where it gives the right answer. */
const checks: Record<Feature, (nc: NodeCrypto) => boolean> = {
  'AES-128-GCM': (nc) => checkAead(nc, 'AES-128-GCM'),
  'AES-256-GCM': (nc) => checkAead(nc, 'AES-256-GCM'),
  'CHACHA20-POLY1305': (nc) => checkAead(nc, 'CHACHA20-POLY1305'),
  'SHA-256': (nc) => checkHash(nc, 'SHA-256'),
  'SHA-384': (nc) => checkHash(nc, 'SHA-384'),
  'SHA-512': (nc) => checkHash(nc, 'SHA-512'),
  x25519: checkX25519,
  secp256r1: (nc) => checkEcdh(nc, 'secp256r1'),
  secp384r1: (nc) => checkEcdh(nc, 'secp384r1'),
  secp521r1: (nc) => checkEcdh(nc, 'secp521r1'),
  'ML-KEM-768': checkMlKem,
};

/** Seal and open a fixed record; noble's output is the known answer. */
function checkAead(nc: NodeCrypto, name: AeadName): boolean {
  const key = nodeAead(nc, name, counting(KEY_LENGTH[name]));
  const ref = nobleProvider.aead(name, counting(KEY_LENGTH[name])) as AeadKey;
  const nonce = counting(12);
  const aad = counting(13);
  const pt = counting(33);
  const sealed = key.seal(nonce, aad, pt);
  const tampered = sealed.slice();
  tampered[0]! ^= 1;
  return (
    toHex(sealed) === toHex(ref.seal(nonce, aad, pt) as Uint8Array) &&
    toHex(key.open(nonce, aad, sealed) ?? new Uint8Array(1)) === toHex(pt) &&
    key.open(nonce, aad, tampered) === null
  );
}

function checkHash(nc: NodeCrypto, name: HashName): boolean {
  const ours = nodeHash(nc, name);
  const ref = nobleProvider.hash(name);
  const data = counting(200);
  const st = ours.create().update(data.subarray(0, 77));
  const fork = st.clone();
  st.update(data.subarray(77));
  return (
    toHex(ours.digest(data)) === toHex(ref.digest(data)) &&
    toHex(st.peek()) === toHex(ref.digest(data)) &&
    toHex(fork.peek()) === toHex(ref.digest(data.subarray(0, 77))) &&
    toHex(ours.hmac(data.subarray(0, 70), data)) === toHex(ref.hmac(data.subarray(0, 70), data))
  );
}

const known = new Map<Feature, boolean>();

/** Whether node:crypto does `f` correctly here; checked once, then cached. */
function supported(f: Feature): boolean {
  let ok = known.get(f);
  if (ok === undefined) {
    const nc = nodeCrypto();
    try {
      ok = nc !== null && checks[f](nc);
    } catch {
      ok = false;
    }
    known.set(f, ok);
  }
  return ok;
}

/** Which algorithms run on node:crypto here (for benchmarks and diagnostics); the rest use noble. */
export function nodeSupport(): Record<Feature, boolean> {
  const out = {} as Record<Feature, boolean>;
  for (const f of FEATURES) out[f] = supported(f);
  return out;
}

// ---------------------------------------------------------------- hashes

function nodeHash(nc: NodeCrypto, name: HashName): HashFunction {
  const alg = NODE_HASH[name];
  type NodeHashState = ReturnType<NodeCrypto['createHash']>;
  const wrap = (h: NodeHashState): HashState => ({
    update(data) {
      h.update(data);
      return this;
    },
    // The digest so far, from a copy (RFC 8446 §4.4.1 transcript hashes are read mid-way).
    peek: () => own(h.copy().digest()),
    clone: () => wrap(h.copy()),
  });
  // crypto.hash (Node 20.12+) is the cheaper one-shot digest where it exists.
  const oneShot = typeof nc.hash === 'function' ? nc.hash : null;
  return {
    name,
    outputLen: nobleProvider.hash(name).outputLen,
    digest: (data) => own(oneShot ? oneShot(alg, data as DerBytes, 'buffer') : nc.createHash(alg).update(data).digest()),
    create: () => wrap(nc.createHash(alg)),
    hmac: (key, data) => own(nc.createHmac(alg, key).update(data).digest()),
  };
}

const hashes = new Map<HashName, HashFunction>();

function hash(name: HashName): HashFunction {
  let h = hashes.get(name);
  if (!h) {
    const nc = nodeCrypto();
    h = nc && supported(name) ? nodeHash(nc, name) : nobleProvider.hash(name);
    hashes.set(name, h);
  }
  return h;
}

// ---------------------------------------------------------------- AEAD

/** An AEAD key whose answers are never promises. */
interface SyncAeadKey extends AeadKey {
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null;
}

/**
 * AES-GCM (NIST SP 800-38D) or ChaCha20-Poly1305 (RFC 8439) on one
 * Cipher/Decipher per record: node:crypto cannot re-key a context with a new
 * nonce, but the key is imported once (a KeyObject) and each call is
 * synchronous. The answer never shares memory with the input.
 */
function nodeAead(nc: NodeCrypto, name: AeadName, keyBytes: Uint8Array): SyncAeadKey {
  const cipher = CIPHER[name] as 'aes-128-gcm';
  const key = nc.createSecretKey(keyBytes);
  const opts = { authTagLength: 16 };
  return {
    tagLength: 16,
    seal(nonce, aad, plaintext) {
      const c = nc.createCipheriv(cipher, key, nonce, opts);
      c.setAAD(aad);
      const body = c.update(plaintext);
      const rest = c.final(); // empty for these AEADs
      const tag = c.getAuthTag();
      const out = new Uint8Array(body.length + rest.length + 16);
      out.set(body);
      out.set(rest, body.length);
      out.set(tag, body.length + rest.length);
      return out;
    },
    sealInto(nonce, aad, parts, out, at) {
      const c = nc.createCipheriv(cipher, key, nonce, opts);
      c.setAAD(aad);
      let p = at;
      for (const part of parts) {
        const body = c.update(part);
        out.set(body, p);
        p += body.length;
      }
      const rest = c.final(); // empty for these AEADs
      out.set(rest, p);
      out.set(c.getAuthTag(), p + rest.length);
    },
    open(nonce, aad, ciphertext) {
      if (ciphertext.length < 16) return null;
      const split = ciphertext.length - 16;
      try {
        const d = nc.createDecipheriv(cipher, key, nonce, opts);
        d.setAuthTag(ciphertext.subarray(split));
        d.setAAD(aad);
        const body = d.update(ciphertext.subarray(0, split));
        const rest = d.final(); // throws when the tag does not verify
        return rest.length === 0 ? own(body) : cat(body, rest);
      } catch {
        return null;
      }
    },
  };
}

function aead(name: AeadName, key: Uint8Array): AeadKey {
  const nc = nodeCrypto();
  if (nc && supported(name)) return nodeAead(nc, name, key);
  return nobleProvider.aead(name, key) as AeadKey;
}

// ---------------------------------------------------------------- key shares

/** Our X25519 half: node:crypto's where it passed its check, else noble's (the same draws from `random`). */
function x25519Half(random: RandomSource, group: GroupName): HalfShare {
  const nc = nodeCrypto();
  if (nc && supported('x25519')) return nodeX25519(nc, random, group);
  const share = nobleProvider.generateKeyShare('x25519', random) as KeyShare;
  return { publicKey: share.publicKey, agree: (peer) => share.agree(peer) as Uint8Array };
}

/** Our ML-KEM-768 half, node:crypto's or noble's; both draw one 64-byte seed (d || z). */
function mlkemHalf(random: RandomSource): { publicKey: Uint8Array; decapsulate(ct: Uint8Array): Uint8Array } {
  const nc = nodeCrypto();
  if (nc && supported('ML-KEM-768')) return nodeMlKem(nc, random);
  const kem = ml_kem768.keygen(random(64));
  return { publicKey: kem.publicKey, decapsulate: (ct) => ml_kem768.decapsulate(ct, kem.secretKey) };
}

function generateKeyShare(group: GroupName, random: RandomSource): KeyShare {
  if (group === 'x25519') {
    const half = x25519Half(random, group);
    return { group, publicKey: half.publicKey, agree: (peer) => half.agree(peer) };
  }
  if (group === 'X25519MLKEM768') {
    // draft-ietf-tls-ecdhe-mlkem §4.1: ML-KEM encapsulation key first, then
    // x25519; the same draws from `random` as noble, in the same order.
    const kem = mlkemHalf(random);
    const half = x25519Half(random, group);
    return {
      group,
      publicKey: cat(kem.publicKey, half.publicKey),
      agree(peer) {
        if (peer.length !== 1088 + 32) throw illegalShare(group);
        return cat(kem.decapsulate(peer.subarray(0, 1088)), half.agree(peer.subarray(1088)));
      },
    };
  }
  if (isNistGroup(group)) {
    const nc = nodeCrypto();
    return nc && supported(group) ? nodeEcdh(nc, group, random) : (nobleProvider.generateKeyShare(group, random) as KeyShare);
  }
  throw new TlsError('INTERNAL_ERROR', `unsupported group ${group}`);
}

// ---------------------------------------------------------------- the provider

/**
 * The node:crypto provider: every primitive synchronous, each on node:crypto
 * where it passes its known-answer check and on noble otherwise (also
 * ML-KEM, and everything where the runtime has no node:crypto).
 */
export const nodeProvider: CryptoProvider = {
  name: 'node',
  hash,
  aead,
  generateKeyShare,
  verify: nodeVerify,
  sign: nodeSign,
};

// 'auto' prefers this provider wherever node:crypto is present (crypto/index.ts).
if (nodeCrypto()) registerProvider('node', () => nodeProvider);

/** Test hook: which features were checked, and forgetting them (optionally with another node:crypto). */
export const _nodeInternals = {
  known,
  reset(m?: NodeCrypto | null): void {
    setNodeCrypto(m);
    known.clear();
    hashes.clear();
    clearNodeKeyCaches();
  },
};
