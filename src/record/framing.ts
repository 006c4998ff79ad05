/**
 * TLSPlaintext / TLSCiphertext framing, RFC 8446 §5.1 and §5.2.
 */
import { TlsError } from '../errors.js';
import { ContentType } from '../handshake/constants.js';

/** RFC 8446 §5.1: 2^14 bytes of plaintext per record. */
export const MAX_PLAINTEXT = 1 << 14;
/** RFC 8446 §5.2: TLSCiphertext.length must not exceed 2^14 + 256. */
export const MAX_CIPHERTEXT = MAX_PLAINTEXT + 256;
export const HEADER_LENGTH = 5;

export interface RawRecord {
  type: number;
  version: number;
  /** The 5-byte header, used as AEAD additional data (RFC 8446 §5.2). */
  header: Uint8Array;
  fragment: Uint8Array;
}

const knownTypes = new Set<number>(Object.values(ContentType));

/**
 * Accumulates bytes from the network and yields whole records. Buffers at
 * most one record plus whatever the caller feeds before draining.
 */
export class RecordReader {
  private buf = new Uint8Array(0);
  private start = 0;
  private end = 0;

  /** Bytes received but not yet returned as a record. */
  get buffered(): number {
    return this.end - this.start;
  }

  push(data: Uint8Array): void {
    if (data.length === 0) return;
    const live = this.end - this.start;
    if (this.end + data.length > this.buf.length) {
      if (live + data.length <= this.buf.length && this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const next = new Uint8Array(Math.max(live + data.length, this.buf.length * 2, 4096));
        next.set(this.buf.subarray(this.start, this.end));
        this.buf = next;
      }
      this.start = 0;
      this.end = live;
    }
    this.buf.set(data, this.end);
    this.end += data.length;
  }

  /**
   * The next complete record, or null if more bytes are needed. Header
   * checks happen as soon as the header is present, so an oversize length
   * fails before its body arrives. The returned views are only valid until
   * the next push().
   */
  next(): RawRecord | null {
    const avail = this.end - this.start;
    if (avail < HEADER_LENGTH) return null;
    const b = this.buf;
    const s = this.start;
    const type = b[s]!;
    const version = (b[s + 1]! << 8) | b[s + 2]!;
    const length = (b[s + 3]! << 8) | b[s + 4]!;
    if (!knownTypes.has(type)) {
      throw new TlsError('UNEXPECTED_MESSAGE', `unknown record content type ${type}`);
    }
    // RFC 8446 §5.1: legacy_record_version; anything but 0x03xx is not TLS.
    if (b[s + 1] !== 0x03) {
      throw new TlsError('PROTOCOL_VERSION', `bad record version 0x${version.toString(16)}`);
    }
    if (length > MAX_CIPHERTEXT) {
      throw new TlsError('RECORD_OVERFLOW', `record length ${length} exceeds 2^14+256`);
    }
    if (avail < HEADER_LENGTH + length) return null;
    this.start += HEADER_LENGTH + length;
    return {
      type,
      version,
      header: b.subarray(s, s + HEADER_LENGTH),
      fragment: b.subarray(s + HEADER_LENGTH, s + HEADER_LENGTH + length),
    };
  }
}

/** Writes a TLSPlaintext record (unprotected). */
export function plaintextRecord(type: number, fragment: Uint8Array, version = 0x0303): Uint8Array {
  const out = new Uint8Array(HEADER_LENGTH + fragment.length);
  out[0] = type;
  out[1] = version >>> 8;
  out[2] = version & 0xff;
  out[3] = fragment.length >>> 8;
  out[4] = fragment.length & 0xff;
  out.set(fragment, HEADER_LENGTH);
  return out;
}
