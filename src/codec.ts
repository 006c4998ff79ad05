/**
 * Bounds-checked reading and writing of TLS presentation-language structures
 * (RFC 8446 §3). Every read fails with a DECODE_ERROR TlsError, never a
 * RangeError, and never allocates more than the input holds.
 */
import { decodeError } from './errors.js';

/** A bounds-checked cursor over a TLS structure (RFC 8446 §3); every failed read is a DECODE_ERROR. */
export class Reader {
  private pos = 0;
  constructor(
    private readonly buf: Uint8Array,
    /** Names the structure in error messages. */
    readonly what: string,
  ) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }
  get offset(): number {
    return this.pos;
  }

  private need(n: number): void {
    if (n > this.buf.length - this.pos) throw decodeError(this.what);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
  u24(): number {
    this.need(3);
    const b = this.buf;
    const v = (b[this.pos]! << 16) | (b[this.pos + 1]! << 8) | b[this.pos + 2]!;
    this.pos += 3;
    return v;
  }
  u32(): number {
    this.need(4);
    return this.u16() * 65536 + this.u16();
  }
  /** A view of the next n bytes (not a copy). */
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** opaque<min..max> with a length prefix of `lenBytes` bytes. */
  vec(lenBytes: 1 | 2 | 3, min = 0, max = Infinity): Uint8Array {
    const n = lenBytes === 1 ? this.u8() : lenBytes === 2 ? this.u16() : this.u24();
    if (n < min || n > max) throw decodeError(this.what);
    return this.bytes(n);
  }
  /** A sub-reader over a length-prefixed vector. */
  sub(lenBytes: 1 | 2 | 3, what = this.what, min = 0): Reader {
    return new Reader(this.vec(lenBytes, min), what);
  }
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }
  /** RFC 8446 §4: trailing bytes inside a structure are a decode error. */
  end(): void {
    if (this.pos !== this.buf.length) throw decodeError(this.what);
  }
}

/** A growable buffer for encoding TLS structures, with length-prefixed vectors (RFC 8446 §3.4). */
export class Writer {
  private buf: Uint8Array;
  private len = 0;
  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  u8(v: number): this {
    this.ensure(1);
    this.buf[this.len++] = v;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.buf[this.len++] = v >>> 8;
    this.buf[this.len++] = v;
    return this;
  }
  u24(v: number): this {
    this.ensure(3);
    this.buf[this.len++] = v >>> 16;
    this.buf[this.len++] = v >>> 8;
    this.buf[this.len++] = v;
    return this;
  }
  u32(v: number): this {
    return this.u16(Math.floor(v / 65536) & 0xffff).u16(v & 0xffff);
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  /** Writes a length-prefixed vector whose body `body` writes. */
  vec(lenBytes: 1 | 2 | 3, body: (w: Writer) => void): this {
    const start = this.len;
    this.ensure(lenBytes);
    this.len += lenBytes;
    body(this);
    const n = this.len - start - lenBytes;
    const max = lenBytes === 1 ? 0xff : lenBytes === 2 ? 0xffff : 0xffffff;
    if (n > max) throw new RangeError('vector too long');
    for (let i = 0; i < lenBytes; i++) {
      this.buf[start + i] = n >>> (8 * (lenBytes - 1 - i));
    }
    return this;
  }
  opaque(lenBytes: 1 | 2 | 3, b: Uint8Array): this {
    return this.vec(lenBytes, (w) => w.bytes(b));
  }
  get length(): number {
    return this.len;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** A copy in memory of its own, also for a Node Buffer (whose slice() is a view). */
export function copyBytes(b: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(b);
}

/** Concatenates byte arrays into a new one. */
export function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Constant-time equality (RFC 8446 §4.4.4: Finished must not leak timing). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/**
 * The UTF-8 encoding of a string (lone surrogates become U+FFFD, as
 * TextEncoder does). Written out so the core needs no TextEncoder: engines
 * such as QuickJS have none.
 */
export function utf8(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        c = 0xfffd;
      }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/**
 * Decodes UTF-8 strictly (RFC 3629: no overlong forms, surrogates or code
 * points above U+10FFFF); returns undefined for invalid input. Needs no
 * TextDecoder.
 */
export function utf8Decode(b: Uint8Array): string | undefined {
  let s = '';
  for (let i = 0; i < b.length; ) {
    const c = b[i++]!;
    if (c < 0x80) {
      s += String.fromCharCode(c);
      continue;
    }
    const n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    if (n === 0 || c > 0xf4 || i + n > b.length) return undefined;
    let cp = c & (0x3f >> n);
    for (let k = 0; k < n; k++) {
      const x = b[i++]!;
      if ((x & 0xc0) !== 0x80) return undefined;
      cp = (cp << 6) | (x & 0x3f);
    }
    const min = n === 1 ? 0x80 : n === 2 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
    s += String.fromCodePoint(cp);
  }
  return s;
}

/** Lowercase hex of the bytes, no separators. */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** Bytes from hex text (whitespace ignored); throws on an odd number of digits. */
export function fromHex(h: string): Uint8Array<ArrayBuffer> {
  const clean = h.replace(/\s+/g, '');
  if (clean.length % 2) throw new Error('odd hex');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Unpadded base64url (RFC 4648 §5), as JWK members are (RFC 7518 §2). */
export function b64url(b: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < b.length; i++) bin += String.fromCharCode(b[i]!);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Bytes from base64url (RFC 4648 §5), padded or not. */
export function fromB64url(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
