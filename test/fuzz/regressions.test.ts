/**
 * Replays every input the fuzzer ever saved (test/fuzz/regressions/*.json):
 * each must now satisfy its target's property.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REGRESSIONS_DIR } from './driver.js';
import { fromJson, type Regression } from './harness.js';
import { ALL_TARGETS } from './targets/index.js';

const files = readdirSync(REGRESSIONS_DIR).filter((f) => f.endsWith('.json')).sort();

describe('fuzz regressions', () => {
  it('every saved input names a known target', () => {
    for (const f of files) {
      const r = JSON.parse(readFileSync(path.join(REGRESSIONS_DIR, f), 'utf8')) as Regression;
      expect(ALL_TARGETS.has(r.target), f).toBe(true);
    }
  });
  for (const f of files) {
    it(f, async () => {
      const r = JSON.parse(readFileSync(path.join(REGRESSIONS_DIR, f), 'utf8')) as Regression;
      await ALL_TARGETS.get(r.target)!.check(fromJson(r.input) as never);
    });
  }
});
