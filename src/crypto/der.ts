/**
 * A small, strict DER reader (X.690 §10), the few encoders puretls needs
 * and the ECDSA signature value conversions. The key formats are in
 * keys.ts, PEM and base64 in pem.ts.
 *
 * Strict means: definite lengths only, minimal length and INTEGER encodings,
 * every read bounds-checked, no trailing bytes. BER leniency in key material
 * is a source of signature-forgery bugs, so we do not offer it.
 */

import { TlsError, type ErrorCode } from '../errors.js';

// ---------------------------------------------------------------- tags

/** Universal tags we use (X.680 §8.4), with the constructed bit where DER requires it. */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific constructed tag [n] (explicit tagging). */
export function contextTag(n: number, constructed = true): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** One DER TLV as {@link DerReader} returns it: views into the input, no copies. */
export interface DerElement {
  /** The identifier octet (class | constructed | number). */
  readonly tag: number;
  /** Content octets (a view into the input). */
  readonly value: Uint8Array;
  /** The whole TLV (a view into the input). */
  readonly raw: Uint8Array;
}

// ---------------------------------------------------------------- reader

/** Reads consecutive TLVs from a buffer; every failure throws TlsError(`code`). */
export class DerReader {
  private pos = 0;

  constructor(
    private readonly buf: Uint8Array,
    readonly code: ErrorCode = 'DECODE_ERROR',
  ) {}

  fail(what: string): never {
    throw new TlsError(this.code, `malformed DER: ${what}`);
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  hasMore(): boolean {
    return this.pos < this.buf.length;
  }

  /** Throws unless everything has been consumed. */
  end(what = 'value'): void {
    if (this.pos !== this.buf.length) this.fail(`trailing bytes after ${what}`);
  }

  /** The identifier octet of the next element, or -1 at the end. */
  peekTag(): number {
    return this.pos < this.buf.length ? this.buf[this.pos]! : -1;
  }

  /** Reads one TLV. X.690 §8.1.2-§8.1.3 with the DER restrictions of §10.1. */
  read(): DerElement {
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    if (p >= buf.length) this.fail('unexpected end of data');
    const tag = buf[p++]!;
    // High tag numbers never occur in the structures we parse.
    if ((tag & 0x1f) === 0x1f) this.fail('unsupported high tag number');
    if (p >= buf.length) this.fail('missing length');
    const first = buf[p++]!;
    let len: number;
    if (first < 0x80) {
      len = first;
    } else if (first === 0x80) {
      this.fail('indefinite length'); // X.690 §10.1
    } else {
      const n = first & 0x7f;
      // 4 octets (up to 4 GiB) is far more than any key or certificate needs.
      if (n > 4) this.fail('length too large');
      if (p + n > buf.length) this.fail('truncated length');
      if (buf[p] === 0) this.fail('non-minimal length'); // X.690 §10.1
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
      if (len < 0x80) this.fail('non-minimal length');
    }
    if (len > buf.length - p) this.fail('length exceeds data');
    this.pos = p + len;
    return { tag, value: buf.subarray(p, p + len), raw: buf.subarray(start, p + len) };
  }

  /** Reads one element and checks its tag. */
  expect(tag: number, what: string): DerElement {
    const el = this.read();
    if (el.tag !== tag) this.fail(`expected ${what}`);
    return el;
  }

  /** Reads an element with `tag` if it is next, else returns undefined. */
  optional(tag: number): DerElement | undefined {
    return this.peekTag() === tag ? this.read() : undefined;
  }

  /** Enters a SEQUENCE (or any constructed tag) and returns a reader over its content. */
  sequence(tag: number = Tag.SEQUENCE, what = 'SEQUENCE'): DerReader {
    return new DerReader(this.expect(tag, what).value, this.code);
  }

  /** INTEGER as a signed bigint; X.690 §8.3.2 requires minimal encoding. */
  integer(): bigint {
    return decodeInteger(this.expect(Tag.INTEGER, 'INTEGER').value, this);
  }

  /** INTEGER that must be > 0 (moduli, exponents, primes). */
  positiveInteger(what: string): bigint {
    const v = this.integer();
    if (v <= 0n) this.fail(`${what} must be positive`);
    return v;
  }

  /** INTEGER that must fit a small non-negative JS number (versions, lengths). */
  smallInteger(what: string): number {
    const v = this.integer();
    if (v < 0n || v > 0x7fffffffn) this.fail(`${what} out of range`);
    return Number(v);
  }

  oid(): string {
    return decodeOid(this.expect(Tag.OID, 'OBJECT IDENTIFIER').value, this);
  }

  null(): void {
    if (this.expect(Tag.NULL, 'NULL').value.length !== 0) this.fail('NULL with content');
  }

  octetString(): Uint8Array {
    return this.expect(Tag.OCTET_STRING, 'OCTET STRING').value;
  }

  /** BIT STRING whose bit length is a multiple of 8 (keys, signatures). */
  bitStringBytes(): Uint8Array {
    const v = this.expect(Tag.BIT_STRING, 'BIT STRING').value;
    if (v.length === 0) this.fail('empty BIT STRING');
    if (v[0] !== 0) this.fail('BIT STRING with unused bits');
    return v.subarray(1);
  }
}

function decodeInteger(v: Uint8Array, r: DerReader): bigint {
  if (v.length === 0) r.fail('empty INTEGER');
  // X.690 §8.3.2: the first 9 bits must not be all zeros or all ones.
  if (v.length > 1 && ((v[0] === 0 && v[1]! < 0x80) || (v[0] === 0xff && v[1]! >= 0x80))) {
    r.fail('non-minimal INTEGER');
  }
  const magnitude = bytesToBigInt(v);
  return v[0]! >= 0x80 ? magnitude - (1n << BigInt(v.length * 8)) : magnitude;
}

function decodeOid(v: Uint8Array, r: DerReader): string {
  if (v.length === 0) r.fail('empty OID');
  const arcs: number[] = [];
  let acc = 0;
  let started = false;
  for (let i = 0; i < v.length; i++) {
    const b = v[i]!;
    // X.690 §8.19.2: subidentifiers are minimal, so no leading 0x80.
    if (!started && b === 0x80) r.fail('non-minimal OID arc');
    started = true;
    if (acc > 0x1fffffff) r.fail('OID arc too large');
    acc = acc * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(acc);
      acc = 0;
      started = false;
    }
  }
  if (started) r.fail('truncated OID');
  // X.690 §8.19.4: the first subidentifier packs the first two arcs.
  const head = arcs[0]!;
  const first = head < 40 ? 0 : head < 80 ? 1 : 2;
  return [first, head - first * 40, ...arcs.slice(1)].join('.');
}

