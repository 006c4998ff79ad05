/**
 * Handshake message reassembly across records, RFC 8446 §5.1: messages may
 * be split across records or coalesced into one, but never interleaved with
 * other content types and never across a key change.
 */
import { TlsError } from '../errors.js';

/** One complete handshake message (RFC 8446 §4). */
export interface HandshakeMessage {
  type: number;
  body: Uint8Array;
  /** The whole message with its 4-byte header, for the transcript. */
  raw: Uint8Array;
}

/** Rebuilds handshake messages from handshake records, enforcing a size limit (RFC 8446 §5.1). */
export class HandshakeReassembler {
  /** An unfinished message's bytes in buf[0..used); capacity doubles as it grows. */
  private buf = new Uint8Array(0);
  private used = 0;

  constructor(private readonly maxMessageSize: number) {}

  /** True when part of a message is waiting for more records. */
  get partial(): boolean {
    return this.used > 0;
  }

  /**
   * Adds one handshake record's content and returns every message it
   * completes. A length over the limit fails as soon as the header is
   * seen, before anything of that size is allocated; buffering is linear
   * in the bytes received however small the records are.
   */
  push(fragment: Uint8Array): HandshakeMessage[] {
    if (fragment.length === 0) {
      // RFC 8446 §5.1: zero-length handshake fragments are not allowed.
      throw new TlsError('UNEXPECTED_MESSAGE', 'zero-length handshake record');
    }
    let data: Uint8Array;
    if (this.used) {
      if (this.used + fragment.length > this.buf.length) {
        const next = new Uint8Array(Math.max(this.used + fragment.length, this.buf.length * 2));
        next.set(this.buf.subarray(0, this.used));
        this.buf = next;
      }
      this.buf.set(fragment, this.used);
      this.used += fragment.length;
      data = this.buf.subarray(0, this.used);
    } else {
      data = fragment;
    }
    const out: HandshakeMessage[] = [];
    let pos = 0;
    while (data.length - pos >= 4) {
      const len = (data[pos + 1]! << 16) | (data[pos + 2]! << 8) | data[pos + 3]!;
      if (len > this.maxMessageSize) {
        throw new TlsError(
          'LIMIT_EXCEEDED',
          `handshake message of ${len} bytes exceeds the limit of ${this.maxMessageSize}`,
          { alert: 'illegal_parameter' },
        );
      }
      if (data.length - pos < 4 + len) break;
      // Copy: record buffers are reused, messages outlive them.
      const raw = data.slice(pos, pos + 4 + len);
      out.push({ type: raw[0]!, body: raw.subarray(4), raw });
      pos += 4 + len;
    }
    const rest = data.length - pos;
    if (rest === 0) {
      this.used = 0;
      if (this.buf.length > 1 << 16) this.buf = new Uint8Array(0); // do not keep a big buffer
    } else if (data === fragment) {
      this.buf = fragment.slice(pos);
      this.used = rest;
    } else {
      this.buf.copyWithin(0, pos, this.used);
      this.used = rest;
    }
    return out;
  }

  /** RFC 8446 §5.1: a key change must fall on a message boundary. */
  assertEmpty(): void {
    if (this.partial) {
      throw new TlsError('UNEXPECTED_MESSAGE', 'handshake message spans a key change');
    }
  }
}
