/**
 * The fuzz corpus: server flights recorded from OpenSSL and Node. Each must
 * replay to a complete handshake with the recorded outcome (so a mutation
 * of it starts from a flight the client accepts). With
 * PURETLS_RECORD_CORPUS=1 the flights are recorded again first
 * (PURETLS_RECORD_CORPUS=name,name: only those).
 */
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/codec.js';
import { loadCorpus, openFlight, closeFlight, runCore, serverBytes } from './driver.js';
import { CORPUS_SPECS, recordFlight, saveFlight } from './record.js';

const recording = process.env.PURETLS_RECORD_CORPUS;
if (recording) {
  describe('recording the corpus', () => {
    for (const spec of CORPUS_SPECS.filter((s) => recording === '1' || recording.split(',').includes(s.name))) {
      it(`records ${spec.name}`, async () => {
        const file = saveFlight(await recordFlight(spec));
        console.log(`saved ${file}`);
      });
    }
  });
}

describe('fuzz corpus replays', () => {
  const corpus = loadCorpus();
  it('holds flights from OpenSSL and Node, with and without HelloRetryRequest', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(4);
    expect(corpus.some((f) => f.expect.helloRetryRequest)).toBe(true);
    expect(new Set(corpus.map((f) => f.source.split(' ')[0]))).toEqual(new Set(['openssl', 'node:tls']));
  });
  it('holds TLS 1.2 flights from openssl s_server -tls1_2, GCM and ChaCha20', () => {
    const tls12 = corpus.filter((f) => f.expect.version === 'TLSv1.2');
    expect(tls12.every((f) => f.source.includes(' -tls1_2 '))).toBe(true);
    expect(new Set(tls12.map((f) => f.expect.cipherSuite.includes('CHACHA')))).toEqual(new Set([true, false]));
  });
  for (const flight of corpus) {
    it(`${flight.name}: replays as recorded, in TCP-sized chunks`, async () => {
      const run = await runCore(flight, flight.server.map(fromHex));
      expect(run.error?.toDebugString() ?? null).toBeNull();
      expect(run.info).toMatchObject({
        version: flight.expect.version ?? 'TLSv1.3',
        cipherSuite: flight.expect.cipherSuite,
        group: flight.expect.group,
        helloRetryRequest: flight.expect.helloRetryRequest,
      });
      expect(run.data).toBe(flight.expect.data);
      expect(run.peerClosed).toBe(true);
    });
    it(`${flight.name}: opens to plaintext and re-encrypts to the same bytes`, async () => {
      const opened = await openFlight(flight);
      const again = await closeFlight(opened, { plainSizes: [], handshakeSizes: [16384] });
      const run = await runCore(flight, [again]);
      expect(run.data).toBe(flight.expect.data);
      expect(serverBytes(flight).length).toBeGreaterThan(0);
    });
  }
});
