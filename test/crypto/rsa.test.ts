import { describe, expect, it } from 'vitest';
import * as nc from 'node:crypto';
import {
  checkRsaPublicKey,
  modInverse,
  modPow,
  rsaPkcs1Sign,
  rsaPkcs1Verify,
  rsaPssSign,
  rsaPssVerify,
} from '../../src/crypto/rsa.js';
import { parsePkcs8, parseSpki } from '../../src/crypto/keys.js';
import { TlsError } from '../../src/errors.js';
import type { HashName } from '../../src/crypto/provider.js';

const u8 = (b: Buffer | Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const nodeHash = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as const;
const hLen = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 } as const;

function rsaKeys(bits: number) {
  const { publicKey, privateKey } = nc.generateKeyPairSync('rsa', { modulusLength: bits });
  const spki = u8(publicKey.export({ type: 'spki', format: 'der' }));
  const pkcs8 = u8(privateKey.export({ type: 'pkcs8', format: 'der' }));
  const pub = parseSpki(spki);
  const priv = parsePkcs8(pkcs8);
  if (pub.kind !== 'rsa' || priv.kind !== 'rsa') throw new Error('unexpected key kind');
  return { publicKey, privateKey, pub, priv };
}

function flip(b: Uint8Array, i: number): Uint8Array {
  const c = b.slice();
  c[i]! ^= 0x01;
  return c;
}

describe('modPow / modInverse', () => {
  it('agrees with naive exponentiation', () => {
    const m = 1000000007n;
    for (const [b, e] of [
      [2n, 0n],
      [2n, 1n],
      [3n, 1000n],
      [123456789n, 987654321n],
      [-5n, 3n],
    ] as const) {
      let naive = 1n;
      let base = ((b % m) + m) % m;
      for (let x = e; x > 0n; x >>= 1n) {
        if (x & 1n) naive = (naive * base) % m;
        base = (base * base) % m;
      }
      expect(modPow(b, e, m)).toBe(naive);
    }
    expect(modPow(5n, 3n, 1n)).toBe(0n);
  });

  it('agrees on large random exponents (all window sizes)', () => {
    const m = (1n << 521n) - 1n;
    for (const bytes of [2, 8, 20, 64, 100, 256]) {
      const e = BigInt('0x' + Buffer.from(nc.randomBytes(bytes)).toString('hex'));
      const b = 0x1234567890abcdefn;
      // (b^e)^2 == b^(2e) checks internal consistency across window choices.
      expect((modPow(b, e, m) ** 2n) % m).toBe(modPow(b, 2n * e, m));
    }
  });

  it('inverts', () => {
    const m = 1000000007n;
    expect((modInverse(12345n, m) * 12345n) % m).toBe(1n);
    expect(() => modInverse(6n, 9n)).toThrow(RangeError);
  });
});

describe('RSA key checks', () => {
  const { pub } = rsaKeys(2048);
  it('accepts a normal key and reports its size', () => {
    expect(checkRsaPublicKey(pub)).toBe(2048);
  });
  it('rejects even or tiny exponents', () => {
    for (const e of [1n, 2n, 4n, 65536n]) {
      expect(() => checkRsaPublicKey({ n: pub.n, e })).toThrow(TlsError);
    }
  });
  it('rejects moduli below 1024 bits and even moduli', () => {
    const small = nc.generateKeyPairSync('rsa', { modulusLength: 768 }).publicKey;
    const k = parseSpki(u8(small.export({ type: 'spki', format: 'der' })));
    if (k.kind !== 'rsa') throw new Error();
    expect(() => checkRsaPublicKey(k)).toThrow(TlsError);
    expect(() => checkRsaPublicKey({ n: pub.n + 1n, e: 65537n })).toThrow(TlsError);
  });
});

describe.each([2048, 3072, 4096])('RSA-%i', (bits) => {
  const { publicKey, privateKey, pub, priv } = rsaKeys(bits);
  const msg = new TextEncoder().encode('puretls RSA test message');

  it.each(['SHA-256', 'SHA-384', 'SHA-512'] as HashName[])('PSS %s verifies node signatures', (hash) => {
    const sig = u8(
      nc.sign(nodeHash[hash], msg, {
        key: privateKey,
        padding: nc.constants.RSA_PKCS1_PSS_PADDING,
        saltLength: hLen[hash],
      }),
    );
    expect(rsaPssVerify(pub, hash, hLen[hash], msg, sig)).toBe(true);
    expect(rsaPssVerify(pub, hash, hLen[hash], flip(msg, 3), sig)).toBe(false);
    expect(rsaPssVerify(pub, hash, hLen[hash], msg, flip(sig, sig.length - 1))).toBe(false);
    expect(rsaPssVerify(pub, hash, hLen[hash], msg, flip(sig, 0))).toBe(false);
    // The exact salt length is required.
    expect(rsaPssVerify(pub, hash, hLen[hash] - 1, msg, sig)).toBe(false);
    expect(rsaPssVerify(pub, hash, 0, msg, sig)).toBe(false);
    // Wrong length signature.
    expect(rsaPssVerify(pub, hash, hLen[hash], msg, sig.subarray(1))).toBe(false);
  });

  it.each(['SHA-256', 'SHA-384', 'SHA-512'] as HashName[])('PSS %s signatures verify in node', (hash) => {
    const sig = rsaPssSign(priv, hash, hLen[hash], msg);
    expect(sig.length).toBe(bits / 8);
    expect(
      nc.verify(nodeHash[hash], msg, { key: publicKey, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: hLen[hash] }, sig),
    ).toBe(true);
    expect(rsaPssVerify(pub, hash, hLen[hash], msg, sig)).toBe(true);
  });

  it.each(['SHA-256', 'SHA-384', 'SHA-512'] as HashName[])('PKCS#1 v1.5 %s both ways', (hash) => {
    const nodeSig = u8(nc.sign(nodeHash[hash], msg, privateKey));
    expect(rsaPkcs1Verify(pub, hash, msg, nodeSig)).toBe(true);
    expect(rsaPkcs1Verify(pub, hash, flip(msg, 0), nodeSig)).toBe(false);
    expect(rsaPkcs1Verify(pub, hash, msg, flip(nodeSig, 10))).toBe(false);
    const mine = rsaPkcs1Sign(priv, hash, msg);
    // PKCS#1 v1.5 is deterministic: identical bytes to node.
    expect(mine).toEqual(nodeSig);
    expect(nc.verify(nodeHash[hash], msg, publicKey, mine)).toBe(true);
  });
});

