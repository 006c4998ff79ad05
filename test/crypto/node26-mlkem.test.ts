/**
 * The node provider's ML-KEM-768 on node:crypto, which only Node 24.7+ has:
 * node26-mlkem-script.ts, bundled with rolldown, run by the Node 26 peer
 * binary (test/peers). Under this Node (20) the same share is noble's.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'rolldown';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeSupport } from '../../src/crypto/node.js';
import { node26Binary } from '../peers/node26-server.js';

const HERE = import.meta.dirname;

describe('node provider: ML-KEM-768 on node:crypto (Node 26)', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'puretls-node26-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('is noble here, where node:crypto has no ML-KEM', () => {
    expect(nodeSupport()['ML-KEM-768']).toBe(typeof (process.getBuiltinModule('node:crypto') as { decapsulate?: unknown }).decapsulate === 'function');
  });

  it('runs on node:crypto there: the same key as noble from the same seed, agreement with a server, length checks', async () => {
    const bin = node26Binary();
    expect(bin, 'the Node 26 peer is installed by the global setup').toBeTruthy();
    const file = path.join(work, 'script.mjs');
    await build({
      input: path.join(HERE, 'node26-mlkem-script.ts'),
      platform: 'node',
      resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
      logLevel: 'warn',
      output: { file, format: 'esm' },
    });
    const { stdout } = await promisify(execFile)(bin!, [file], { timeout: 60_000 });
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(r.version).toMatch(/^v2[4-9]|^v[3-9]\d/);
    expect(r).toMatchObject({
      support: true,
      sameKeyAsNoble: true,
      seededAgrees: true,
      systemAgrees: true,
      shortRefused: 'ILLEGAL_PARAMETER',
    });
    expect(r.calls).toEqual(expect.arrayContaining(['decapsulate', 'generateKeyPairSync:ml-kem-768', 'createPrivateKey']));
  });
});
