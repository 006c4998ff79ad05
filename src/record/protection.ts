/**
 * Record payload protection, RFC 8446 §5.2-§5.3: AEAD over TLSInnerPlaintext
 * with a per-record nonce (write_iv XOR the 64-bit sequence number).
 *
 * The sequence number is taken when a seal or open starts, so callers may
 * start several in order and await them together: an asynchronous AEAD
 * (WebCrypto) then works on several records at once, and the results are
 * still used in record order.
 */
import type { AeadKey, MaybePromise } from '../crypto/provider.js';
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

/** An opened record: the real content type and the content without padding (RFC 8446 §5.2, §5.4). */
export interface DecryptedRecord {
  type: number;
  content: Uint8Array;
}

/** What {@link RecordProtection.sealRecords} returns: several sealed records in one buffer. */
export interface SealedRecords {
  /** The records, back to back, ready for the network. */
  bytes: Uint8Array;
  /** How many records `bytes` holds. */
  records: number;
}

/** Records an asynchronous AEAD may work on at once (memory stays bounded). */
export const SEAL_WINDOW = 8;

/** One direction's record protection, TLS 1.3 (this module) or TLS 1.2 (protection12.ts). */
export interface RecordCipher {
  /** The next record's sequence number. */
  seq: number;
  /**
   * Fragment bytes beyond what counts toward the plaintext limit: the tag in
   * TLS 1.3 (the inner type byte counts, RFC 8449 §4), explicit nonce and tag in TLS 1.2.
   */
  readonly overhead: number;
  seal(type: number, content: Uint8Array, padding?: number): Promise<Uint8Array>;
  /** `allocate`, if given, supplies the batch's memory (see ClientSink.allocate). */
  sealRecords(
    type: number,
    data: Uint8Array,
    maxFragment: number,
    padding?: (contentLength: number) => number,
    allocate?: (length: number) => Uint8Array | undefined,
  ): Promise<SealedRecords>;
  open(header: Uint8Array, fragment: Uint8Array): Promise<DecryptedRecord>;
  /**
   * open() without a promise when the AEAD answers synchronously: returns
   * the record, or throws; an asynchronous AEAD's answer is a promise.
   */
  openRecord(header: Uint8Array, fragment: Uint8Array): MaybePromise<DecryptedRecord>;
  openAll(records: readonly { header: Uint8Array; fragment: Uint8Array }[]): Promise<DecryptedRecord>[];
}

/**
 * Seals `data` as consecutive records of at most `maxFragment` content bytes
 * into one buffer: `recordLength` sizes each record, `sealAt` writes one at
 * an offset (returning a promise only for an async AEAD, of which at most
 * SEAL_WINDOW are in flight).
 */
export async function sealBatch(
  data: Uint8Array,
  maxFragment: number,
  recordLength: (contentLength: number, padding: number) => number,
  padding: ((contentLength: number) => number) | undefined,
  sealAt: (content: Uint8Array, padding: number, out: Uint8Array, at: number) => Promise<void> | void,
  allocate?: (length: number) => Uint8Array | undefined,
): Promise<SealedRecords> {
  const count = Math.max(1, Math.ceil(data.length / maxFragment));
  const pads = padding ? new Array<number>(count) : null;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const n = Math.min(maxFragment, data.length - i * maxFragment);
    const pad = padding ? padding(n) : 0;
    if (pads) pads[i] = pad;
    total += recordLength(n, pad);
  }
  // Memory from `allocate` may hold an earlier batch: every byte is written below (headers, then each record's ciphertext and tag).
  const out = allocate?.(total) ?? new Uint8Array(total);
  if (out.length !== total) throw new TlsError('INTERNAL_ERROR', 'record buffer of the wrong length');
  const inFlight: Promise<void>[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const content = data.subarray(i * maxFragment, Math.min(data.length, (i + 1) * maxFragment));
    const pad = pads ? pads[i]! : 0;
    const p = sealAt(content, pad, out, at);
    at += recordLength(content.length, pad);
    if (p) {
      inFlight.push(p);
      if (inFlight.length >= SEAL_WINDOW) await inFlight.shift();
    }
  }
  if (inFlight.length) await Promise.all(inFlight);
  return { bytes: out, records: count };
}

/** Starts opening `records` with `cipher`, in order (sequence numbers follow); rejections surface only when awaited. */
export function openInOrder(
  cipher: Pick<RecordCipher, 'open'>,
  records: readonly { header: Uint8Array; fragment: Uint8Array }[],
): Promise<DecryptedRecord>[] {
  return records.map((r) => {
    const p = cipher.open(r.header, r.fragment);
    p.catch(() => undefined);
    return p;
  });
}

/** Whether a provider answered with a promise (an asynchronous AEAD). */
export const isPromise = <T>(v: T | Promise<T>): v is Promise<T> => v instanceof Promise;

/** A sealing call's plaintext buffer, for a synchronous AEAD. */
interface Scratch {
  buf?: Uint8Array | undefined;
}

/** One direction's TLS 1.3 keys. The sequence number is the only state. */
export class RecordProtection implements RecordCipher {
  seq = 0;
  /** Set once seal() has returned a promise: the AEAD may read its input late. */
  private asyncAead = false;

  constructor(
    private readonly aead: AeadKey,
    private readonly iv: Uint8Array,
  ) {}

  get tagLength(): number {
    return this.aead.tagLength;
  }
  get overhead(): number {
    return this.aead.tagLength;
  }

