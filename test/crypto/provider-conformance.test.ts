/**
 * One suite, every provider: whatever backs a primitive, the engine must
 * see the same answers and the same errors.
 */
import * as nodeCrypto from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble.js';
import { systemRandom, type AeadName, type CryptoProvider, type GroupName, type SignatureAlgorithm } from '../../src/crypto/provider.js';
import { nodeProvider } from '../../src/crypto/node.js';
import { webcryptoProvider } from '../../src/crypto/webcrypto.js';
import { TlsError } from '../../src/errors.js';

const providers: CryptoProvider[] = [nobleProvider, webcryptoProvider, nodeProvider];

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const rand = (n: number) => new Uint8Array(nodeCrypto.randomBytes(n));
/** A random source that replays the same bytes for every provider. */
function seeded(seed: number): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 32) {
      const block = nodeCrypto.createHash('sha256').update(`${seed}:${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, n - i)), i);
    }
    return out;
  };
}

async function rejectsIllegal(p: () => unknown): Promise<void> {
  let err: unknown;
  try {
    await p();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TlsError);
  expect((err as TlsError).code).toBe('ILLEGAL_PARAMETER');
}

const AEADS: { name: AeadName; node: string; keyLen: number }[] = [
  { name: 'AES-128-GCM', node: 'aes-128-gcm', keyLen: 16 },
  { name: 'AES-256-GCM', node: 'aes-256-gcm', keyLen: 32 },
  { name: 'CHACHA20-POLY1305', node: 'chacha20-poly1305', keyLen: 32 },
];

function nodeSeal(alg: string, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): string {
  const c = nodeCrypto.createCipheriv(alg as 'aes-128-gcm', key, nonce, { authTagLength: 16 });
  c.setAAD(aad);
  return hex(Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]));
}

const NODE_CURVE: Record<string, string> = { secp256r1: 'prime256v1', secp384r1: 'secp384r1', secp521r1: 'secp521r1' };
const FIELD: Record<string, number> = { secp256r1: 32, secp384r1: 48, secp521r1: 66 };

/** The server side of a key exchange, done by node:crypto. */
function nodeServerShare(group: GroupName, clientPublic: Uint8Array): { publicKey: Uint8Array; secret: string } {
  if (group === 'x25519') {
    const { publicKey, privateKey } = nodeCrypto.generateKeyPairSync('x25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const peer = nodeCrypto.createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), clientPublic]),
      format: 'der',
      type: 'spki',
    });
    return { publicKey: new Uint8Array(raw), secret: hex(nodeCrypto.diffieHellman({ privateKey, publicKey: peer })) };
  }
  const ecdh = nodeCrypto.createECDH(NODE_CURVE[group]!);
  const publicKey = new Uint8Array(ecdh.generateKeys());
  return { publicKey, secret: hex(ecdh.computeSecret(clientPublic)) };
}

interface KeyCase {
  label: string;
  alg: SignatureAlgorithm;
  gen: () => nodeCrypto.KeyPairKeyObjectResult;
  nodeSign: (key: nodeCrypto.KeyObject, msg: Uint8Array) => Buffer;
  nodeVerify: (key: nodeCrypto.KeyObject, msg: Uint8Array, sig: Uint8Array) => boolean;
}

const ecCase = (curve: string, hash: 'SHA-256' | 'SHA-384' | 'SHA-512'): KeyCase => {
  const h = hash.replace('-', '').toLowerCase();
  return {
    label: `ECDSA ${curve} ${hash}`,
    alg: { kind: 'ecdsa', hash },
    gen: () => nodeCrypto.generateKeyPairSync('ec', { namedCurve: curve }),
    nodeSign: (k, m) => nodeCrypto.sign(h, m, k),
    nodeVerify: (k, m, s) => nodeCrypto.verify(h, m, k, s),
  };
};

let rsaKeys: nodeCrypto.KeyPairKeyObjectResult | undefined;
const rsa = () => (rsaKeys ??= nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 }));

const KEY_CASES: KeyCase[] = [
  ecCase('P-256', 'SHA-256'),
  ecCase('P-384', 'SHA-384'),
  ecCase('P-521', 'SHA-512'),
  // X.509 pairs any hash with any curve.
  ecCase('P-384', 'SHA-256'),
  {
    label: 'Ed25519',
    alg: { kind: 'ed25519' },
    gen: () => nodeCrypto.generateKeyPairSync('ed25519'),
    nodeSign: (k, m) => nodeCrypto.sign(null, m, k),
    nodeVerify: (k, m, s) => nodeCrypto.verify(null, m, k, s),
  },
  ...(['SHA-256', 'SHA-384', 'SHA-512'] as const).map(
    (hash): KeyCase => ({
      label: `RSA-PSS ${hash}`,
      alg: { kind: 'rsa-pss', hash, saltLength: hash === 'SHA-256' ? 32 : hash === 'SHA-384' ? 48 : 64 },
      gen: rsa,
      nodeSign: (k, m) =>
        nodeCrypto.sign(hash.replace('-', '').toLowerCase(), m, {
          key: k,
          padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING,
          saltLength: nodeCrypto.constants.RSA_PSS_SALTLEN_DIGEST,
        }),
      nodeVerify: (k, m, s) =>
        nodeCrypto.verify(
          hash.replace('-', '').toLowerCase(),
          m,
          { key: k, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: nodeCrypto.constants.RSA_PSS_SALTLEN_DIGEST },
          s,
        ),
    }),
  ),
  {
    label: 'RSA PKCS#1 v1.5 SHA-256',
    alg: { kind: 'rsa-pkcs1', hash: 'SHA-256' },
    gen: rsa,
    nodeSign: (k, m) => nodeCrypto.sign('sha256', m, k),
    nodeVerify: (k, m, s) => nodeCrypto.verify('sha256', m, k, s),
  },
];

const spkiOf = (k: nodeCrypto.KeyObject) => new Uint8Array(k.export({ format: 'der', type: 'spki' }));
const pkcs8Of = (k: nodeCrypto.KeyObject) => new Uint8Array(k.export({ format: 'der', type: 'pkcs8' }));

describe.each(providers.map((p) => [p.name, p] as const))('provider %s', (_name, provider) => {
  describe('AEAD', () => {
    it.each(AEADS)('$name matches node:crypto, round-trips, and refuses tampering', async ({ name, node, keyLen }) => {
      const key = rand(keyLen);
      const aead = await provider.aead(name, key);
      expect(aead.tagLength).toBe(16);
      for (const size of [0, 1, 15, 16, 17, 1000, 16385]) {
        const nonce = rand(12);
        const aad = rand(5);
        const pt = rand(size);
        const sealed = await aead.seal(nonce, aad, pt);
        expect(hex(sealed)).toBe(nodeSeal(node, key, nonce, aad, pt));
        expect(hex((await aead.open(nonce, aad, sealed))!)).toBe(hex(pt));

        const flipped = sealed.slice();
        flipped[Math.floor(Math.random() * flipped.length)]! ^= 0x80;
        expect(await aead.open(nonce, aad, flipped)).toBeNull();
        const badAad = aad.slice();
        badAad[0]! ^= 1;
        expect(await aead.open(nonce, badAad, sealed)).toBeNull();
        const badNonce = nonce.slice();
        badNonce[11]! ^= 1;
        expect(await aead.open(badNonce, aad, sealed)).toBeNull();
      }
      // Shorter than the tag.
      expect(await aead.open(rand(12), rand(5), rand(15))).toBeNull();
      expect(await aead.open(rand(12), rand(5), new Uint8Array(0))).toBeNull();
    });

    it.each(AEADS)('$name sealInto, where offered, writes what seal gives, in place, from split parts', async ({ name, node, keyLen }) => {
      const key = rand(keyLen);
      const aead = await provider.aead(name, key);
      if (!aead.sealInto) return expect(provider.name).not.toBe('node'); // node offers it
      for (const [a, b] of [[0, 1], [16384, 1], [100, 7], [0, 0]] as const) {
        const nonce = rand(12);
        const aad = rand(13);
        const parts = [rand(a), rand(b)];
        const out = new Uint8Array(3 + a + b + 16 + 2).fill(0xee);
        aead.sealInto(nonce, aad, parts, out, 3);
        expect(hex(out.subarray(3, 3 + a + b + 16))).toBe(nodeSeal(node, key, nonce, aad, new Uint8Array([...parts[0]!, ...parts[1]!])));
        // Nothing outside its slot is touched.
        expect([...out.subarray(0, 3), ...out.subarray(3 + a + b + 16)]).toEqual([0xee, 0xee, 0xee, 0xee, 0xee]);
      }
    });

    it('does not depend on the caller keeping its buffers', async () => {
      const key = rand(16);
      const aead = await provider.aead('AES-128-GCM', key);
      const nonce = rand(12);
      const aad = rand(5);
      const pt = rand(100);
      const expected = nodeSeal('aes-128-gcm', key, nonce, aad, pt);
      const p = aead.seal(nonce, aad, pt);
      nonce.fill(0);
      aad.fill(0);
      pt.fill(0);
      expect(hex(await p)).toBe(expected);
    });
  });

  describe('key shares', () => {
    const groups: GroupName[] = ['x25519', 'secp256r1', 'secp384r1', 'secp521r1'];

    it.each(groups)('%s: two shares agree, and agree with node:crypto', async (group) => {
      const a = await provider.generateKeyShare(group, rand);
      const b = await provider.generateKeyShare(group, rand);
      expect(a.group).toBe(group);
      expect(a.publicKey.length).toBe(group === 'x25519' ? 32 : 1 + 2 * FIELD[group]!);
      const ab = await a.agree(b.publicKey);
      expect(hex(ab)).toBe(hex(await b.agree(a.publicKey)));
      expect(ab.length).toBe(group === 'x25519' ? 32 : FIELD[group]);
      const server = nodeServerShare(group, a.publicKey);
      expect(hex(await a.agree(server.publicKey))).toBe(server.secret);
    });

    it.each([...groups, 'X25519MLKEM768' as const])('%s: with the system random source too', async (group) => {
      const a = await provider.generateKeyShare(group, systemRandom);
      const b = await provider.generateKeyShare(group, systemRandom);
      expect(hex(a.publicKey)).not.toBe(hex(b.publicKey));
      if (group === 'X25519MLKEM768') {
        const { cipherText, sharedSecret } = ml_kem768.encapsulate(a.publicKey.subarray(0, 1184));
        const server = nodeServerShare('x25519', a.publicKey.subarray(1184));
        expect(hex(await a.agree(Uint8Array.from([...cipherText, ...server.publicKey])))).toBe(hex(sharedSecret) + server.secret);
        return;
      }
      expect(hex(await a.agree(b.publicKey))).toBe(hex(await b.agree(a.publicKey)));
      const server = nodeServerShare(group, a.publicKey);
      expect(hex(await a.agree(server.publicKey))).toBe(server.secret);
      await rejectsIllegal(() => a.agree(new Uint8Array(a.publicKey.length - 1)));
    });

    it.each([...groups, 'X25519MLKEM768' as const])('%s: the same randomness gives the same key as noble', async (group) => {
      const ours = await provider.generateKeyShare(group, seeded(7));
      const ref = await nobleProvider.generateKeyShare(group, seeded(7));
      expect(hex(ours.publicKey)).toBe(hex(ref.publicKey));
    });

    it('X25519MLKEM768: decapsulation and x25519 agree with a server', async () => {
      const share = await provider.generateKeyShare('X25519MLKEM768', rand);
      expect(share.publicKey.length).toBe(1184 + 32);
      const { cipherText, sharedSecret } = ml_kem768.encapsulate(share.publicKey.subarray(0, 1184));
      const server = nodeServerShare('x25519', share.publicKey.subarray(1184));
      const out = await share.agree(Uint8Array.from([...cipherText, ...server.publicKey]));
      expect(hex(out)).toBe(hex(sharedSecret) + server.secret);
      await rejectsIllegal(() => share.agree(new Uint8Array(1088 + 31)));
    });

    it('x25519: refuses bad lengths and low-order points (RFC 8446 §7.4.2)', async () => {
      const share = await provider.generateKeyShare('x25519', rand);
      await rejectsIllegal(() => share.agree(new Uint8Array(31)));
      await rejectsIllegal(() => share.agree(new Uint8Array(33)));
      await rejectsIllegal(() => share.agree(new Uint8Array(32))); // u = 0
      const one = new Uint8Array(32);
      one[0] = 1;
      await rejectsIllegal(() => share.agree(one)); // u = 1: order 1
      // u = 325606250916557431795983626356110631294008115727848805560023387167927233504: order 8.
      const order8 = Uint8Array.from(Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex'));
      await rejectsIllegal(() => share.agree(order8));
    });

    it.each(['secp256r1', 'secp384r1', 'secp521r1'] as const)('%s: refuses malformed and off-curve points', async (group) => {
      const share = await provider.generateKeyShare(group, rand);
      const other = await provider.generateKeyShare(group, rand);
      const good = other.publicKey;
      const size = FIELD[group]!;
      await rejectsIllegal(() => share.agree(good.subarray(0, good.length - 1)));
      await rejectsIllegal(() => share.agree(new Uint8Array([0]))); // infinity
      await rejectsIllegal(() => share.agree(new Uint8Array(good.length))); // wrong prefix
      const compressed = new Uint8Array(1 + size);
      compressed.set(good.subarray(0, 1 + size));
      compressed[0] = 2 + (good[good.length - 1]! & 1);
      await rejectsIllegal(() => share.agree(compressed)); // RFC 8446 §4.2.8.2: uncompressed only
      const offCurve = good.slice();
      offCurve[offCurve.length - 1]! ^= 1;
      await rejectsIllegal(() => share.agree(offCurve));
      const bigX = good.slice();
      bigX.fill(0xff, 1, 1 + size); // x >= p
      await rejectsIllegal(() => share.agree(bigX));
      // The share still works after refusing those.
      expect(hex(await share.agree(good))).toBe(hex(await other.agree(share.publicKey)));
    });
  });

  describe('signatures', () => {
    it.each(KEY_CASES)('$label: verifies node:crypto signatures and refuses altered ones', async (c) => {
      const { publicKey, privateKey } = c.gen();
      const spki = spkiOf(publicKey);
      const msg = rand(200);
      const sig = new Uint8Array(c.nodeSign(privateKey, msg));
      expect(await provider.verify(c.alg, spki, msg, sig)).toBe(true);
      const msg2 = msg.slice();
      msg2[0]! ^= 1;
      expect(await provider.verify(c.alg, spki, msg2, sig)).toBe(false);
      const sig2 = sig.slice();
      sig2[sig2.length - 1]! ^= 1;
      expect(await provider.verify(c.alg, spki, msg, sig2)).toBe(false);
      expect(await provider.verify(c.alg, spki, msg, sig.subarray(0, sig.length - 1))).toBe(false);
      expect(await provider.verify(c.alg, spki, msg, new Uint8Array(0))).toBe(false);
    });

    it.each(KEY_CASES)('$label: signs what node:crypto verifies', async (c) => {
      const { publicKey, privateKey } = c.gen();
      const msg = rand(100);
      const sig = await provider.sign(c.alg, pkcs8Of(privateKey), msg);
      expect(c.nodeVerify(publicKey, msg, sig)).toBe(true);
      // And what we verify ourselves.
      expect(await provider.verify(c.alg, spkiOf(publicKey), msg, sig)).toBe(true);
    });

    it('refuses a key that does not fit the algorithm with the same error as noble', async () => {
      const ec = spkiOf(nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
      const rsaSpki = spkiOf(rsa().publicKey);
      const cases: [SignatureAlgorithm, Uint8Array][] = [
        [{ kind: 'rsa-pss', hash: 'SHA-256', saltLength: 32 }, ec],
        [{ kind: 'ecdsa', hash: 'SHA-256' }, rsaSpki],
        [{ kind: 'ed25519' }, ec],
      ];
      for (const [alg, spki] of cases) {
        const expected = await Promise.resolve()
          .then(() => nobleProvider.verify(alg, spki, rand(10), rand(64)))
          .catch((e: TlsError) => e.code);
        const got = await Promise.resolve()
          .then(() => provider.verify(alg, spki, rand(10), rand(64)))
          .catch((e: TlsError) => e.code);
        expect(got).toBe(expected);
        expect(typeof got).toBe('string');
      }
    });

    it('refuses an EC public key that is not on its curve', async () => {
      const spki = spkiOf(nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
      spki[spki.length - 1]! ^= 1;
      await expect(
        Promise.resolve().then(() => provider.verify({ kind: 'ecdsa', hash: 'SHA-256' }, spki, rand(10), rand(64))),
      ).rejects.toMatchObject({ code: 'BAD_CERTIFICATE' });
    });

    it('verifies the same signature many times from one SPKI (key caches stay correct)', async () => {
      const a = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const b = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const msg = rand(50);
      const sigA = new Uint8Array(nodeCrypto.sign('sha256', msg, a.privateKey));
      const alg: SignatureAlgorithm = { kind: 'ecdsa', hash: 'SHA-256' };
      for (let i = 0; i < 3; i++) {
        expect(await provider.verify(alg, spkiOf(a.publicKey), msg, sigA)).toBe(true);
        expect(await provider.verify(alg, spkiOf(b.publicKey), msg, sigA)).toBe(false);
      }
    });
  });

  it('hashes and HMACs like node:crypto', () => {
    for (const name of ['SHA-256', 'SHA-384', 'SHA-512'] as const) {
      const h = provider.hash(name);
      const data = rand(300);
      const key = rand(48);
      const n = name.replace('-', '').toLowerCase();
      expect(hex(h.digest(data))).toBe(nodeCrypto.createHash(n).update(data).digest('hex'));
      expect(hex(h.hmac(key, data))).toBe(nodeCrypto.createHmac(n, key).update(data).digest('hex'));
      const st = h.create().update(data.subarray(0, 100));
      const fork = st.clone();
      st.update(data.subarray(100));
      expect(hex(st.peek())).toBe(hex(h.digest(data)));
      expect(hex(fork.peek())).toBe(hex(h.digest(data.subarray(0, 100))));
    }
  });
});
