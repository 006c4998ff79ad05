/**
 * The fuzz corpus: server flights recorded from OpenSSL and Node. Each must
 * replay to a complete handshake with the recorded outcome (so a mutation
 * of it starts from a flight the client accepts). With
 * PURETLS_RECORD_CORPUS=1 the flights are recorded again first.
 */
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/codec.js';
import { loadCorpus, openFlight, closeFlight, runCore, serverBytes } from './driver.js';
import { CORPUS_SPECS, recordFlight, saveFlight } from './record.js';

if (process.env.PURETLS_RECORD_CORPUS) {
  describe('recording the corpus', () => {
    for (const spec of CORPUS_SPECS) {
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
  for (const flight of corpus) {
    it(`${flight.name}: replays as recorded, in TCP-sized chunks`, async () => {
      const run = await runCore(flight, flight.server.map(fromHex));
      expect(run.error?.toDebugString() ?? null).toBeNull();
      expect(run.info).toMatchObject({ cipherSuite: flight.expect.cipherSuite, group: flight.expect.group, helloRetryRequest: flight.expect.helloRetryRequest });
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
