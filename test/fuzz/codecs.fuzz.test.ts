/**
 * Property-based fuzzing of every codec, TLS 1.2's too (fast-check): round trips, and
 * random or mutated input refused only with decode-class TlsErrors.
 * CI runs each target's `ciRuns` cases; see test/fuzz/harness.ts for
 * the long-running mode (`npm run fuzz`).
 */
import { describe, expect, it } from 'vitest';
import { runTarget, targetTimeout } from './harness.js';
import { codecTargets } from './targets/codecs.js';
import { codec12Targets } from './targets/codecs12.js';

describe('codec fuzz targets', () => {
  for (const t of [...codecTargets, ...codec12Targets]) {
    it(t.name, { timeout: targetTimeout(20_000) }, async () => {
      const report = await runTarget(t);
      expect(report.runs).toBeGreaterThan(0);
    });
  }
});
