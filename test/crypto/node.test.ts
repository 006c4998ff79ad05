/**
 * The node provider: that it really runs on node:crypto, synchronously,
 * returns memory of its own, falls back to noble per algorithm (or for
 * everything) with the same answers, and is what 'auto' picks under Node.
 * The shared provider suite is test/crypto/provider-conformance.test.ts; the
 * RFC 8448 replays with it are test/crypto/node-rfc8448.test.ts.
 */
import * as nodeCrypto from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { afterEach, describe, expect, it } from 'vitest';
import { selectProvider } from '../../src/crypto/index.js';
import { own } from '../../src/crypto/node-module.js';
import { _nodeInternals, nodeProvider, nodeSupport } from '../../src/crypto/node.js';
import { nobleProvider } from '../../src/crypto/noble.js';
import { systemRandom, type AeadName, type GroupName, type SignatureAlgorithm } from '../../src/crypto/provider.js';
import { webcryptoProvider } from '../../src/crypto/webcrypto.js';
import { TlsError } from '../../src/errors.js';
import { spyNodeCrypto } from './node-spy.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const rand = (n: number) => new Uint8Array(nodeCrypto.randomBytes(n));
const seq = () => {
  let i = 0;
  return (n: number) => new Uint8Array(n).fill(++i);
};
const spkiOf = (k: nodeCrypto.KeyObject) => new Uint8Array(k.export({ format: 'der', type: 'spki' }));
const pkcs8Of = (k: nodeCrypto.KeyObject) => new Uint8Array(k.export({ format: 'der', type: 'pkcs8' }));
const AEADS: AeadName[] = ['AES-128-GCM', 'AES-256-GCM', 'CHACHA20-POLY1305'];
const keyLen = (a: AeadName) => (a === 'AES-128-GCM' ? 16 : 32);

/** What a call throws, as its error code (or 'ok' with the value). */
async function outcome(f: () => unknown): Promise<string> {
  try {
    return `ok:${String(await f())}`;
  } catch (e) {
    return e instanceof TlsError ? e.code : `non-TlsError ${String(e)}`;
  }
}

afterEach(() => _nodeInternals.reset());

