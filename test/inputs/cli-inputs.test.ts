/**
 * Issue 11: the CLI's --ca, --cert and --key take files in every shape the
 * library takes (PEM bundles with comments and CRLF, DER; keys as PKCS#8,
 * SEC1 or PKCS#1, PEM or DER), and refuse wrong files with exit code 2
 * and a line naming the option and the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../cli/run-cli.js';
import { loadCert, startNodeTlsServer, type NodeTlsServer } from '../peers/index.js';
import { certificateShapes, keyShapes, wrongCertificates, wrongKeys, type Shape } from './shapes.js';

let work: string;
let echo: NodeTlsServer;
let mtls: NodeTlsServer;
beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'puretls-cli-inputs-'));
  [echo, mtls] = await Promise.all([
    startNodeTlsServer({ fixture: 'server-p256' }),
    startNodeTlsServer({ fixture: 'server-p256', requestCert: true, ca: loadCert('client-ca').cert }),
    ensureBuilt(),
  ]);
}, 180_000);
afterAll(async () => {
  await Promise.all([echo?.stop(), mtls?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

let n = 0;
/** Writes a shape to a file as a user's file would hold it (a list becomes a concatenation). */
function file(value: Shape[1] | unknown): string {
  const p = path.join(work, `input-${n++}`);
  const parts = Array.isArray(value) ? value : [value];
  writeFileSync(p, Buffer.concat(parts.map((v) => (typeof v === 'string' ? Buffer.from(v) : Buffer.from(v as Uint8Array)))));
  return p;
}

/** Shapes that can be one file: not a list mixing PEM and DER (a file is one or the other). */
const fileShapes = (shapes: Shape[]) => shapes.filter(([name]) => !name.startsWith('a list'));

const connectArgs = (server: NodeTlsServer) => ['connect', `127.0.0.1:${server.port}`, '--servername', 'localhost', '-q'];

describe('puretls connect --ca/--cert/--key', () => {
  it.each(fileShapes(certificateShapes('root', ['rsa-root'])))('--ca: %s', async (_name, value) => {
    const r = await runCli([...connectArgs(echo), '--ca', file(value)], { input: 'ping over the cli\n' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ping over the cli\n');
  });

  it.each([...keyShapes('client-p256').map((k) => ['client-p256', ...k] as const), ...keyShapes('client-rsa2048').map((k) => ['client-rsa2048', ...k] as const)].filter(
    ([, name]) => !name.startsWith('a list'),
  ))('--cert (DER) and --key (%s): %s', async (entity, _name, key) => {
    const r = await runCli(
      [...connectArgs(mtls), '--ca', file(loadCert('root').cert), '--cert', file(loadCert(entity).certDer), '--key', file(key)],
      { input: 'authenticated\n' },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('authenticated\n');
  });

  it.each(wrongCertificates('ca').filter(([name]) => !/list|number|object|empty string|file name/.test(name)))(
    '--ca refuses %s',
    async (_name, value, message) => {
      const p = file(value);
      const r = await runCli([...connectArgs(echo), '--ca', p], { input: '' });
      expect(r.code).toBe(2);
      const expected = new RegExp(`^puretls: BAD_CONFIG: ${message.source.replace(/^\^ca/, `--ca ${p}`).replace(/\$$/, '')}`);
      expect(r.stderr).toMatch(expected);
    },
  );

  it.each(wrongKeys('key').filter(([name]) => !/two keys|number/.test(name)))('--key refuses %s', async (_name, value, message) => {
    const p = file(value);
    const r = await runCli([...connectArgs(mtls), '--ca', file(loadCert('root').cert), '--cert', file(loadCert('client-p256').cert), '--key', p], {
      input: '',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^puretls: BAD_CONFIG: ${message.source.replace(/^\^key/, `--key ${p}`).replace(/\$$/, '')}`));
  });

  it('--cert refuses a key file', async () => {
    const p = file(loadCert('client-p256').key);
    const r = await runCli([...connectArgs(mtls), '--cert', p, '--key', p], { input: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`puretls: BAD_CONFIG: --cert ${p} is a private key, not a certificate\n`);
  });
});
