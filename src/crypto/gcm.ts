/**
 * AES-GCM for the noble provider with the per-key work done once per key
 * (NIST SP 800-38D): the AES key schedule and the GHASH multiplication
 * table are built when the key is made, not for every record as noble's
 * one-shot `gcm()` does. AES itself is noble's (`unsafe.expandKeyLE`,
 * `encryptBlock`, `ctr32`); GHASH is here, with its table in a typed array
 * (8 KiB per key, outside the JS heap). Key schedule and table live as long
 * as the AeadKey, as the raw key did before (AeadKey has no dispose hook);
 * the per-call values (counter, E_K(J0), GHASH state) are wiped after use.
 */
import { unsafe } from '@noble/ciphers/aes.js';
import type { AeadKey } from './provider.js';

const { expandKeyLE, encryptBlock, ctr32 } = unsafe;

/** The 32-bit big-endian word at d[i..i+3]; bytes at or past `end` read as zero (SP 800-38D §7.1 step 5 padding). */
function word(d: Uint8Array, i: number, end: number): number {
  if (i + 4 <= end) return (d[i]! << 24) | (d[i + 1]! << 16) | (d[i + 2]! << 8) | d[i + 3]!;
  let w = 0;
  for (let k = 0; k < 4; k++) w = (w << 8) | (i + k < end ? d[i + k]! : 0);
  return w;
}

/**
 * GHASH_H (NIST SP 800-38D §6.4) with 4-bit windows: for each of the 32
 * nibbles of a block, a table of the 16 multiples of H by that nibble's
 * polynomial (§6.3's bit order: the first bit of a block is x^0).
 */
export class Ghash {
  /** table[(nibble * 16 + value) * 4 + word]: 32 × 16 elements of 4 big-endian words. */
  private readonly table = new Uint32Array(32 * 16 * 4);
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(h: Uint8Array) {
    const t = this.table;
    // H · x^i for i = 0, 1, ... in turn: multiplying by x is a right shift, reduced by R = 0xe1 || 0^120 (§6.3).
    let a = word(h, 0, 16);
    let b = word(h, 4, 16);
    let c = word(h, 8, 16);
    let d = word(h, 12, 16);
    for (let n = 0; n < 32; n++) {
      // Nibble n covers x^(4n)..x^(4n+3); its top bit is x^(4n): the values 8, 4, 2, 1 get those powers.
      for (let bit = 8; bit > 0; bit >>>= 1) {
        const o = (n * 16 + bit) * 4;
        t[o] = a;
        t[o + 1] = b;
        t[o + 2] = c;
        t[o + 3] = d;
        const carry = d & 1;
        d = (d >>> 1) | (c << 31);
        c = (c >>> 1) | (b << 31);
        b = (b >>> 1) | (a << 31);
        a = (a >>> 1) ^ (-carry & 0xe1000000);
      }
      // Every other value is the sum of its lowest bit's entry and the rest's.
      for (let v = 3; v < 16; v++) {
        const low = v & -v;
        if (low === v) continue;
        const o = (n * 16 + v) * 4;
        const x = (n * 16 + low) * 4;
        const y = (n * 16 + (v ^ low)) * 4;
        t[o] = t[x]! ^ t[y]!;
        t[o + 1] = t[x + 1]! ^ t[y + 1]!;
        t[o + 2] = t[x + 2]! ^ t[y + 2]!;
        t[o + 3] = t[x + 3]! ^ t[y + 3]!;
      }
    }
  }

  /** Y = (Y xor X) · H, §6.4 step 4. */
  private block(x0: number, x1: number, x2: number, x3: number): void {
    const t = this.table;
    let o0 = 0;
    let o1 = 0;
    let o2 = 0;
    let o3 = 0;
    let base = 0;
    for (const x of [x0 ^ this.s0, x1 ^ this.s1, x2 ^ this.s2, x3 ^ this.s3]) {
      for (let shift = 28; shift >= 0; shift -= 4, base += 64) {
        const i = base + ((x >>> shift) & 15) * 4;
        o0 ^= t[i]!;
        o1 ^= t[i + 1]!;
        o2 ^= t[i + 2]!;
        o3 ^= t[i + 3]!;
      }
    }
    this.s0 = o0;
    this.s1 = o1;
    this.s2 = o2;
    this.s3 = o3;
  }

  /** Starts a new GHASH with the same H. */
  reset(): void {
    this.s0 = this.s1 = this.s2 = this.s3 = 0;
  }

