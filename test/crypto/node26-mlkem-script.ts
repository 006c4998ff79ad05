/**
 * Run under Node 26 (bundled by node26-mlkem.test.ts): the node provider's
 * ML-KEM-768 on node:crypto, which Node 20 lacks. Prints one JSON line of
 * findings for the test to check.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { setNodeCrypto, type NodeCrypto } from '../../src/crypto/node-module.js';
import { nodeProvider, nodeSupport } from '../../src/crypto/node.js';
import { nobleProvider } from '../../src/crypto/noble.js';
import { systemRandom, type KeyShare, type RandomSource } from '../../src/crypto/provider.js';

const real = process.getBuiltinModule('node:crypto');
const calls: string[] = [];
// Records the calls, so the answer shows node:crypto did the ML-KEM work.
setNodeCrypto(
  new Proxy(real, {
    get(target, prop) {
      const v = Reflect.get(target, prop) as unknown;
      if (typeof v !== 'function' || typeof prop !== 'string' || /^[A-Z]/.test(prop)) return v;
      return (...args: unknown[]) => {
        calls.push(typeof args[0] === 'string' ? `${prop}:${args[0]}` : prop);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as NodeCrypto,
);

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const seeded = (): RandomSource => {
  let i = 0;
  return (n) => Uint8Array.from({ length: n }, (_, j) => (j * 13 + ++i) & 0xff);
};

/** A server's answer to a share: ML-KEM ciphertext || x25519 public key, and the secret it expects. */
function serve(share: KeyShare): { answer: Uint8Array; secret: string } {
  const { cipherText, sharedSecret } = ml_kem768.encapsulate(share.publicKey.subarray(0, 1184));
  const priv = x25519.utils.randomSecretKey();
  const ecdh = x25519.getSharedSecret(priv, share.publicKey.subarray(1184));
  return { answer: Uint8Array.from([...cipherText, ...x25519.getPublicKey(priv)]), secret: hex(sharedSecret) + hex(ecdh) };
}

const out: Record<string, unknown> = { version: process.version, support: nodeSupport()['ML-KEM-768'] };
const ours = nodeProvider.generateKeyShare('X25519MLKEM768', seeded()) as KeyShare;
const ref = nobleProvider.generateKeyShare('X25519MLKEM768', seeded()) as KeyShare;
out.sameKeyAsNoble = hex(ours.publicKey) === hex(ref.publicKey);
const s1 = serve(ours);
out.seededAgrees = hex(ours.agree(s1.answer) as Uint8Array) === s1.secret;
const fresh = nodeProvider.generateKeyShare('X25519MLKEM768', systemRandom) as KeyShare;
const s2 = serve(fresh);
out.systemAgrees = hex(fresh.agree(s2.answer) as Uint8Array) === s2.secret;
try {
  fresh.agree(s2.answer.subarray(1));
  out.shortRefused = false;
} catch (e) {
  out.shortRefused = (e as { code?: string }).code;
}
out.calls = [...new Set(calls)];
process.stdout.write(JSON.stringify(out) + '\n');
