/**
 * TLSPlaintext / TLSCiphertext framing, RFC 8446 §5.1 and §5.2.
 */
import { TlsError } from '../errors.js';
import { ContentType } from '../handshake/constants.js';

/** RFC 8446 §5.1: 2^14 bytes of plaintext per record. */
export const MAX_PLAINTEXT = 1 << 14;
/** RFC 8446 §5.2: TLSCiphertext.length must not exceed 2^14 + 256. */
export const MAX_CIPHERTEXT = MAX_PLAINTEXT + 256;
/** RFC 8446 §5.1: a record header is type, legacy_record_version and length, 5 bytes. */
export const HEADER_LENGTH = 5;

/** One record as read from the network, before decryption (RFC 8446 §5.1). */
export interface RawRecord {
  type: number;
  version: number;
  /** The 5-byte header, used as AEAD additional data (RFC 8446 §5.2). */
  header: Uint8Array;
  fragment: Uint8Array;
}

const knownTypes = new Set<number>(Object.values(ContentType));

const EMPTY = new Uint8Array(0);

/**
 * Accumulates bytes from the network and yields whole records, without
 * copying them where it can: a pushed chunk is borrowed and records inside
 * it are returned as views. Only a record split across chunks is copied,
 * into a buffer of its own. Nothing is kept once everything is consumed, so
 * an idle connection holds no buffer here.
 *
 * Returned views are valid until the next push(). A pushed chunk must not
 * change until next() has returned null (the caller has drained it).
 */
export class RecordReader {
  /** Our own bytes, in front of the borrowed chunk: a record split across chunks. */
  private own: Uint8Array | null = null;
  private ownStart = 0;
  private ownEnd = 0;
  /** The caller's chunk, consumed from `pos`. */
  private chunk: Uint8Array = EMPTY;
  private pos = 0;

  /** Bytes received but not yet returned as a record. */
  get buffered(): number {
    return this.ownEnd - this.ownStart + this.chunk.length - this.pos;
  }

  push(data: Uint8Array): void {
    if (data.length === 0) return;
    // Not drained: what is left of the previous chunk becomes ours.
    if (this.pos < this.chunk.length) this.stash(this.chunk.length - this.pos, 0);
    this.chunk = data;
    this.pos = 0;
  }

  /** Moves `n` bytes from the chunk to the end of our buffer, making room for `want` bytes in all. */
  private stash(n: number, want: number): void {
    const live = this.ownEnd - this.ownStart;
    let own = this.own;
    if (!own || this.ownEnd + n > own.length) {
      // A new buffer: views already returned from the old one stay intact.
      const next = new Uint8Array(Math.max(live + n, want));
      if (own) next.set(own.subarray(this.ownStart, this.ownEnd));
      own = this.own = next;
      this.ownStart = 0;
      this.ownEnd = live;
    }
    own.set(this.chunk.subarray(this.pos, this.pos + n), this.ownEnd);
    this.ownEnd += n;
    this.pos += n;
  }

  /**
   * Checks a record header (RFC 8446 §5.1-§5.2) and returns the fragment
   * length. Called as soon as the header is here, so an oversize length
   * fails before its body arrives.
   */
  private checkHeader(b: Uint8Array, s: number): number {
    const type = b[s]!;
    const length = (b[s + 3]! << 8) | b[s + 4]!;
    if (!knownTypes.has(type)) {
      throw new TlsError('UNEXPECTED_MESSAGE', `unknown record content type ${type}`);
    }
    // RFC 8446 §5.1: legacy_record_version; anything but 0x03xx is not TLS.
    if (b[s + 1] !== 0x03) {
      const version = (b[s + 1]! << 8) | b[s + 2]!;
      throw new TlsError('PROTOCOL_VERSION', `bad record version 0x${version.toString(16)}`);
    }
    if (length > MAX_CIPHERTEXT) {
      throw new TlsError('RECORD_OVERFLOW', `record length ${length} exceeds 2^14+256`);
    }
    return length;
  }

  private view(b: Uint8Array, s: number, length: number): RawRecord {
    return {
      type: b[s]!,
      version: (b[s + 1]! << 8) | b[s + 2]!,
      header: b.subarray(s, s + HEADER_LENGTH),
      fragment: b.subarray(s + HEADER_LENGTH, s + HEADER_LENGTH + length),
    };
  }

