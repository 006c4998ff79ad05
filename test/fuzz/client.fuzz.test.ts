/**
 * Fuzzing the whole client with mutated server flights recorded from
 * OpenSSL and Node (test/fuzz/corpus/): raw byte mutations, message-level
 * mutations re-encrypted under the recorded keys, and legal re-framings.
 */
import { describe, expect, it } from 'vitest';
import { runTarget, targetTimeout } from './harness.js';
import { clientTargets } from './targets/client.js';

describe('client fuzz targets', () => {
  for (const t of clientTargets) {
    it(t.name, { timeout: targetTimeout(60_000) }, async () => {
      const report = await runTarget(t);
      expect(report.runs).toBeGreaterThan(0);
    });
  }
});
