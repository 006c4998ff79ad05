/**
 * The noble provider's per-key AES-GCM (src/crypto/gcm.ts) against published
 * vectors, noble's one-shot gcm() and node:crypto, byte for byte.
 */
import * as nodeCrypto from 'node:crypto';
import { gcm } from '@noble/ciphers/aes.js';
import { GHASH } from '@noble/ciphers/_polyval.js';
import { describe, expect, it } from 'vitest';
import { aesGcmKey, Ghash } from '../../src/crypto/gcm.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const rand = (n: number) => new Uint8Array(nodeCrypto.randomBytes(n));
/** `bytes` at byte offset `offset` of a larger buffer (unaligned for offset % 4 !== 0). */
function at(offset: number, bytes: Uint8Array): Uint8Array {
  const buf = new Uint8Array(offset + bytes.length);
  buf.set(bytes, offset);
  return buf.subarray(offset);
}

// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)" (the GCM
// specification submitted to NIST, revised 2005), Appendix B: test cases
// 1-4 (AES-128) and 13-16 (AES-256), all with 96-bit IVs.
const K = 'feffe9928665731c6d6a8f9467308308';
const IV = 'cafebabefacedbaddecaf888';
const AAD = 'feedfacedeadbeeffeedfacedeadbeefabaddad2';
const P =
  'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
  '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255';
const C128 =
  '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e' +
  '21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985';
const C256 =
  '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa' +
  '8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad';
const VECTORS: { name: string; key: string; iv: string; p: string; a: string; c: string; t: string }[] = [
  { name: '1', key: '00'.repeat(16), iv: '00'.repeat(12), p: '', a: '', c: '', t: '58e2fccefa7e3061367f1d57a4e7455a' },
  { name: '2', key: '00'.repeat(16), iv: '00'.repeat(12), p: '00'.repeat(16), a: '', c: '0388dace60b6a392f328c2b971b2fe78', t: 'ab6e47d42cec13bdf53a67b21257bddf' },
  { name: '3', key: K, iv: IV, p: P, a: '', c: C128, t: '4d5c2af327cd64a62cf35abd2ba6fab4' },
  { name: '4', key: K, iv: IV, p: P.slice(0, 120), a: AAD, c: C128.slice(0, 120), t: '5bc94fbc3221a5db94fae95ae7121a47' },
  { name: '13', key: '00'.repeat(32), iv: '00'.repeat(12), p: '', a: '', c: '', t: '530f8afbc74536b9a963b4f1c4cb738b' },
  { name: '14', key: '00'.repeat(32), iv: '00'.repeat(12), p: '00'.repeat(16), a: '', c: 'cea7403d4d606b6e074ec5d3baf39d18', t: 'd0d1c8a799996bf0265b98b5d48ab919' },
  { name: '15', key: K + K, iv: IV, p: P, a: '', c: C256, t: 'b094dac5d93471bdec1a502270e3cc6c' },
  { name: '16', key: K + K, iv: IV, p: P.slice(0, 120), a: AAD, c: C256.slice(0, 120), t: '76fc6ece0f4e1768cddf8853bb2d551b' },
];

function nodeSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): string {
  const c = nodeCrypto.createCipheriv(`aes-${key.length * 8}-gcm` as 'aes-128-gcm', key, nonce);
  c.setAAD(aad);
  return hex(Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]));
}

