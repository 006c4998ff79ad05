// Raw speed of one crypto provider's primitives, as the engine calls them
// (through the CryptoProvider interface), in a fresh process. Prints one
// JSON line. The handshake and bulk cells are compared with these numbers
// to show what the engine adds on top of its primitives.
//
//   node bench/primitives.js '{"provider":"webcrypto","budgetMs":300}'
import * as nodeCrypto from 'node:crypto';

const spec = JSON.parse(process.argv[2]);
const { selectProvider } = await import('../dist/crypto/index.js');
await import('../dist/crypto/webcrypto.js');
await import('../dist/crypto/node.js');
const { systemRandom } = await import('../dist/crypto/provider.js');
const provider = selectProvider(spec.provider);
const budget = spec.budgetMs;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Median ms per call of `op` over ~budget ms (after a warm-up). */
async function perOp(op) {
  const warm = performance.now() + budget / 4;
  while (performance.now() < warm) await op();
  const samples = [];
  const end = performance.now() + budget;
  while (performance.now() < end || samples.length < 5) {
    const t = performance.now();
    await op();
    samples.push(performance.now() - t);
  }
  return median(samples);
}

/**
 * MB/s of `op(i)` over 16 KiB records, `window` of them in flight: all the
 * bytes over all the time (after a warm-up), as a transfer is measured, so
 * the garbage collection the AEAD's own output causes is in it (a median
 * per call leaves those pauses out: 2-5% faster for noble).
 */
async function throughput(op, window) {
  const RECORD = 16384;
  const round = async () => {
    const ps = [];
    for (let i = 0; i < window; i++) ps.push(op(i));
    await Promise.all(ps);
  };
  const warm = performance.now() + budget / 4;
  while (performance.now() < warm) await round();
  let rounds = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budget || rounds < 5) {
    await round();
    rounds++;
  }
  return (rounds * window * RECORD) / 1e6 / ((performance.now() - t0) / 1000);
}

const rand = (n) => new Uint8Array(nodeCrypto.randomBytes(n));
const out = { provider: provider.name };

// ---- AEAD on 16 KiB records (TLSInnerPlaintext: 16384 + 1 type byte)
for (const [name, keyLen] of [
  ['AES-128-GCM', 16],
  ['AES-256-GCM', 32],
  ['CHACHA20-POLY1305', 32],
]) {
  process.stderr.write(`primitives: ${name}\n`); // where a timeout stopped it
  const key = await provider.aead(name, rand(keyLen));
  const pt = rand(16385);
  const aad = Uint8Array.of(23, 3, 3, 0x40, 0x11);
  const nonces = Array.from({ length: 8 }, () => rand(12));
  const sealed = await Promise.all(nonces.map((n) => key.seal(n, aad, pt)));
  const seal1 = await throughput(() => key.seal(nonces[0], aad, pt), 1);
  const seal8 = await throughput((i) => key.seal(nonces[i], aad, pt), 8);
  const open1 = await throughput(() => key.open(nonces[0], aad, sealed[0]), 1);
  const open8 = await throughput((i) => key.open(nonces[i], aad, sealed[i]), 8);
  out[`${name} seal MB/s`] = Math.max(seal1, seal8);
  out[`${name} open MB/s`] = Math.max(open1, open8);
  out[`${name} seal serial MB/s`] = seal1;
  out[`${name} open serial MB/s`] = open1;
}

// ---- key exchange
for (const group of ['x25519', 'secp256r1']) {
  process.stderr.write(`primitives: ${group}\n`);
  const peer = await provider.generateKeyShare(group, rand);
  // The default random source, as in a handshake: a platform provider then generates the key itself.
  out[`${group} keygen ms`] = await perOp(() => provider.generateKeyShare(group, systemRandom));
  const share = await provider.generateKeyShare(group, rand);
  out[`${group} agree ms`] = await perOp(() => share.agree(peer.publicKey));
}

// ---- signatures (keys and signatures from node:crypto)
const msg = rand(130); // about a CertificateVerify's signed content
const spki = (k) => new Uint8Array(k.export({ format: 'der', type: 'spki' }));
const pkcs8 = (k) => new Uint8Array(k.export({ format: 'der', type: 'pkcs8' }));
const ec = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = nodeCrypto.generateKeyPairSync('ed25519');
const rsa = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const pss = { key: rsa.privateKey, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
const cases = [
  ['ECDSA P-256 verify ms', { kind: 'ecdsa', hash: 'SHA-256' }, ec, nodeCrypto.sign('sha256', msg, ec.privateKey)],
  ['Ed25519 verify ms', { kind: 'ed25519' }, ed, nodeCrypto.sign(null, msg, ed.privateKey)],
  ['RSA-2048 PSS verify ms', { kind: 'rsa-pss', hash: 'SHA-256', saltLength: 32 }, rsa, nodeCrypto.sign('sha256', msg, pss)],
  ['RSA-2048 PKCS1 verify ms', { kind: 'rsa-pkcs1', hash: 'SHA-256' }, rsa, nodeCrypto.sign('sha256', msg, rsa.privateKey)],
];
for (const [label, alg, keys, sig] of cases) {
  process.stderr.write(`primitives: ${label}\n`);
  const pub = spki(keys.publicKey);
  const s = new Uint8Array(sig);
  if (!(await provider.verify(alg, pub, msg, s))) throw new Error(`${label}: does not verify`);
  out[label] = await perOp(() => provider.verify(alg, pub, msg, s));
}
out['ECDSA P-256 sign ms'] = await perOp(() => provider.sign({ kind: 'ecdsa', hash: 'SHA-256' }, pkcs8(ec.privateKey), msg));
out['RSA-2048 PSS sign ms'] = await perOp(() =>
  provider.sign({ kind: 'rsa-pss', hash: 'SHA-256', saltLength: 32 }, pkcs8(rsa.privateKey), msg),
);

// ---- hashing: the key schedule's HMACs (about 20 per handshake)
const h = provider.hash('SHA-256');
const k32 = rand(32);
out['HMAC-SHA256 ms'] = await perOp(() => h.hmac(k32, msg));

process.stdout.write(JSON.stringify(out) + '\n');
