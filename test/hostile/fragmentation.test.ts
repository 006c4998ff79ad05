/**
 * Handshake messages split at every byte boundary must be accepted
 * (RFC 8446 §5.1: a message may be split across records). A flight recorded
 * from OpenSSL is opened to plaintext and re-framed into two records at each
 * boundary, re-encrypted under the recorded keys, and replayed. CI covers
 * every boundary of the ServerHello and, in the protected flight, the first
 * 32 bytes, ±3 bytes around each message boundary and every 29th byte
 * beyond; PURETLS_FULL_SWEEP=1 tries every single boundary.
 * (test/hostile/records.test.ts also sends a whole handshake in 1-byte records.)
 */
import { describe, expect, it } from 'vitest';
import { ContentType as CT } from '../../src/handshake/constants.js';
import { closeFlight, cut, loadCorpus, openFlight, runCore, type OpenedFlight, type RecordedFlight } from '../fuzz/driver.js';
import { rawRecord } from '../peers/scripted-server.js';

const FULL = process.env.PURETLS_FULL_SWEEP === '1';

function boundaries(stream: Uint8Array): number[] {
  const out: number[] = [];
  let i = 0;
  while (i + 4 <= stream.length) {
    i += 4 + ((stream[i + 1]! << 16) | (stream[i + 2]! << 8) | stream[i + 3]!);
    out.push(i);
  }
  return out;
}

function positions(stream: Uint8Array): number[] {
  const all = Array.from({ length: stream.length - 1 }, (_, k) => k + 1);
  if (FULL) return all;
  const near = new Set(boundaries(stream).flatMap((b) => [b - 3, b - 2, b - 1, b, b + 1, b + 2, b + 3]));
  return all.filter((k) => k <= 32 || near.has(k) || k % 29 === 0);
}

async function sweep(flight: RecordedFlight, o: OpenedFlight, where: 'plain' | 'protected'): Promise<number> {
  const stream = where === 'plain' ? o.plainHandshake : o.handshake;
  const failures: string[] = [];
  let n = 0;
  const ks = where === 'plain' ? Array.from({ length: stream.length - 1 }, (_, k) => k + 1) : positions(stream);
  for (const k of ks) {
    n++;
    if (where === 'plain') {
      // Only the unprotected part: the ServerHello must be taken whole (handshake keys derived).
      const run = await runCore(flight, cut(o.plainHandshake, [k]).map((part) => rawRecord(CT.handshake, part)));
      if (run.error || !run.trace.has('server_handshake_traffic_secret')) {
        failures.push(`split at ${k}: ${run.error?.toDebugString() ?? 'ServerHello not taken'}`);
      }
      continue;
    }
    const run = await runCore(flight, [await closeFlight(o, { handshakeSizes: [k] })]);
    if (!run.info || run.data !== flight.expect.data) failures.push(`split at ${k}: ${run.error?.toDebugString() ?? 'no handshake'}`);
  }
  expect(failures).toEqual([]);
  return n;
}

describe('handshake messages split at every byte boundary are accepted (RFC 8446 §5.1)', () => {
  const flight = loadCorpus().find((f) => f.name === 'openssl-p256-x25519')!;

  it('ServerHello split into two records at every byte', { timeout: 120_000 }, async () => {
    const o = await openFlight(flight);
    const n = await sweep(flight, o, 'plain');
    expect(n).toBe(o.plainHandshake.length - 1);
  });

  it('the protected flight (EncryptedExtensions..Finished) split into two records', { timeout: 600_000 }, async () => {
    const o = await openFlight(flight);
    const n = await sweep(flight, o, 'protected');
    expect(n).toBeGreaterThan(FULL ? o.handshake.length - 2 : 60);
  });
});
