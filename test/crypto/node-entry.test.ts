/**
 * Where the node provider is and is not: the Node entry points register it
 * (so 'auto', the default, picks it), and the browser bundle leaves it out.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('node provider registration', () => {
  const entries: Record<string, () => Promise<unknown>> = {
    index: () => import('../../src/index.js'),
    node: () => import('../../src/node.js'),
  };
  it.each(Object.keys(entries))("importing src/%s.ts under Node makes 'node' the default provider", async (entry) => {
    vi.resetModules();
    await entries[entry]!();
    const { selectProvider } = await import('../../src/crypto/index.js');
    expect(selectProvider(undefined).name).toBe('node');
    expect(selectProvider('node').name).toBe('node');
  });

  it("without the node module, 'auto' is still webcrypto and 'node' is unknown", async () => {
    vi.resetModules();
    await import('../../src/crypto/webcrypto.js');
    const { selectProvider } = await import('../../src/crypto/index.js');
    expect(selectProvider('auto').name).toBe('webcrypto');
    expect(() => selectProvider('node')).toThrow(expect.objectContaining({ code: 'BAD_CONFIG' }));
  });
});

describe('browser bundle', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'puretls-bundle-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('does not contain the node provider', async () => {
    const out = path.join(work, 'puretls.js');
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts/build-browser.mjs'), '--out', out], { cwd: ROOT });
    const sources: string[] = JSON.parse(readFileSync(`${out}.map`, 'utf8')).sources;
    expect(sources.some((s) => s.endsWith('src/crypto/webcrypto.ts'))).toBe(true);
    expect(sources.filter((s) => /src\/crypto\/node/.test(s))).toEqual([]);
    expect(readFileSync(out, 'utf8')).not.toContain('node:crypto');
  });
});
