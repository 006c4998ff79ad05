/**
 * TLS 1.2 record protection for AEAD suites, RFC 5246 §6.2.3.3: the
 * additional data is seq_num + type + version + length, AES-GCM carries an
 * 8-byte explicit nonce after a 4-byte salt (RFC 5288 §3), ChaCha20-Poly1305
 * XORs the sequence number into a 12-byte IV (RFC 7905 §2).
 */
import { copyBytes } from '../codec.js';
import type { AeadKey, MaybePromise } from '../crypto/provider.js';
import { TlsError } from '../errors.js';
import { HEADER_LENGTH, MAX_PLAINTEXT } from './framing.js';
import {
  checkSealed,
  isPromise,
  openInOrder,
  recordNonce,
  sealBatch,
  type DecryptedRecord,
  type RecordCipher,
  type SealedRecords,
} from './protection.js';

/** Writes the 64-bit sequence number big-endian at `at` (seq < 2^53). */
function writeSeq(out: Uint8Array, at: number, seq: number): void {
  let hi = Math.floor(seq / 0x100000000);
  let lo = seq >>> 0;
  for (let i = 7; i >= 4; i--) {
    out[at + i] = lo & 0xff;
    lo >>>= 8;
  }
  for (let i = 3; i >= 0; i--) {
    out[at + i] = hi & 0xff;
    hi >>>= 8;
  }
}

/** RFC 5246 §6.2.3.3: additional_data = seq_num + TLSCompressed.type + version + length. */
function additionalData(seq: number, type: number, version: number, length: number): Uint8Array {
  const aad = new Uint8Array(13);
  writeSeq(aad, 0, seq);
  aad[8] = type;
  aad[9] = version >>> 8;
  aad[10] = version & 0xff;
  aad[11] = length >>> 8;
  aad[12] = length & 0xff;
  return aad;
}

/** One direction's TLS 1.2 keys: the AEAD, its fixed IV from the key block, and the sequence number. */
export class RecordProtection12 implements RecordCipher {
  seq = 0;

  /**
   * `iv` is the key block's write IV: the 4-byte GCM salt when
   * `explicitNonceLength` is 8, the 12-byte ChaCha20 IV when it is 0.
   */
  constructor(
    private readonly aead: AeadKey,
    private readonly iv: Uint8Array,
    private readonly explicitNonceLength: 8 | 0,
  ) {}

  get overhead(): number {
    return this.explicitNonceLength + this.aead.tagLength;
  }

  /** The nonce for `seq`, and the explicit part to send (GCM: the sequence number itself, RFC 5288 §3). */
  private nonce(seq: number, explicit: Uint8Array | null): Uint8Array {
    if (this.explicitNonceLength === 0) return recordNonce(this.iv, seq);
    const nonce = new Uint8Array(12);
    nonce.set(this.iv);
    if (explicit) nonce.set(explicit, 4);
    else writeSeq(nonce, 4, seq);
    return nonce;
  }

  private recordLength(n: number): number {
    return HEADER_LENGTH + this.explicitNonceLength + n + this.aead.tagLength;
  }

  /** Starts sealing one record into `out` at `at`; returns a promise only for an async AEAD. */
  private sealAt(type: number, content: Uint8Array, out: Uint8Array, at: number): Promise<void> | void {
    const seq = this.seq++;
    const len = this.recordLength(content.length) - HEADER_LENGTH;
    out[at] = type;
    out[at + 1] = 0x03;
    out[at + 2] = 0x03;
    out[at + 3] = len >>> 8;
    out[at + 4] = len & 0xff;
    const nonce = this.nonce(seq, null);
    if (this.explicitNonceLength) out.set(nonce.subarray(4), at + HEADER_LENGTH);
    const body = at + HEADER_LENGTH + this.explicitNonceLength;
    const aad = additionalData(seq, type, 0x0303, content.length);
    if (this.aead.sealInto) return this.aead.sealInto(nonce, aad, [content], out, body);
    const sealed = this.aead.seal(nonce, aad, content);
    const expected = content.length + this.aead.tagLength;
    if (!isPromise(sealed)) {
      checkSealed(sealed, expected);
      out.set(sealed, body);
      return;
    }
    return sealed.then((s) => {
      checkSealed(s, expected);
      out.set(s, body);
    });
  }

  /** Encrypts one record of `type` (padding does not exist in TLS 1.2 and is ignored). */
  async seal(type: number, content: Uint8Array): Promise<Uint8Array> {
    const out = new Uint8Array(this.recordLength(content.length));
    await this.sealAt(type, content, out, 0);
    return out;
  }

  /** Encrypts `data` as consecutive records of at most `maxFragment` bytes, into one buffer. */
  sealRecords(
    type: number,
    data: Uint8Array,
    maxFragment: number,
    _padding?: (contentLength: number) => number,
    allocate?: (length: number) => Uint8Array | undefined,
  ): Promise<SealedRecords> {
    return sealBatch(
      data,
      maxFragment,
      (n) => this.recordLength(n),
      undefined,
      (content, _pad, out, at) => this.sealAt(type, content, out, at),
      allocate,
    );
  }

  /**
   * Decrypts one record: bad_record_mac when it is too short or the tag does
   * not verify, record_overflow when the plaintext is over 2^14 (RFC 5246
   * §6.2.3). The type is the header's. The content never shares memory with `fragment`.
   */
  open(header: Uint8Array, fragment: Uint8Array): Promise<DecryptedRecord> {
    try {
      return Promise.resolve(this.openRecord(header, fragment));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** open(), answering synchronously (or throwing) when the AEAD is synchronous. */
  openRecord(header: Uint8Array, fragment: Uint8Array): MaybePromise<DecryptedRecord> {
    const seq = this.seq++;
    const type = header[0]!;
    const n = fragment.length - this.overhead;
    if (n < 0) throw new TlsError('BAD_RECORD_MAC', 'record shorter than its nonce and tag');
    if (n > MAX_PLAINTEXT) throw new TlsError('RECORD_OVERFLOW', 'TLSCompressed exceeds 2^14');
    const explicit = this.explicitNonceLength ? fragment.subarray(0, this.explicitNonceLength) : null;
    const version = (header[1]! << 8) | header[2]!;
    const opened = this.aead.open(
      this.nonce(seq, explicit),
      additionalData(seq, type, version, n),
      fragment.subarray(this.explicitNonceLength),
    );
    const done = (plain: Uint8Array | null): DecryptedRecord => {
      if (!plain) throw new TlsError('BAD_RECORD_MAC', 'record authentication failed');
      // An AEAD that decrypts in place hands back the network buffer: copy.
      return { type, content: plain.buffer === fragment.buffer ? copyBytes(plain) : plain };
    };
    return isPromise(opened) ? opened.then(done) : done(opened);
  }

  /** Starts decrypting `records` in order; the caller awaits the results in order. */
  openAll(records: readonly { header: Uint8Array; fragment: Uint8Array }[]): Promise<DecryptedRecord>[] {
    return openInOrder(this, records);
  }
}
