/** The fuzz harness itself: failures are reported shrunk, saved inputs replay. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromJson, mutate, runTarget, saveRegression, toJson, type Regression, type Target } from './harness.js';

describe('fuzz harness', () => {
  it('reports a failing target with its shrunk input', async () => {
    const t: Target<Uint8Array> = {
      name: 'toy',
      ciRuns: 200,
      arbitrary: () => fc.uint8Array({ minLength: 1, maxLength: 50 }),
      check: (b) => {
        if (b.includes(0x42)) throw new Error('found 0x42');
      },
    };
    await expect(runTarget(t)).rejects.toThrow(/fuzz target toy failed[\s\S]*input: \{"\$hex":"(00)*42/);
  });

  it('saves an input as JSON that decodes to the same value', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'puretls-fuzz-'));
    try {
      const input = { flight: 3, bytes: Uint8Array.of(1, 2, 255), ops: [{ op: 'flip', at: 7, bit: 2 }] };
      const file = saveRegression('toy', input, new Error('boom'), 99, dir);
      const r = JSON.parse(readFileSync(file, 'utf8')) as Regression;
      expect(r).toMatchObject({ target: 'toy', seed: 99, error: 'boom' });
      expect(fromJson(r.input)).toEqual(input);
      expect(fromJson(toJson(input))).toEqual(input);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('mutations stay within the input and wrap positions', () => {
    const b = Uint8Array.of(1, 2, 3, 4);
    expect(mutate(b, [{ op: 'flip', at: 5, bit: 0 }])).toEqual(Uint8Array.of(1, 3, 3, 4));
    expect(mutate(b, [{ op: 'truncate', at: 2 }])).toEqual(Uint8Array.of(1, 2));
    expect(mutate(b, [{ op: 'delete', at: 1, count: 2 }])).toEqual(Uint8Array.of(1, 4));
    expect(mutate(b, [{ op: 'duplicate', at: 2, count: 5 }])).toEqual(Uint8Array.of(1, 2, 3, 4, 3, 4));
    expect(mutate(new Uint8Array(0), [{ op: 'insert', at: 9, value: 7 }])).toEqual(Uint8Array.of(7));
  });
});