describe('per-key AES-GCM', () => {
  for (const v of VECTORS) {
    it(`McGrew-Viega test case ${v.name}`, () => {
      const k = aesGcmKey(unhex(v.key));
      const sealed = k.seal(unhex(v.iv), unhex(v.a), unhex(v.p)) as Uint8Array;
      expect(hex(sealed)).toBe(v.c + v.t);
      expect(hex(k.open(unhex(v.iv), unhex(v.a), unhex(v.c + v.t)) as Uint8Array)).toBe(v.p);
    });
  }

  const lengths = [0, 1, 3, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 1000, 16384, 16385, 16401, 20000, 70000];
  for (const keyLen of [16, 32]) {
    it(`AES-${keyLen * 8}: byte-identical to noble gcm() and node:crypto, every length, aligned or not`, () => {
      const key = rand(keyLen);
      const k = aesGcmKey(key);
      for (const n of lengths) {
        for (const [aadLen, offset] of [
          [0, 0],
          [5, 1],
          [13, 2],
          [16, 3],
          [17, 5],
          [32, 4],
        ] as const) {
          const nonce = rand(12);
          const aad = rand(aadLen);
          const pt = rand(n);
          const expected = gcm(key, nonce, aad).encrypt(pt);
          const sealed = k.seal(at(offset, nonce), at(offset, aad), at(offset, pt)) as Uint8Array;
          expect(hex(sealed)).toBe(hex(expected));
          if (n % 97 === 0 || n > 16000) expect(hex(sealed)).toBe(nodeSeal(key, nonce, aad, pt));
          const opened = k.open(at(offset, nonce), at(offset, aad), at(offset, sealed)) as Uint8Array;
          expect(hex(opened)).toBe(hex(pt));
        }
      }
    });
  }

  it('the key keeps no state from one record to the next (interleaved seals and opens)', () => {
    const key = rand(16);
    const k = aesGcmKey(key);
    for (let i = 0; i < 50; i++) {
      const nonce = rand(12);
      const aad = rand(i % 20);
      const pt = rand((i * 37) % 300);
      const theirs = gcm(key, nonce, aad).encrypt(pt);
      if (i % 3 === 0) expect(k.open(rand(12), aad, theirs)).toBeNull();
      expect(hex(k.seal(nonce, aad, pt) as Uint8Array)).toBe(hex(theirs));
      expect(hex(k.open(nonce, aad, theirs) as Uint8Array)).toBe(hex(pt));
    }
  });

  it('rejects any change to ciphertext, tag, AAD or nonce, and a short input', () => {
    const key = rand(32);
    const k = aesGcmKey(key);
    const nonce = rand(12);
    const aad = rand(13);
    const pt = rand(100);
    const sealed = k.seal(nonce, aad, pt) as Uint8Array;
    for (let i = 0; i < sealed.length; i++) {
      const bad = sealed.slice();
      bad[i]! ^= 1 << (i % 8);
      expect(k.open(nonce, aad, bad)).toBeNull();
    }
    const badAad = aad.slice();
    badAad[12]! ^= 0x80;
    expect(k.open(nonce, badAad, sealed)).toBeNull();
    expect(k.open(nonce, aad.subarray(1), sealed)).toBeNull();
    const badNonce = nonce.slice();
    badNonce[0]! ^= 1;
    expect(k.open(badNonce, aad, sealed)).toBeNull();
    expect(k.open(nonce, aad, sealed.subarray(0, sealed.length - 1))).toBeNull();
    expect(k.open(nonce, aad, sealed.subarray(0, 15))).toBeNull();
    expect(k.open(nonce, aad, new Uint8Array(0))).toBeNull();
    // Still works after the failures.
    expect(hex(k.open(nonce, aad, sealed) as Uint8Array)).toBe(hex(pt));
  });

  it('does not touch its inputs, and returns memory of its own', () => {
    const k = aesGcmKey(rand(16));
    const nonce = rand(12);
    const aad = rand(5);
    const pt = rand(64);
    const copies = [nonce.slice(), aad.slice(), pt.slice()];
    const sealed = k.seal(nonce, aad, pt) as Uint8Array;
    const sealedCopy = sealed.slice();
    const opened = k.open(nonce, aad, sealed) as Uint8Array;
    expect([nonce, aad, pt].map(hex)).toEqual(copies.map(hex));
    expect(hex(sealed)).toBe(hex(sealedCopy));
    expect(opened.buffer).not.toBe(sealed.buffer);
    expect(sealed.buffer).not.toBe(pt.buffer);
  });

  it('takes only 96-bit nonces and 128/256-bit keys', () => {
    expect(() => aesGcmKey(rand(24))).toThrow(RangeError);
    expect(() => aesGcmKey(rand(15))).toThrow(RangeError);
    const k = aesGcmKey(rand(16));
    expect(() => k.seal(rand(16), rand(0), rand(1))).toThrow(RangeError);
    expect(() => k.open(rand(8), rand(0), rand(32))).toThrow(RangeError);
  });
});

describe('Ghash', () => {
  it('matches noble GHASH over segments of every length', () => {
    const h = rand(16);
    const mine = new Ghash(h);
    for (const [a, c] of [
      [0, 0],
      [0, 1],
      [5, 16],
      [16, 17],
      [20, 60],
      [1, 4096],
      [33, 16385],
    ] as const) {
      const aad = rand(a);
      const data = rand(c);
      // noble pads each update() call to a block: the same segments as SP 800-38D §7.1.
      const len = new Uint8Array(16);
      const view = new DataView(len.buffer);
      view.setUint32(0, Math.floor(a / 0x20000000));
      view.setUint32(4, (a * 8) >>> 0);
      view.setUint32(8, Math.floor(c / 0x20000000));
      view.setUint32(12, (c * 8) >>> 0);
      const theirs = new GHASH(h).update(aad).update(data).update(len).digest();
      mine.reset();
      mine.update(at(3, aad));
      mine.update(at(1, data));
      const ours = new Uint8Array(16);
      mine.finish(a, c, new Uint8Array(16), ours, 0);
      expect(hex(ours)).toBe(hex(theirs));
    }
  });
});
