/**
 * The generated corpus (./corpus.ts): every case must get exactly its
 * expected verdict, and every failure must name a certificate.
 */
import { describe, expect, test } from 'vitest';
import { buildCorpus } from './corpus.js';
import { runCase } from './run-case.js';

const corpus = buildCorpus();

test('the corpus has at least 150 cases', () => {
  expect(corpus.length).toBeGreaterThanOrEqual(150);
});

describe('verification corpus', () => {
  for (const c of corpus) {
    test(c.id, async () => {
      const out = await runCase(c);
      expect(out.verdict, out.error?.toDebugString()).toBe(c.expect);
      if (out.error && out.error.code !== 'BAD_CONFIG') {
        // The offending certificate is named for toDebugString().
        expect(out.error.toDebugString()).toMatch(/certificate: /);
      }
    });
  }
});
