#!/usr/bin/env node
/**
 * Long-running fuzzing: runs the fuzz targets of test/fuzz (codecs and the
 * whole client over the recorded corpus) for as long as asked, each round
 * from a fresh seed. A failing input is shrunk and saved under
 * test/fuzz/regressions/, which test/fuzz/regressions.test.ts replays in CI.
 *
 *   npm run fuzz                               one round, 30 s per target
 *   npm run fuzz -- --seconds 120 --duration 3600
 *   npm run fuzz -- --only client --runs 100000
 *   npm run fuzz -- --seed 12345 --only codec-msg-server-hello
 *   (--workers N runs the two target files in parallel; default 1)
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    runs: { type: 'string' },
    duration: { type: 'string' },
    only: { type: 'string' },
    seed: { type: 'string' },
    'no-save': { type: 'boolean', default: false },
    workers: { type: 'string', default: '1' },
  },
});

const regressions = path.join(root, 'test', 'fuzz', 'regressions');
const saved = () => new Set(readdirSync(regressions).filter((f) => f.endsWith('.json')));
const deadline = values.duration ? Date.now() + Number(values.duration) * 1000 : 0;
const before = saved();
let round = 0;
let failed = false;
const started = Date.now();

do {
  round++;
  const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 31));
  const env = {
    ...process.env,
    PURETLS_FUZZ_SEED: seed,
    PURETLS_FUZZ_SAVE: values['no-save'] ? '0' : '1',
    ...(values.runs ? { PURETLS_FUZZ_RUNS: values.runs } : { PURETLS_FUZZ_SECONDS: values.seconds }),
  };
  console.log(`\n=== fuzz round ${round}, seed ${seed}, ${values.runs ? `${values.runs} runs` : `${values.seconds} s`} per target ===`);
  const args = ['vitest', 'run', 'test/fuzz/codecs.fuzz.test.ts', 'test/fuzz/client.fuzz.test.ts', `--maxWorkers=${values.workers}`];
  if (values.only) args.push('-t', values.only);
  const r = spawnSync('npx', args, { cwd: root, env, stdio: 'inherit' });
  if (r.status !== 0) failed = true;
} while (!failed && deadline && Date.now() < deadline && !values.seed);

const found = [...saved()].filter((f) => !before.has(f));
console.log(`\nfuzz: ${round} round(s) in ${Math.round((Date.now() - started) / 1000)} s; ${failed ? 'FAILED' : 'no failures'}`);
for (const f of found) console.log(`  new regression: test/fuzz/regressions/${f}`);
process.exitCode = failed ? 1 : 0;
