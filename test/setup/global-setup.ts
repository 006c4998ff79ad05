/**
 * vitest globalSetup: generate the test PKI once per run (a quick no-op when
 * test/fixtures/generated/manifest.json is up to date). Workers read the files
 * from FIXTURES_DIR ($PURETLS_FIXTURES_DIR or test/fixtures/generated).
 */
import { ensureFixtures, FIXTURES_DIR } from '../peers/fixtures.js';

export default async function setup(): Promise<void> {
  const started = performance.now();
  const dir = await ensureFixtures(FIXTURES_DIR);
  if (process.env.PURETLS_DEBUG_SETUP) {
    console.log(`[global-setup] fixtures ready in ${Math.round(performance.now() - started)} ms: ${dir}`);
  }
}
