/**
 * The browser build's budget (issue 13): a fresh build of the bundle
 * (scripts/build-browser.mjs, as `npm run build` makes dist/browser) is two
 * files, the core and the trust store; the core is within its gzipped
 * budget, loads the trust store only by dynamic import, and carries none of
 * the roots nor the ASN.1 libraries it used to. The sizes are printed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, CORE_FILE, CORE_GZIP_BUDGET, measure, ROOTS_FILE } from '../../scripts/bundle-size.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('browser bundle budget', () => {
  let dir: string;
  let core: string;
  let sizes: ReturnType<typeof measure>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'puretls-bundle-'));
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts/build-browser.mjs'), '--out', path.join(dir, CORE_FILE)], { cwd: ROOT });
    core = readFileSync(path.join(dir, CORE_FILE), 'utf8');
    sizes = measure(dir);
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts/bundle-size.mjs'), '--dir', dir], { cwd: ROOT });
    console.log(stdout.trimEnd());
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is two files: the core and the trust store', () => {
    expect(readdirSync(dir).filter((f) => f.endsWith('.js')).sort()).toEqual([ROOTS_FILE, CORE_FILE].sort());
  });

  it(`the core is at most ${CORE_GZIP_BUDGET} bytes gzipped`, () => {
    expect(sizes.core.gzip).toBeLessThanOrEqual(CORE_GZIP_BUDGET);
    expect(sizes.withinBudget).toBe(true);
  });

  it('the core imports the trust store only dynamically, and holds none of it', () => {
    // Minified code quotes module names with ', " or ` (error messages mention import('puretls/roots/mozilla') too).
    const imports = [...core.matchAll(/import\s*\(\s*['"`](\.[^'"`]+)['"`]\s*\)/g)].map((m) => m[1]);
    expect(imports).toEqual([`./${ROOTS_FILE}`]);
    expect(core).not.toMatch(/^import\s|[;}\s]import\s*[{*"'`]/m); // no static import at all: one file
    expect(core).not.toContain('ISRG Root X1');
    expect(readFileSync(path.join(dir, ROOTS_FILE), 'utf8')).toContain('ISRG Root X1');
  });

  it('the trust store file is data only: it imports nothing', () => {
    const roots = readFileSync(path.join(dir, ROOTS_FILE), 'utf8');
    expect(roots).not.toMatch(/\bimport\s*[({"'`*]/);
    expect(sizes.roots.gzip).toBeGreaterThan(50_000); // the 121 roots really are in it
  });

  it('carries no ASN.1 schema library, polyfill or decorator runtime', () => {
    const origins = analyze(path.join(dir, CORE_FILE)).map((o) => o.name);
    for (const gone of ['@peculiar/asn1-schema', '@peculiar/asn1-x509', '@peculiar/x509', 'asn1js', 'pvtsutils', 'pvutils', 'tslib', 'reflect-metadata']) {
      expect(origins).not.toContain(gone);
    }
    // What is left from node_modules is the audited primitives.
    expect(origins.filter((o) => !o.startsWith('src/') && o !== '(generated)').sort()).toEqual(
      ['@noble/ciphers', '@noble/curves', '@noble/hashes', '@noble/post-quantum'].sort(),
    );
  });
});
