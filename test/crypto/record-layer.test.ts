/**
 * The record layer's fast paths must not change what goes on the wire or
 * what comes out: zero-copy framing against a plain reference reader, and
 * batched, pipelined sealing and opening against one record at a time.
 */
import * as nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble.js';
import type { AeadKey, CryptoProvider } from '../../src/crypto/provider.js';
import { webcryptoProvider } from '../../src/crypto/webcrypto.js';
import { TlsError } from '../../src/errors.js';
import { ContentType } from '../../src/handshake/constants.js';
import { HEADER_LENGTH, MAX_CIPHERTEXT, RecordReader, type RawRecord } from '../../src/record/framing.js';
import { RecordProtection } from '../../src/record/protection.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const rand = (n: number) => new Uint8Array(nodeCrypto.randomBytes(n));

function record(type: number, body: Uint8Array, version = 0x0303): Uint8Array {
  const out = new Uint8Array(HEADER_LENGTH + body.length);
  out.set([type, version >> 8, version & 0xff, body.length >> 8, body.length & 0xff]);
  out.set(body, HEADER_LENGTH);
  return out;
}

/** The straightforward reader: copy everything, parse from the front. */
function referenceRecords(stream: Uint8Array): { type: number; body: string }[] {
  const out: { type: number; body: string }[] = [];
  let p = 0;
  while (stream.length - p >= HEADER_LENGTH) {
    const len = (stream[p + 3]! << 8) | stream[p + 4]!;
    if (stream.length - p < HEADER_LENGTH + len) break;
    out.push({ type: stream[p]!, body: hex(stream.subarray(p + HEADER_LENGTH, p + HEADER_LENGTH + len)) });
    p += HEADER_LENGTH + len;
  }
  return out;
}

/** Splits `stream` at random points; the reader's borrowed chunks are scribbled over once drained. */
function readInChunks(stream: Uint8Array, cut: () => number, useRuns: boolean): { type: number; body: string }[] {
  const reader = new RecordReader();
  const got: { type: number; body: string }[] = [];
  let p = 0;
  while (p < stream.length) {
    const n = Math.min(stream.length - p, cut());
    const chunk = Uint8Array.prototype.slice.call(stream, p, p + n); // the caller's own buffer
    p += n;
    reader.push(chunk);
    for (;;) {
      const run: RawRecord[] = useRuns ? reader.takeRun(ContentType.application_data, 4) : [];
      for (const r of run) got.push({ type: r.type, body: hex(r.fragment) });
      if (run.length) continue;
      const r = reader.next();
      if (!r) break;
      got.push({ type: r.type, body: hex(r.fragment) });
    }
    chunk.fill(0xee); // the caller reuses its buffer: nothing we still need may live there
  }
  expect(reader.buffered).toBe(0);
  return got;
}

describe('RecordReader', () => {
  const types = [ContentType.application_data, ContentType.handshake, ContentType.alert];
  const stream = (() => {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 60; i++) {
      const len = [0, 1, 4, 5, 100, 16384 + 17, MAX_CIPHERTEXT][i % 7]!;
      parts.push(record(types[i % 5 === 0 ? 1 : 0]!, rand(len)));
    }
    return new Uint8Array(Buffer.concat(parts));
  })();

  it.each([
    ['1 byte', () => 1],
    ['7 bytes', () => 7],
    ['random up to 100', () => 1 + Math.floor(Math.random() * 100)],
    ['random up to 64 KiB', () => 1 + Math.floor(Math.random() * 65536)],
    ['whole records or more', () => 40000],
  ])('yields the same records as a plain reader, chunks of %s', (_label, cut) => {
    const expected = referenceRecords(stream);
    expect(readInChunks(stream, cut, false)).toEqual(expected);
    expect(readInChunks(stream, cut, true)).toEqual(expected);
  });

  it('refuses a bad header as soon as the header is complete', () => {
    for (const [bad, code] of [
      [record(99, new Uint8Array(3)), 'UNEXPECTED_MESSAGE'],
      [record(23, new Uint8Array(3), 0x0203), 'PROTOCOL_VERSION'],
      [Uint8Array.from([23, 3, 3, 0x48, 0x01]), 'RECORD_OVERFLOW'],
    ] as const) {
      for (const split of [1, 3, 4, 5]) {
        const r = new RecordReader();
        r.push(record(23, new Uint8Array(10)));
        expect(r.next()?.fragment.length).toBe(10);
        r.push(bad.subarray(0, split));
        if (split < 5) {
          expect(r.next()).toBeNull();
          r.push(bad.subarray(split, 5));
        }
        expect(() => r.next()).toThrow(expect.objectContaining({ code }));
      }
    }
  });

  it('takeRun stops before other types and bad headers, leaving them to next()', () => {
    const r = new RecordReader();
    r.push(
      Buffer.concat([
        record(23, rand(3)),
        record(23, rand(3)),
        record(21, rand(2)),
        record(23, rand(3)),
        Uint8Array.from([23, 3, 1, 0, 1, 0]),
      ]),
    );
    expect(r.takeRun(23, 10)).toHaveLength(2);
    expect(r.takeRun(23, 10)).toHaveLength(0);
    expect(r.next()?.type).toBe(21);
    expect(r.takeRun(23, 10)).toHaveLength(1);
    expect(r.takeRun(23, 10)).toHaveLength(0);
    expect(r.next()?.version).toBe(0x0301); // refused later by the core, as before
  });

  it('keeps nothing once drained (idle connections)', () => {
    const r = new RecordReader();
    const big = Buffer.concat([record(23, rand(16000)), record(23, rand(16000))]);
    r.push(big.subarray(0, 20000));
    expect(r.next()).not.toBeNull();
    expect(r.next()).toBeNull();
    r.push(big.subarray(20000));
    expect(r.next()).not.toBeNull();
    expect(r.next()).toBeNull();
    const internals = r as unknown as { own: Uint8Array | null; chunk: Uint8Array };
    expect(internals.own).toBeNull();
    expect(internals.chunk.length).toBe(0);
  });
});

