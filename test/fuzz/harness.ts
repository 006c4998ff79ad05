/**
 * Fuzz targets run as property tests (fast-check). CI runs each target's
 * bounded `ciRuns`; `npm run fuzz` (scripts/fuzz.mjs) sets
 *   PURETLS_FUZZ_SECONDS  run each target this long instead of a count
 *   PURETLS_FUZZ_RUNS     or this many cases
 *   PURETLS_FUZZ_SEED     start from this seed
 *   PURETLS_FUZZ_SAVE=1   save a failing input under test/fuzz/regressions/
 * and every saved input is replayed by test/fuzz/regressions.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { fromHex, toHex } from '../../src/codec.js';
import { TlsError, type ErrorCode } from '../../src/errors.js';
import { REGRESSIONS_DIR } from './driver.js';

export interface Target<T> {
  name: string;
  /** Cases per CI run. */
  ciRuns: number;
  arbitrary: () => fc.Arbitrary<T>;
  /** Throws when the property does not hold for `input`. */
  check: (input: T) => void | Promise<void>;
}

// --- JSON for inputs: Uint8Array as {"$hex": ...}, everything else as is ---

export function toJson(v: unknown): unknown {
  if (v instanceof Uint8Array) return { $hex: toHex(v) };
  if (Array.isArray(v)) return v.map(toJson);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  return v;
}

export function fromJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromJson);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$hex === 'string' && Object.keys(o).length === 1) return fromHex(o.$hex);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, fromJson(x)]));
  }
  return v;
}

export interface Regression {
  target: string;
  /** How it was found. */
  seed: number | null;
  foundAt: string;
  error: string;
  input: unknown;
}

/** Saves a failing input so regressions.test.ts replays it from now on. */
export function saveRegression(target: string, input: unknown, error: unknown, seed: number | null, dir = REGRESSIONS_DIR): string {
  mkdirSync(dir, { recursive: true });
  const json = toJson(input);
  const id = createHash('sha256').update(JSON.stringify(json)).digest('hex').slice(0, 12);
  const file = path.join(dir, `${target}-${id}.json`);
  const r: Regression = { target, seed, foundAt: new Date().toISOString(), error: String(error instanceof Error ? error.message : error), input: json };
  writeFileSync(file, JSON.stringify(r, null, 1) + '\n');
  return file;
}

export const fuzzEnv = {
  seconds: Number(process.env.PURETLS_FUZZ_SECONDS ?? 0),
  runs: process.env.PURETLS_FUZZ_RUNS ? Number(process.env.PURETLS_FUZZ_RUNS) : null,
  seed: process.env.PURETLS_FUZZ_SEED ? Number(process.env.PURETLS_FUZZ_SEED) : null,
  save: process.env.PURETLS_FUZZ_SAVE === '1',
};

/** The vitest timeout a target needs under the current settings. */
export function targetTimeout(ciMs: number): number {
  return fuzzEnv.seconds > 0 ? fuzzEnv.seconds * 1000 + 60_000 : fuzzEnv.runs ? 3_600_000 : ciMs;
}

export interface FuzzReport {
  target: string;
  runs: number;
  ms: number;
  seed: number;
}

/** Runs a target; on failure saves the (shrunk) input if asked and throws. */
export async function runTarget<T>(t: Target<T>): Promise<FuzzReport> {
  const started = performance.now();
  const params: fc.Parameters<[T]> = {
    numRuns: fuzzEnv.seconds > 0 ? Number.MAX_SAFE_INTEGER : (fuzzEnv.runs ?? t.ciRuns),
    ...(fuzzEnv.seconds > 0 ? { interruptAfterTimeLimit: fuzzEnv.seconds * 1000, markInterruptAsFailure: false } : {}),
    ...(fuzzEnv.seed !== null ? { seed: fuzzEnv.seed } : {}),
    endOnFailure: false,
  };
  const details = await fc.check(fc.asyncProperty(t.arbitrary(), async (input) => t.check(input)), params);
  const ms = performance.now() - started;
  if (details.failed) {
    const input = details.counterexample?.[0];
    const err = details.errorInstance;
    let where = '';
    if (fuzzEnv.save && input !== undefined) where = `\nsaved as ${saveRegression(t.name, input, err, details.seed)}`;
    throw new Error(
      `fuzz target ${t.name} failed after ${details.numRuns} runs (seed ${details.seed}, path ${details.counterexamplePath}):\n` +
        `${err instanceof Error ? err.stack : String(err)}\ninput: ${JSON.stringify(toJson(input)).slice(0, 2000)}${where}`,
    );
  }
  if (fuzzEnv.seconds > 0 || fuzzEnv.runs !== null) {
    console.log(`fuzz ${t.name}: ${details.numRuns} cases in ${(ms / 1000).toFixed(1)} s (seed ${details.seed})`);
  }
  return { target: t.name, runs: details.numRuns, ms, seed: details.seed };
}

// --- properties shared by the targets ---

/**
 * Runs a decoder: it may return, or throw a TlsError with one of `codes`;
 * anything else (RangeError, TypeError, a foreign code) fails the property.
 */
export function decodesOrRefuses<R>(decode: () => R, codes: readonly ErrorCode[] = ['DECODE_ERROR']): R | TlsError {
  try {
    return decode();
  } catch (e) {
    if (e instanceof TlsError && codes.includes(e.code)) return e;
    throw new Error(`decoder threw ${e instanceof TlsError ? `TlsError ${e.code}` : String(e)}`, { cause: e });
  }
}

// --- byte mutations ---

export type MutationOp =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'insert'; at: number; value: number }
  | { op: 'delete'; at: number; count: number }
  | { op: 'truncate'; at: number }
  | { op: 'duplicate'; at: number; count: number };

export const mutationOp = (): fc.Arbitrary<MutationOp> =>
  fc.oneof(
    fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
    fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(0, 1, 0x7f, 0x80, 0xff), fc.nat(255)) }),
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), value: fc.nat(255) }),
    fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  );

export const mutations = (max = 4): fc.Arbitrary<MutationOp[]> => fc.array(mutationOp(), { minLength: 1, maxLength: max });

/** Applies `ops` to a copy of `data`; positions wrap around its length. */
export function mutate(data: Uint8Array, ops: readonly MutationOp[]): Uint8Array {
  let b = Array.from(data);
  for (const m of ops) {
    const n = b.length;
    const at = n ? m.at % n : 0;
    switch (m.op) {
      case 'flip':
        if (n) b[at]! ^= 1 << m.bit;
        break;
      case 'set':
        if (n) b[at] = m.value;
        break;
      case 'insert':
        b.splice(n ? m.at % (n + 1) : 0, 0, m.value);
        break;
      case 'delete':
        b.splice(at, m.count);
        break;
      case 'truncate':
        b = b.slice(0, at);
        break;
      case 'duplicate':
        b.splice(at, 0, ...b.slice(at, at + m.count));
        break;
    }
  }
  return Uint8Array.from(b);
}
