/**
 * Which WebCrypto algorithms the webcrypto provider may use: each is probed
 * once, with a known-answer test, the first time it is needed; a missing or
 * wrong one falls back to noble for good.
 */
import type { MaybePromise } from './provider.js';
import type { EcCurve } from './keys.js';
import { b64url, constantTimeEqual, fromHex, toHex } from '../codec.js';
import { buf, ecPkcs8, ecPublicKey, nist, subtle, x25519Import, x25519PublicKey } from './webcrypto-keys.js';

/** The WebCrypto algorithms the provider probes. */
export type Feature =
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

/** Every feature, for webcryptoSupport(). */
export const FEATURES: readonly Feature[] = [
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
  return constantTimeEqual(await ecPublicKey(s, key, curve), c.Point.BASE.toBytes(false));
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
export function supported(f: Feature): MaybePromise<boolean> {
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

/** Test hook: probe everything again on next use. */
export function resetProbes(): void {
  known.clear();
  pending.clear();
}