describe('node provider', () => {
  it('finds every algorithm on node:crypto here (ML-KEM-768 only from Node 24.7: node26-mlkem.test.ts)', () => {
    const { 'ML-KEM-768': mlkem, ...support } = nodeSupport();
    expect(Object.values(support).every(Boolean), JSON.stringify(support)).toBe(true);
    expect(mlkem).toBe(typeof (nodeCrypto as { decapsulate?: unknown }).decapsulate === 'function');
  });

  it("is what 'auto' and 'node' select under Node; the others stay selectable", () => {
    expect(selectProvider('node')).toBe(nodeProvider);
    expect(selectProvider('auto')).toBe(nodeProvider);
    expect(selectProvider(undefined)).toBe(nodeProvider);
    expect(selectProvider('webcrypto')).toBe(webcryptoProvider);
    expect(selectProvider('noble')).toBe(nobleProvider);
  });

  it('answers synchronously: no promise per record, key share or signature', () => {
    for (const name of AEADS) {
      const aead = nodeProvider.aead(name, rand(keyLen(name)));
      expect(aead).not.toBeInstanceOf(Promise);
      if (aead instanceof Promise) return;
      const sealed = aead.seal(rand(12), rand(5), rand(100));
      expect(sealed).toBeInstanceOf(Uint8Array);
      expect(aead.open(rand(12), rand(5), rand(40))).toBeNull();
    }
    for (const group of ['x25519', 'secp256r1', 'X25519MLKEM768'] as GroupName[]) {
      const share = nodeProvider.generateKeyShare(group, systemRandom);
      expect(share).not.toBeInstanceOf(Promise);
    }
    const share = nodeProvider.generateKeyShare('x25519', systemRandom);
    if (share instanceof Promise) return;
    expect(share.agree(share.publicKey)).toBeInstanceOf(Uint8Array);
    const { publicKey, privateKey } = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const sig = nodeCrypto.sign('sha256', Buffer.from('m'), privateKey);
    expect(nodeProvider.verify({ kind: 'ecdsa', hash: 'SHA-256' }, spkiOf(publicKey), Buffer.from('m'), sig)).toBe(true);
  });

  it('does the work on node:crypto: AEADs, hashes, HMAC, key exchange, verify and sign', () => {
    const spy = spyNodeCrypto();
    _nodeInternals.reset(spy.module);
    for (const name of AEADS) {
      const aead = nodeProvider.aead(name, rand(keyLen(name))) as { seal(n: Uint8Array, a: Uint8Array, p: Uint8Array): Uint8Array };
      aead.seal(rand(12), rand(5), rand(10));
    }
    const h = nodeProvider.hash('SHA-384');
    h.digest(rand(10));
    h.hmac(rand(48), rand(10));
    for (const group of ['x25519', 'secp256r1', 'secp384r1', 'secp521r1'] as GroupName[]) {
      for (const random of [systemRandom, rand]) {
        const share = nodeProvider.generateKeyShare(group, random) as { publicKey: Uint8Array; agree(p: Uint8Array): Uint8Array };
        share.agree(share.publicKey);
      }
    }
    const ec = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const msg = rand(20);
    nodeProvider.verify({ kind: 'ecdsa', hash: 'SHA-256' }, spkiOf(ec.publicKey), msg, nodeCrypto.sign('sha256', msg, ec.privateKey));
    nodeProvider.sign({ kind: 'ed25519' }, pkcs8Of(nodeCrypto.generateKeyPairSync('ed25519').privateKey), msg);
    expect(spy.calls).toEqual(
      expect.arrayContaining([
        'createCipheriv:aes-128-gcm',
        'createCipheriv:aes-256-gcm',
        'createCipheriv:chacha20-poly1305',
        'createDecipheriv:aes-128-gcm',
        'hash:sha384',
        'createHmac:sha384',
        'generateKeyPairSync:x25519',
        'diffieHellman',
        'createECDH:prime256v1',
        'createECDH:secp384r1',
        'createECDH:secp521r1',
        'verify:sha256',
        'sign',
      ]),
    );
  });

  it('never returns memory shared with its input or with a pooled Buffer', () => {
    for (const name of AEADS) {
      const aead = nodeProvider.aead(name, rand(keyLen(name))) as {
        seal(n: Uint8Array, a: Uint8Array, p: Uint8Array): Uint8Array;
        open(n: Uint8Array, a: Uint8Array, c: Uint8Array): Uint8Array | null;
      };
      for (const size of [0, 1, 100, 16385]) {
        const nonce = rand(12);
        const pt = rand(size);
        const sealed = aead.seal(nonce, rand(0), pt);
        const opened = aead.open(nonce, rand(0), sealed)!;
        for (const out of [sealed, opened]) {
          // A plain Uint8Array (Buffer's slice would alias), alone in its memory.
          expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
          expect(out.byteOffset).toBe(0);
          expect(out.buffer.byteLength).toBe(out.length);
        }
        expect(opened.buffer).not.toBe(sealed.buffer);
        expect(hex(opened)).toBe(hex(pt));
      }
    }
    const digest = nodeProvider.hash('SHA-256').digest(rand(3));
    expect(Object.getPrototypeOf(digest)).toBe(Uint8Array.prototype);
    expect(digest.buffer.byteLength).toBe(32);
  });

  it('copies a pooled Buffer instead of viewing it', () => {
    const pooled = Buffer.from('abc'); // small Buffers come from the shared pool
    expect(pooled.buffer.byteLength).toBeGreaterThan(3);
    const o = own(pooled);
    expect(o.buffer).not.toBe(pooled.buffer);
    expect(hex(o)).toBe('616263');
    const alone = Buffer.from(new Uint8Array(4).buffer);
    expect(own(alone).buffer).toBe(alone.buffer);
  });

  it('falls back to noble per algorithm, with the same answers, where node:crypto lacks one', async () => {
    // Like a runtime without ChaCha20-Poly1305, X25519, P-521 or Ed25519 keys.
    const spy = spyNodeCrypto(
      (name, args) =>
        (name === 'createCipheriv' && args[0] === 'chacha20-poly1305') ||
        (name === 'generateKeyPairSync' && args[0] === 'x25519') ||
        name === 'diffieHellman' ||
        (name === 'createECDH' && args[0] === 'secp521r1') ||
        (name === 'createPublicKey' && JSON.stringify(args[0]).includes('Ed25519')),
    );
    _nodeInternals.reset(spy.module);
    const support = nodeSupport();
    expect(support['CHACHA20-POLY1305']).toBe(false);
    expect(support.x25519).toBe(false);
    expect(support.secp521r1).toBe(false);
    expect(support['AES-128-GCM']).toBe(true);
    expect(support.secp256r1).toBe(true);

    const key = rand(32);
    const nonce = rand(12);
    const ours = await nodeProvider.aead('CHACHA20-POLY1305', key);
    const ref = await nobleProvider.aead('CHACHA20-POLY1305', key);
    expect(hex(await ours.seal(nonce, rand(0), new Uint8Array(50)))).toBe(hex(await ref.seal(nonce, rand(0), new Uint8Array(50))));

    for (const group of ['x25519', 'secp521r1', 'secp256r1', 'X25519MLKEM768'] as GroupName[]) {
      const a = await nodeProvider.generateKeyShare(group, seq());
      const b = await nobleProvider.generateKeyShare(group, seq());
      expect(hex(a.publicKey)).toBe(hex(b.publicKey));
      if (group === 'X25519MLKEM768') continue;
      const peer = await nobleProvider.generateKeyShare(group, rand);
      expect(hex(await a.agree(peer.publicKey))).toBe(hex(await b.agree(peer.publicKey)));
    }

    const ed = nodeCrypto.generateKeyPairSync('ed25519');
    const msg = rand(30);
    const sig = new Uint8Array(nodeCrypto.sign(null, msg, ed.privateKey));
    expect(await nodeProvider.verify({ kind: 'ed25519' }, spkiOf(ed.publicKey), msg, sig)).toBe(true);
    sig[0]! ^= 1;
    expect(await nodeProvider.verify({ kind: 'ed25519' }, spkiOf(ed.publicKey), msg, sig)).toBe(false);
  });

  it('uses noble for everything where there is no node:crypto at all', async () => {
    _nodeInternals.reset(null);
    expect(Object.values(nodeSupport()).some(Boolean)).toBe(false);
    const aead = await nodeProvider.aead('AES-128-GCM', new Uint8Array(16));
    const sealed = await aead.seal(new Uint8Array(12), new Uint8Array(5), new Uint8Array(10));
    expect(await aead.open(new Uint8Array(12), new Uint8Array(5), sealed)).toEqual(new Uint8Array(10));
    expect(hex(nodeProvider.hash('SHA-256').digest(new Uint8Array(0)))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    const share = await nodeProvider.generateKeyShare('x25519', seq());
    expect(hex(share.publicKey)).toBe(hex((await nobleProvider.generateKeyShare('x25519', seq())).publicKey));
    const ec = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const msg = rand(10);
    const sig = await nodeProvider.sign({ kind: 'ecdsa', hash: 'SHA-256' }, pkcs8Of(ec.privateKey), msg);
    expect(nodeCrypto.verify('sha256', msg, ec.publicKey, sig)).toBe(true);
  });

  it('checks each algorithm once', () => {
    const spy = spyNodeCrypto();
    _nodeInternals.reset(spy.module);
    for (let i = 0; i < 3; i++) nodeProvider.aead('AES-128-GCM', rand(16));
    // One known-answer seal and open (plus its tampered open), then no more calls until a record is sealed.
    const count = spy.calls.filter((c) => c === 'createCipheriv:aes-128-gcm').length;
    expect(count).toBe(1);
    expect([..._nodeInternals.known.keys()]).toEqual(['AES-128-GCM']);
  });
});

let pssKeys: nodeCrypto.KeyPairKeyObjectResult | undefined;
/** An id-RSASSA-PSS key restricted to SHA-256 and salts of 32 bytes or more (RFC 4055 §3.1); @types/node types saltLength as a string. */
const pssKey = () =>
  (pssKeys ??= nodeCrypto.generateKeyPairSync('rsa-pss', {
    modulusLength: 2048,
    hashAlgorithm: 'sha256',
    mgf1HashAlgorithm: 'sha256',
    saltLength: 32,
  } as unknown as nodeCrypto.RSAPSSKeyPairKeyObjectOptions));

describe('node provider: the same answers and errors as noble where node:crypto would differ or cannot', () => {
  const cases: [string, () => { alg: SignatureAlgorithm; spki: Uint8Array; msg: Uint8Array; sig: Uint8Array }][] = [
    [
      'id-RSASSA-PSS key with parameters',
      () => {
        const k = pssKey();
        const msg = rand(40);
        const opts = { key: k.privateKey, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
        return { alg: { kind: 'rsa-pss', hash: 'SHA-256', saltLength: 32 }, spki: spkiOf(k.publicKey), msg, sig: nodeCrypto.sign('sha256', msg, opts) };
      },
    ],
    [
      'id-RSASSA-PSS key with parameters, a hash it does not allow',
      () => {
        const k = pssKey();
        return { alg: { kind: 'rsa-pss', hash: 'SHA-384', saltLength: 48 }, spki: spkiOf(k.publicKey), msg: rand(4), sig: rand(256) };
      },
    ],
    [
      'compressed EC point',
      () => {
        const k = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const point = spkiOf(k.publicKey).subarray(-65);
        const compressed = p256.Point.fromBytes(point).toBytes(true);
        const spki = new Uint8Array([0x30, 0x39, ...spkiOf(k.publicKey).subarray(2, 23), 0x03, 0x22, 0x00, ...compressed]);
        const msg = rand(40);
        return { alg: { kind: 'ecdsa', hash: 'SHA-256' }, spki, msg, sig: nodeCrypto.sign('sha256', msg, k.privateKey) };
      },
    ],
    [
      'RSA key below the size limit',
      () => {
        const k = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 512 });
        const msg = rand(10);
        return { alg: { kind: 'rsa-pkcs1', hash: 'SHA-256' }, spki: spkiOf(k.publicKey), msg, sig: nodeCrypto.sign('sha256', msg, k.privateKey) };
      },
    ],
    [
      'negative PSS salt length',
      () => {
        const k = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
        return { alg: { kind: 'rsa-pss', hash: 'SHA-256', saltLength: -1 }, spki: spkiOf(k.publicKey), msg: rand(4), sig: rand(256) };
      },
    ],
    [
      'ECDSA signature with a non-minimal DER integer',
      () => {
        const k = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const msg = rand(40);
        const raw = nodeCrypto.sign('sha256', msg, { key: k.privateKey, dsaEncoding: 'ieee-p1363' });
        const int = (b: Uint8Array) => [0x02, b.length + 2, 0x00, 0x00, ...b]; // a needless leading zero
        const body = [...int(raw.subarray(0, 32)), ...int(raw.subarray(32))];
        const sig = new Uint8Array([0x30, body.length, ...body]);
        return { alg: { kind: 'ecdsa', hash: 'SHA-256' }, spki: spkiOf(k.publicKey), msg, sig };
      },
    ],
    [
      'RSA PKCS#1 v1.5 DigestInfo without the NULL parameters',
      () => {
        const k = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
        const msg = rand(40);
        const digest = nodeCrypto.createHash('sha256').update(msg).digest();
        const info = Buffer.concat([Buffer.from('302f300b06096086480165030402010420', 'hex'), digest]);
        const sig = nodeCrypto.privateEncrypt({ key: k.privateKey, padding: nodeCrypto.constants.RSA_PKCS1_PADDING }, info);
        return { alg: { kind: 'rsa-pkcs1', hash: 'SHA-256' }, spki: spkiOf(k.publicKey), msg, sig };
      },
    ],
  ];

  it.each(cases)('%s', async (_label, make) => {
    const { alg, spki, msg, sig } = make();
    const expected = await outcome(() => nobleProvider.verify(alg, spki, msg, sig));
    // Twice: the second answer comes through the key cache.
    expect(await outcome(() => nodeProvider.verify(alg, spki, msg, sig))).toBe(expected);
    expect(await outcome(() => nodeProvider.verify(alg, spki, msg, sig))).toBe(expected);
  });

  it('the id-RSASSA-PSS key with parameters still verifies (on noble)', async () => {
    const [, make] = cases[0]!;
    const { alg, spki, msg, sig } = make();
    expect(await nodeProvider.verify(alg, spki, msg, sig)).toBe(true);
  });

  it('signs with PKCS#1 and SEC1 keys too, and refuses a key that does not fit like noble', async () => {
    const rsa = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const msg = rand(50);
    const pkcs1 = new Uint8Array(rsa.privateKey.export({ format: 'der', type: 'pkcs1' }));
    const sec1 = new Uint8Array(ec.privateKey.export({ format: 'der', type: 'sec1' }));
    const pss: SignatureAlgorithm = { kind: 'rsa-pss', hash: 'SHA-256', saltLength: 32 };
    const sig = await nodeProvider.sign(pss, pkcs1, msg);
    expect(await nobleProvider.verify(pss, spkiOf(rsa.publicKey), msg, sig)).toBe(true);
    const ecdsa: SignatureAlgorithm = { kind: 'ecdsa', hash: 'SHA-384' };
    const esig = await nodeProvider.sign(ecdsa, sec1, msg);
    expect(await nobleProvider.verify(ecdsa, spkiOf(ec.publicKey), msg, esig)).toBe(true);
    const wrong = await outcome(() => nodeProvider.sign(ecdsa, pkcs1, msg));
    expect(wrong).toBe(await outcome(() => nobleProvider.sign(ecdsa, pkcs1, msg)));
    expect(wrong).toBe('CERT_UNSUPPORTED_ALGORITHM');
  });

  it('keeps a bounded key cache that stays correct past eviction', async () => {
    const alg: SignatureAlgorithm = { kind: 'ecdsa', hash: 'SHA-256' };
    const msg = rand(16);
    const keys = Array.from({ length: 300 }, () => nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }));
    const first = keys[0]!;
    const sig = new Uint8Array(nodeCrypto.sign('sha256', msg, first.privateKey));
    for (const k of keys) await nodeProvider.verify(alg, spkiOf(k.publicKey), msg, sig);
    expect(await nodeProvider.verify(alg, spkiOf(first.publicKey), msg, sig)).toBe(true);
    expect(await nodeProvider.verify(alg, spkiOf(keys[299]!.publicKey), msg, sig)).toBe(false);
  });
});