// ---------------------------------------------------------------- byte helpers

const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** OS2IP (RFC 8017 §4.2): unsigned big-endian bytes as a bigint. */
export function bytesToBigInt(b: Uint8Array): bigint {
  let hex = '';
  for (let i = 0; i < b.length; i++) hex += HEX_PAIRS[b[i]!]!;
  return hex.length === 0 ? 0n : BigInt('0x' + hex);
}

/** I2OSP (RFC 8017 §4.1); throws RangeError if x does not fit `len` bytes. */
export function bigIntToBytes(x: bigint, len: number): Uint8Array {
  if (x < 0n) throw new RangeError('negative integer');
  const hex = x.toString(16);
  if (hex.length > len * 2) throw new RangeError('integer too large');
  const out = new Uint8Array(len);
  const padded = hex.padStart(len * 2, '0');
  for (let i = 0; i < len; i++) out[i] = parseInt(padded.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Number of significant bits of a non-negative bigint (0 for 0). */
export function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

// ---------------------------------------------------------------- ECDSA signature values

/** Definite-length TLV with the minimal length form (X.690 §10.1). */
export function encodeTlv(tag: number, value: Uint8Array): Uint8Array {
  const len = value.length;
  const lenBytes: number[] = [];
  if (len < 0x80) {
    lenBytes.push(len);
  } else {
    for (let v = len; v > 0; v = Math.floor(v / 256)) lenBytes.unshift(v & 0xff);
    lenBytes.unshift(0x80 | lenBytes.length);
  }
  const out = new Uint8Array(1 + lenBytes.length + len);
  out[0] = tag;
  out.set(lenBytes, 1);
  out.set(value, 1 + lenBytes.length);
  return out;
}

/** Minimal two's-complement INTEGER for a non-negative value (X.690 §8.3). */
export function encodeUnsignedInteger(x: bigint): Uint8Array {
  if (x < 0n) throw new RangeError('negative integer');
  let len = Math.max(1, (bitLength(x) + 7) >> 3);
  // A set top bit would read as negative: prepend a zero octet.
  if (bitLength(x) % 8 === 0 && x !== 0n) len++;
  return encodeTlv(Tag.INTEGER, bigIntToBytes(x, len));
}

/**
 * Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3)
 * to fixed-width r || s. Returns null for a malformed encoding or r, s
 * outside [1, order-1] (SEC 1 §4.1.4 step 1).
 */
export function ecdsaDerToRaw(sig: Uint8Array, size: number, order: bigint): Uint8Array | null {
  try {
    const top = new DerReader(sig);
    const s = top.sequence(Tag.SEQUENCE, 'Ecdsa-Sig-Value');
    top.end();
    const r = s.integer();
    const sv = s.integer();
    s.end();
    if (r < 1n || r >= order || sv < 1n || sv >= order) return null;
    const out = new Uint8Array(2 * size);
    out.set(bigIntToBytes(r, size), 0);
    out.set(bigIntToBytes(sv, size), size);
    return out;
  } catch {
    return null;
  }
}

/** Fixed-width r || s to a DER Ecdsa-Sig-Value (RFC 3279 §2.2.3). */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new RangeError('bad raw ECDSA signature length');
  const half = raw.length / 2;
  const r = encodeUnsignedInteger(bytesToBigInt(raw.subarray(0, half)));
  const s = encodeUnsignedInteger(bytesToBigInt(raw.subarray(half)));
  const body = new Uint8Array(r.length + s.length);
  body.set(r);
  body.set(s, r.length);
  return encodeTlv(Tag.SEQUENCE, body);
}
