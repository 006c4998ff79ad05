/**
 * Record payload protection, RFC 8446 §5.2-§5.3: AEAD over TLSInnerPlaintext
 * with a per-record nonce (write_iv XOR the 64-bit sequence number).
 */
import type { AeadKey } from '../crypto/provider.js';
import { TlsError } from '../errors.js';
import { ContentType } from '../handshake/constants.js';
import { HEADER_LENGTH, MAX_PLAINTEXT } from './framing.js';

/** RFC 8446 §5.3: the per-record nonce. */
export function recordNonce(iv: Uint8Array, seq: number, out = new Uint8Array(12)): Uint8Array {
  out.set(iv);
  // seq < 2^53 always: keys are rotated long before (RFC 8446 §5.5).
  let hi = Math.floor(seq / 0x100000000);
  let lo = seq >>> 0;
  for (let i = 11; i >= 8; i--) {
    out[i]! ^= lo & 0xff;
    lo >>>= 8;
  }
  for (let i = 7; i >= 4; i--) {
    out[i]! ^= hi & 0xff;
    hi >>>= 8;
  }
  return out;
}

export interface DecryptedRecord {
  type: number;
  content: Uint8Array;
}

/** One direction's keys. The sequence number is the only state. */
export class RecordProtection {
  seq = 0;
  constructor(
    private readonly aead: AeadKey,
    private readonly iv: Uint8Array,
  ) {}

  /** Encrypts one record: header || AEAD(content || type || zeros). */
  async seal(type: number, content: Uint8Array, padding = 0): Promise<Uint8Array> {
    const inner = new Uint8Array(content.length + 1 + padding);
    inner.set(content);
    inner[content.length] = type;
    const len = inner.length + this.aead.tagLength;
    const header = Uint8Array.of(ContentType.application_data, 0x03, 0x03, len >>> 8, len & 0xff);
    const nonce = recordNonce(this.iv, this.seq++);
    const sealed = await this.aead.seal(nonce, header, inner);
    const out = new Uint8Array(HEADER_LENGTH + sealed.length);
    out.set(header);
    out.set(sealed, HEADER_LENGTH);
    return out;
  }

  /**
   * Decrypts one TLSCiphertext. Fails with bad_record_mac when the tag
   * does not verify (RFC 8446 §5.2), record_overflow when the plaintext is
   * too long, and unexpected_message when the padding holds no content type.
   */
  async open(header: Uint8Array, fragment: Uint8Array): Promise<DecryptedRecord> {
    if (fragment.length < this.aead.tagLength + 1) {
      throw new TlsError('BAD_RECORD_MAC', 'ciphertext shorter than the AEAD tag');
    }
    const nonce = recordNonce(this.iv, this.seq++);
    const inner = await this.aead.open(nonce, header, fragment);
    if (!inner) throw new TlsError('BAD_RECORD_MAC', 'record authentication failed');
    // RFC 8446 §5.4: padding counts toward the 2^14+1 limit.
    if (inner.length > MAX_PLAINTEXT + 1) {
      throw new TlsError('RECORD_OVERFLOW', 'TLSInnerPlaintext exceeds 2^14+1');
    }
    // Strip zero padding; the last non-zero byte is the content type.
    let i = inner.length - 1;
    while (i >= 0 && inner[i] === 0) i--;
    if (i < 0) throw new TlsError('UNEXPECTED_MESSAGE', 'encrypted record with no content type');
    return { type: inner[i]!, content: inner.subarray(0, i) };
  }
}