  /**
   * The next complete record, or null if more bytes are needed. The
   * returned views are only valid until the next push().
   */
  next(): RawRecord | null {
    if (this.ownEnd > this.ownStart) return this.nextOwn();
    const b = this.chunk;
    const s = this.pos;
    const avail = b.length - s;
    if (avail >= HEADER_LENGTH) {
      const length = this.checkHeader(b, s);
      if (avail >= HEADER_LENGTH + length) {
        this.pos = s + HEADER_LENGTH + length;
        return this.view(b, s, length);
      }
      this.stash(avail, HEADER_LENGTH + length);
    } else if (avail > 0) {
      this.stash(avail, HEADER_LENGTH);
    }
    this.release();
    return null;
  }

  /** A record that started in an earlier chunk: completed from the current one. */
  private nextOwn(): RawRecord | null {
    const rest = () => this.chunk.length - this.pos;
    let live = this.ownEnd - this.ownStart;
    if (live < HEADER_LENGTH) {
      this.stash(Math.min(HEADER_LENGTH - live, rest()), HEADER_LENGTH);
      live = this.ownEnd - this.ownStart;
      if (live < HEADER_LENGTH) {
        this.release();
        return null;
      }
    }
    const length = this.checkHeader(this.own!, this.ownStart);
    const total = HEADER_LENGTH + length;
    if (live < total) this.stash(Math.min(total - live, rest()), total);
    if (this.ownEnd - this.ownStart < total) {
      this.release();
      return null;
    }
    const own = this.own!;
    const s = this.ownStart;
    this.ownStart += total;
    if (this.ownStart === this.ownEnd) {
      // Drained: the returned views keep the buffer alive as long as they need it.
      this.own = null;
      this.ownStart = this.ownEnd = 0;
    }
    return this.view(own, s, length);
  }

  /** Forgets a fully consumed chunk so the caller's memory is not retained. */
  private release(): void {
    if (this.pos === this.chunk.length) {
      this.chunk = EMPTY;
      this.pos = 0;
    }
  }

  /**
   * The next record if it is a complete one of `type` with record version
   * 0x0303 in the current chunk (as takeRun(type, 1), without the array);
   * null otherwise, and next() then returns or refuses it as usual.
   */
  takeOne(type: number): RawRecord | null {
    if (this.ownEnd > this.ownStart) return null;
    const b = this.chunk;
    const s = this.pos;
    if (b.length - s < HEADER_LENGTH || b[s] !== type || b[s + 1] !== 0x03 || b[s + 2] !== 0x03) return null;
    const length = (b[s + 3]! << 8) | b[s + 4]!;
    if (length > MAX_CIPHERTEXT || b.length - s < HEADER_LENGTH + length) return null;
    this.pos = s + HEADER_LENGTH + length;
    return this.view(b, s, length);
  }

  /**
   * Lets go of the current chunk: what is not yet returned as a record is
   * copied into our own buffer, so the caller may reuse the chunk's memory.
   */
  detach(): void {
    if (this.pos < this.chunk.length) this.stash(this.chunk.length - this.pos, 0);
    this.chunk = EMPTY;
    this.pos = 0;
  }

  /**
   * Up to `max` consecutive complete records of `type` with record version
   * 0x0303, for decrypting several at once. Stops, without throwing, at
   * anything else (and at a record split across chunks): next() then
   * returns or refuses it as usual.
   */
  takeRun(type: number, max: number): RawRecord[] {
    const out: RawRecord[] = [];
    if (this.ownEnd > this.ownStart) return out;
    const b = this.chunk;
    while (out.length < max) {
      const s = this.pos;
      if (b.length - s < HEADER_LENGTH || b[s] !== type || b[s + 1] !== 0x03 || b[s + 2] !== 0x03) break;
      const length = (b[s + 3]! << 8) | b[s + 4]!;
      if (length > MAX_CIPHERTEXT || b.length - s < HEADER_LENGTH + length) break;
      this.pos = s + HEADER_LENGTH + length;
      out.push(this.view(b, s, length));
    }
    return out;
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
