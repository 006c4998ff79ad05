/** Test data the node/ tests check by digest rather than by timing. */
import { createHash } from 'node:crypto';

/** `n` bytes from a small seeded generator (xorshift32): different streams, reproducible. */
export function stream(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** SHA-256 of `b`, in hex. */
export const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