describe('RSA edge cases', () => {
  const { pub, priv, privateKey } = rsaKeys(2048);
  const msg = new Uint8Array([1, 2, 3]);

  it('rejects a signature representative >= n', () => {
    const big = new Uint8Array(256).fill(0xff);
    expect(rsaPkcs1Verify(pub, 'SHA-256', msg, big)).toBe(false);
    expect(rsaPssVerify(pub, 'SHA-256', 32, msg, big)).toBe(false);
  });

  it('does not confuse hashes in PKCS#1 v1.5', () => {
    const sig = u8(nc.sign('sha256', msg, privateKey));
    expect(rsaPkcs1Verify(pub, 'SHA-384', msg, sig)).toBe(false);
  });

  it('uses the supplied random source for the salt', () => {
    let calls = 0;
    const random = (n: number) => {
      calls++;
      return new Uint8Array(n).fill(7);
    };
    const a = rsaPssSign(priv, 'SHA-256', 32, msg, random);
    const b = rsaPssSign(priv, 'SHA-256', 32, msg, random);
    expect(calls).toBeGreaterThanOrEqual(4); // salt + blinding, twice
    expect(a).toEqual(b); // same salt, same signature despite blinding
    expect(rsaPssVerify(pub, 'SHA-256', 32, msg, a)).toBe(true);
  });

  it('supports salt length 0 and a maximal salt', () => {
    const s0 = rsaPssSign(priv, 'SHA-256', 0, msg);
    expect(rsaPssVerify(pub, 'SHA-256', 0, msg, s0)).toBe(true);
    const max = 256 - 32 - 2;
    const sMax = rsaPssSign(priv, 'SHA-256', max, msg);
    expect(rsaPssVerify(pub, 'SHA-256', max, msg, sMax)).toBe(true);
    expect(() => rsaPssSign(priv, 'SHA-256', max + 1, msg)).toThrow(TlsError);
  });

  it('handles moduli whose bit length is 1 mod 8 (emLen < k)', () => {
    // Node generates exact sizes; 2049 bits makes EM one octet shorter than the signature.
    // OpenSSL rounds such sizes, so build a 2049-bit key from primes and import it as a JWK.
    const { p: pp, q: qq, n: nn } = (() => {
      for (let i = 0; i < 100; i++) {
        const a = nc.generatePrimeSync(1025, { bigint: true });
        const b = nc.generatePrimeSync(1024, { bigint: true });
        const n = a * b;
        if (n.toString(2).length === 2049) return { p: a, q: b, n };
      }
      throw new Error('could not build a 2049-bit modulus');
    })();
    const e = 65537n;
    const d = modInverse(e, (pp - 1n) * (qq - 1n));
    const b64u = (x: bigint) => Buffer.from(x.toString(16).padStart(Math.ceil(x.toString(16).length / 2) * 2, '0'), 'hex').toString('base64url');
    const jwk = {
      kty: 'RSA', n: b64u(nn), e: b64u(e), d: b64u(d), p: b64u(pp), q: b64u(qq),
      dp: b64u(d % (pp - 1n)), dq: b64u(d % (qq - 1n)), qi: b64u(modInverse(qq, pp)),
    };
    const kp = { privateKey: nc.createPrivateKey({ key: jwk, format: 'jwk' }), publicKey: nc.createPublicKey({ key: jwk, format: 'jwk' }) };
    const p = parseSpki(u8(kp.publicKey.export({ type: 'spki', format: 'der' })));
    const s = parsePkcs8(u8(kp.privateKey.export({ type: 'pkcs8', format: 'der' })));
    if (p.kind !== 'rsa' || s.kind !== 'rsa') throw new Error();
    expect(p.modulusBits).toBe(2049);
    const nodeSig = u8(
      nc.sign('sha256', msg, { key: kp.privateKey, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
    );
    expect(rsaPssVerify(p, 'SHA-256', 32, msg, nodeSig)).toBe(true);
    const mine = rsaPssSign(s, 'SHA-256', 32, msg);
    expect(
      nc.verify('sha256', msg, { key: kp.publicKey, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, mine),
    ).toBe(true);
  });

  it('refuses to release a signature from an inconsistent private key', () => {
    const broken = { ...priv, dP: priv.dP + 2n };
    expect(() => rsaPkcs1Sign(broken, 'SHA-256', msg)).toThrow(TlsError);
  });
});
