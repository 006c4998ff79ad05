/**
 * Handshake message reassembly across records, RFC 8446 §5.1: messages may
 * be split across records or coalesced into one, but never interleaved with
 * other content types and never across a key change.
 */
import { TlsError } from '../errors.js';

export interface HandshakeMessage {
  type: number;
  body: Uint8Array;
  /** The whole message with its 4-byte header, for the transcript. */
  raw: Uint8Array;
}

export class HandshakeReassembler {
  private pending: Uint8Array | null = null;

  constructor(private readonly maxMessageSize: number) {}

  /** True when part of a message is waiting for more records. */
  get partial(): boolean {
    return this.pending !== null && this.pending.length > 0;
  }

  /**
   * Adds one handshake record's content and returns every message it
   * completes. A length over the limit fails as soon as the header is
   * seen, before anything of that size is allocated.
   */
  push(fragment: Uint8Array): HandshakeMessage[] {
    if (fragment.length === 0) {
      // RFC 8446 §5.1: zero-length handshake fragments are not allowed.
      throw new TlsError('UNEXPECTED_MESSAGE', 'zero-length handshake record');
    }
    let data: Uint8Array;
    if (this.pending) {
      data = new Uint8Array(this.pending.length + fragment.length);
      data.set(this.pending);
      data.set(fragment, this.pending.length);
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
    this.pending = pos === data.length ? null : data.slice(pos);
    return out;
  }

  /** RFC 8446 §5.1: a key change must fall on a message boundary. */
  assertEmpty(): void {
    if (this.partial) {
      throw new TlsError('UNEXPECTED_MESSAGE', 'handshake message spans a key change');
    }
  }
}