  /** Absorbs one segment (AAD or ciphertext), zero-padded to a whole block (§7.1 step 5). */
  update(d: Uint8Array): void {
    const end = d.length;
    const whole = end & ~15;
    let i = 0;
    for (; i < whole; i += 16) {
      this.block(word(d, i, end), word(d, i + 4, end), word(d, i + 8, end), word(d, i + 12, end));
    }
    if (i < end) this.block(word(d, i, end), word(d, i + 4, end), word(d, i + 8, end), word(d, i + 12, end));
  }

  /** The final block, [len(A)]_64 || [len(C)]_64 in bits (§7.1 step 5), then the digest xor `mask` into out[at..at+16]. */
  finish(aadBytes: number, dataBytes: number, mask: Uint8Array, out: Uint8Array, at: number): void {
    this.block(
      Math.floor(aadBytes / 0x20000000),
      (aadBytes * 8) >>> 0,
      Math.floor(dataBytes / 0x20000000),
      (dataBytes * 8) >>> 0,
    );
    const s = [this.s0, this.s1, this.s2, this.s3];
    for (let k = 0; k < 16; k++) out[at + k] = mask[k]! ^ ((s[k >> 2]! >>> (24 - 8 * (k & 3))) & 0xff);
  }
}

const isAligned = (b: Uint8Array): boolean => b.byteOffset % 4 === 0;

/** An AES-GCM key (AES-128 or AES-256, 96-bit nonces, 128-bit tags) for the record layer. */
export function aesGcmKey(key: Uint8Array): AeadKey {
  if (key.length !== 16 && key.length !== 32) throw new RangeError('AES-GCM key must be 16 or 32 bytes');
  const xk = expandKeyLE(key); // FIPS 197 §5.2; reads the key without changing it
  // §7.1 step 1: H = CIPH_K(0^128).
  const h = encryptBlock(xk, new Uint8Array(16));
  const ghash = new Ghash(h);
  h.fill(0);
  // Per-call scratch (the provider is synchronous): the counter block and E_K(J0); wiped after each call.
  const counter = new Uint8Array(16);
  const mask = new Uint8Array(16);
  const tag = new Uint8Array(16);

  /** §7.1 steps 2-3 for a 96-bit IV: mask = E_K(J0), J0 = IV || 0^31 || 1; counter = inc32(J0). */
  const start = (nonce: Uint8Array): void => {
    if (nonce.length !== 12) throw new RangeError('AES-GCM nonce must be 12 bytes');
    mask.set(nonce);
    mask[12] = mask[13] = mask[14] = 0;
    mask[15] = 1;
    counter.set(mask);
    counter[15] = 2;
    encryptBlock(xk, mask);
  };
  const wipe = (): void => {
    ghash.reset();
    counter.fill(0);
    mask.fill(0);
    tag.fill(0);
  };
  /** §7.1 steps 5-6: the tag over `aad` and the ciphertext `c`, into out[at..at+16]. */
  const authenticate = (aad: Uint8Array, c: Uint8Array, out: Uint8Array, at: number): void => {
    ghash.reset();
    ghash.update(aad);
    ghash.update(c);
    ghash.finish(aad.length, c.length, mask, out, at);
  };

  return {
    tagLength: 16,
    seal(nonce, aad, plaintext) {
      start(nonce);
      const n = plaintext.length;
      const out = new Uint8Array(n + 16);
      const body = out.subarray(0, n);
      // ctr32 reads and writes 32-bit words: an unaligned plaintext is copied first and encrypted in place.
      if (isAligned(plaintext)) ctr32(xk, false, counter, plaintext, body);
      else {
        body.set(plaintext);
        ctr32(xk, false, counter, body, body);
      }
      authenticate(aad, body, out, n);
      wipe();
      return out;
    },
    open(nonce, aad, ciphertext) {
      if (ciphertext.length < 16) return null;
      start(nonce);
      const n = ciphertext.length - 16;
      const c = ciphertext.subarray(0, n);
      authenticate(aad, c, tag, 0);
      // §7.2 step 8, in constant time; nothing is decrypted before the tag checks.
      let diff = 0;
      for (let i = 0; i < 16; i++) diff |= tag[i]! ^ ciphertext[n + i]!;
      if (diff !== 0) {
        wipe();
        return null;
      }
      const out = c.slice();
      ctr32(xk, false, counter, out, out);
      wipe();
      return out;
    },
  };
}