/** An AEAD that answers later, out of order, the way a thread pool may. */
function jittery(inner: AeadKey): AeadKey {
  const later = <T>(v: T) => new Promise<T>((res) => setTimeout(() => res(v), Math.random() * 3));
  return {
    tagLength: inner.tagLength,
    seal: async (n, a, p) => later(await inner.seal(n.slice(), a.slice(), p.slice())),
    open: async (n, a, c) => later(await inner.open(n.slice(), a.slice(), c.slice())),
  };
}

describe.each([
  ['noble', nobleProvider],
  ['webcrypto', webcryptoProvider],
] as const)('RecordProtection (%s)', (_name, provider: CryptoProvider) => {
  const key = rand(16);
  const iv = rand(12);
  const variants: [string, () => Promise<AeadKey>][] = [
    ['as is', async () => provider.aead('AES-128-GCM', key)],
    ['out of order', async () => jittery(await provider.aead('AES-128-GCM', key))],
  ];

  it.each(variants)('sealRecords (%s) gives exactly the records seal() gives, in order', async (_v, make) => {
    for (const [size, max, pad] of [
      [0, 16384, 0],
      [1, 16384, 0],
      [16384, 16384, 0],
      [16385, 16384, 0],
      [200_000, 16384, 0],
      [100_000, 1000, 7],
      [5000, 16383, 64],
    ] as const) {
      const data = rand(size);
      const padding = (n: number) => (pad ? (pad - ((n + 1) % pad)) % pad : 0);
      const one = new RecordProtection(await make(), iv);
      const expected: string[] = [];
      for (let i = 0; i < Math.max(1, Math.ceil(size / max)); i++) {
        const chunk = data.subarray(i * max, Math.min(size, (i + 1) * max));
        expected.push(hex(await one.seal(ContentType.application_data, chunk, padding(chunk.length))));
      }
      const batch = new RecordProtection(await make(), iv);
      const { bytes, records } = await batch.sealRecords(ContentType.application_data, data, max, pad ? padding : undefined);
      expect(records).toBe(expected.length);
      expect(hex(bytes)).toBe(expected.join(''));
      expect(batch.seq).toBe(one.seq);
    }
  });

  it.each(variants)('openAll (%s) opens records in order, and reports the first bad one', async (_v, make) => {
    const writer = new RecordProtection(await make(), iv);
    const sizes = [10, 16380, 0, 5000, 1];
    const contents = sizes.map(rand);
    const wire: Uint8Array[] = [];
    for (const c of contents) wire.push(await writer.seal(ContentType.application_data, c, 3));
    const reader = new RecordProtection(await make(), iv);
    const results = reader.openAll(wire.map((w) => ({ header: w.subarray(0, 5), fragment: w.subarray(5) })));
    for (let i = 0; i < contents.length; i++) {
      const r = await results[i]!;
      expect(r.type).toBe(ContentType.application_data);
      expect(hex(r.content)).toBe(hex(contents[i]!));
    }
    // A tampered record in the middle: the ones before it still open.
    wire[2]![wire[2]!.length - 1]! ^= 1;
    const again = new RecordProtection(await make(), iv).openAll(
      wire.map((w) => ({ header: w.subarray(0, 5), fragment: w.subarray(5) })),
    );
    expect((await again[1]!).content.length).toBe(16380);
    await expect(again[2]).rejects.toBeInstanceOf(TlsError);
    await expect(again[2]).rejects.toMatchObject({ code: 'BAD_RECORD_MAC' });
  });

  it('returns content that does not share memory with the network buffer', async () => {
    // An AEAD decrypting in place into its input.
    const base = await provider.aead('AES-128-GCM', key);
    const inPlace: AeadKey = {
      tagLength: 16,
      seal: (n, a, p) => base.seal(n, a, p),
      open: async (n, a, c) => {
        const pt = await base.open(n, a, c);
        if (!pt) return null;
        c.set(pt);
        return c.subarray(0, pt.length);
      },
    };
    const w = await new RecordProtection(base, iv).seal(ContentType.application_data, Uint8Array.of(1, 2, 3));
    const r = await new RecordProtection(inPlace, iv).open(w.subarray(0, 5), w.subarray(5));
    w.fill(0);
    expect([...r.content]).toEqual([1, 2, 3]);
  });
});