  /**
   * content || type || zeros (RFC 8446 §5.2). A synchronous AEAD gets it in
   * the call's scratch buffer, aligned (noble copies unaligned input) and
   * reused record after record; it is dropped with the call, so an idle
   * connection keeps nothing. An async AEAD gets it in `out` at `at`: the
   * record's own ciphertext slot, which nothing overwrites before this
   * record's AEAD has answered, so it may read its input as late as it likes.
   */
  private inner(type: number, content: Uint8Array, padding: number, out: Uint8Array, at: number, scratch: Scratch): Uint8Array {
    const n = content.length + 1 + padding;
    let inner: Uint8Array;
    if (!this.asyncAead) {
      if (!scratch.buf || scratch.buf.length < n) scratch.buf = new Uint8Array(n);
      inner = scratch.buf.subarray(0, n);
    } else {
      inner = out.subarray(at, at + n);
    }
    inner.set(content);
    inner[content.length] = type;
    inner.fill(0, content.length + 1);
    return inner;
  }

  /**
   * Starts sealing one record into `out` at `at` (header, then ciphertext
   * and tag); returns a promise only if the AEAD is asynchronous.
   */
  private sealAt(
    type: number,
    content: Uint8Array,
    padding: number,
    out: Uint8Array,
    at: number,
    scratch: Scratch,
  ): Promise<void> | void {
    const len = content.length + 1 + padding + this.aead.tagLength;
    out[at] = ContentType.application_data;
    out[at + 1] = 0x03;
    out[at + 2] = 0x03;
    out[at + 3] = len >>> 8;
    out[at + 4] = len & 0xff;
    const header = out.subarray(at, at + HEADER_LENGTH);
    if (this.aead.sealInto) {
      // content, then the type and padding zeros (RFC 8446 §5.2), sealed in place.
      const trailer = new Uint8Array(1 + padding);
      trailer[0] = type;
      this.aead.sealInto(recordNonce(this.iv, this.seq++), header, [content, trailer], out, at + HEADER_LENGTH);
      return;
    }
    const inner = this.inner(type, content, padding, out, at + HEADER_LENGTH, scratch);
    const sealed = this.aead.seal(recordNonce(this.iv, this.seq++), header, inner);
    if (!isPromise(sealed)) {
      checkSealed(sealed, len);
      out.set(sealed, at + HEADER_LENGTH);
      return;
    }
    this.asyncAead = true;
    // The scratch now belongs to that pending call.
    scratch.buf = undefined;
    return sealed.then((s) => {
      checkSealed(s, len);
      out.set(s, at + HEADER_LENGTH);
    });
  }

  /** Encrypts one record: header || AEAD(content || type || zeros). */
  async seal(type: number, content: Uint8Array, padding = 0): Promise<Uint8Array> {
    const out = new Uint8Array(HEADER_LENGTH + content.length + 1 + padding + this.aead.tagLength);
    await this.sealAt(type, content, padding, out, 0, {});
    return out;
  }

  /**
   * Encrypts `data` as consecutive records of at most `maxFragment` content
   * bytes, into one buffer. `padding(n)` gives the zeros for a record with
   * n content bytes. With an async AEAD up to SEAL_WINDOW records are in
   * flight; the sequence numbers follow the record order either way.
   */
  sealRecords(
    type: number,
    data: Uint8Array,
    maxFragment: number,
    padding?: (contentLength: number) => number,
    allocate?: (length: number) => Uint8Array | undefined,
  ): Promise<SealedRecords> {
    const scratch: Scratch = {};
    const tag = this.aead.tagLength;
    return sealBatch(
      data,
      maxFragment,
      (n, pad) => HEADER_LENGTH + n + 1 + pad + tag,
      padding,
      (content, pad, out, at) => this.sealAt(type, content, pad, out, at, scratch),
      allocate,
    );
  }

  /**
   * Decrypts one TLSCiphertext. Fails with bad_record_mac when the tag
   * does not verify (RFC 8446 §5.2), record_overflow when the plaintext is
   * too long, and unexpected_message when the padding holds no content type.
   * The content returned never shares memory with `fragment`.
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
    if (fragment.length < this.aead.tagLength + 1) {
      throw new TlsError('BAD_RECORD_MAC', 'ciphertext shorter than the AEAD tag');
    }
    const opened = this.aead.open(recordNonce(this.iv, seq), header, fragment);
    return isPromise(opened) ? opened.then((inner) => unpad(inner, fragment)) : unpad(opened, fragment);
  }

  /**
   * Starts decrypting `records` in order, all at once; the caller awaits the
   * results in order. A rejection is only reported when awaited.
   */
  openAll(records: readonly { header: Uint8Array; fragment: Uint8Array }[]): Promise<DecryptedRecord>[] {
    return openInOrder(this, records);
  }
}

/** An AEAD answer of the wrong length is a provider bug: INTERNAL_ERROR. */
export function checkSealed(sealed: Uint8Array, expected: number): void {
  if (sealed.length !== expected) throw new TlsError('INTERNAL_ERROR', 'AEAD output has the wrong length');
}

function unpad(inner: Uint8Array | null, fragment: Uint8Array): DecryptedRecord {
  if (!inner) throw new TlsError('BAD_RECORD_MAC', 'record authentication failed');
  // RFC 8446 §5.4: padding counts toward the 2^14+1 limit.
  if (inner.length > MAX_PLAINTEXT + 1) {
    throw new TlsError('RECORD_OVERFLOW', 'TLSInnerPlaintext exceeds 2^14+1');
  }
  // Strip zero padding; the last non-zero byte is the content type.
  let i = inner.length - 1;
  while (i >= 0 && inner[i] === 0) i--;
  if (i < 0) throw new TlsError('UNEXPECTED_MESSAGE', 'encrypted record with no content type');
  // An AEAD that decrypts in place hands back the network buffer: copy, so the content outlives it.
  const content = inner.buffer === fragment.buffer ? inner.slice(0, i) : inner.subarray(0, i);
  return { type: inner[i]!, content };
}
