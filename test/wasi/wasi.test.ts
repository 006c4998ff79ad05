/**
 * End to end: a WebAssembly component written in JS (test/wasi/guest) that
 * opens TCP with wasi:sockets and speaks TLS with wasi:tls, built with
 * componentize-js, transpiled with jco, run in Node with puretls/wasi
 * supplying wasi:tls/types@0.2.0-draft, against `openssl s_server`.
 *
 * Setup compiles puretls to test/wasi/.build/dist (the IO worker loads plain
 * JS) and runs scripts/build-wasi-guest.mjs, which uses the committed guest
 * (test/wasi/guest/guest.wasm.gz) while its sources are unchanged and
 * rebuilds it otherwise (1-4 minutes).
 *
 * wasi:tls@0.3.0-draft: a component-model-async guest built with
 * componentize-qjs (test/wasi/p3), whose jco glue needs JSPI, so it runs
 * under the Node 26 of test/peers/node26.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certFiles, startOpenSslServer, type OpenSslServer } from '../peers/index.js';
import { node26Binary } from '../peers/node26-server.js';

const run = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const BUILD = path.join(HERE, '.build');
const RUNNER = path.join(HERE, 'run-guest.mjs');
const ROOT_CA = path.join(path.dirname(certFiles('server-p256').certPath), 'root.cert.pem');

interface RunnerLine {
  ok: boolean;
  value?: unknown;
  error?: string;
  ms: number;
}

const NODE26 = node26Binary();

async function runner(mode: 'guest' | 'host', port: number, serverName: string, request: string): Promise<RunnerLine> {
  const { stdout } = await run(process.execPath, [RUNNER, mode, String(port), serverName, request, ROOT_CA], {
    timeout: 60_000,
    env: { ...process.env, PURETLS_WASI_BUILD: BUILD },
  });
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as RunnerLine;
}

beforeAll(async () => {
  const started = performance.now();
  const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
  // Emits even when unrelated files have type errors; `npm run typecheck` reports those.
  await run(tsc, ['-p', 'tsconfig.json', '--outDir', path.join(BUILD, 'dist')], { cwd: ROOT, timeout: 300_000 }).catch(
    (e: { stdout?: string }) => console.warn(`tsc reported errors:\n${e.stdout ?? e}`),
  );
  if (!existsSync(path.join(BUILD, 'dist', 'wasi', 'worker.js'))) throw new Error('tsc did not emit src/wasi');
  const compiledMs = Math.round(performance.now() - started);
  const { stdout } = await run(process.execPath, [path.join(ROOT, 'scripts', 'build-wasi-guest.mjs'), '--out', BUILD], {
    cwd: ROOT,
    timeout: 540_000,
    maxBuffer: 16 << 20,
  });
  const guest = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { source: string; timings: object };
  console.info(`[wasi] tsc ${compiledMs} ms; guest: ${guest.source} ${JSON.stringify(guest.timings)}`);
}, 600_000);

describe('wasi:tls 0.2 host (puretls/wasi) under a jco-transpiled component', () => {
  let server: OpenSslServer;
  beforeAll(async () => {
    server = await startOpenSslServer({ fixture: 'server-p256', mode: 'rev' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('the component completes a verified handshake and exchanges a line', async () => {
    const mark = server.mark();
    const line = await runner('guest', server.port, 'localhost', 'hello from wasm\n');
    expect(line).toMatchObject({ ok: true, value: 'msaw morf olleh\n' });
    // Both close_notify alerts were exchanged: the guest's close-output, then the server's.
    await server.waitForOutput('CONNECTION CLOSED', { since: mark });
    const t = server.transcript(mark);
    expect(t.clientHellos).toHaveLength(1);
    expect(t.clientHellos[0]!.serverName).toBe('localhost');
    expect(t.alertsReceived).toContainEqual({ level: 'warning', name: 'close_notify' });
  });

  it('the component sees a failed verification as an io-error, and the server gets the alert', async () => {
    const mark = server.mark();
    const line = await runner('guest', server.port, 'wrong.example', 'hello\n');
    expect(line.ok).toBe(false);
    expect(line.error).toMatch(/handshake failed: .*CERT_NAME_MISMATCH/);
    await server.waitForOutput('bad_certificate', { since: mark });
    expect(server.transcript(mark).alertsReceived).toContainEqual({ level: 'fatal', name: 'bad_certificate' });
  });

  it('the same host classes work called from JS on preview2-shim sockets', async () => {
    const line = await runner('host', server.port, 'localhost', 'abc\n');
    expect(line).toMatchObject({
      ok: true,
      value: { reply: 'cba\n', alpn: null, cipherSuite: expect.stringMatching(/^TLS_/) },
    });
  });
});

describe('wasi:tls 0.2 host against a TLS 1.2-only server (no interface change)', () => {
  let server: OpenSslServer;
  beforeAll(async () => {
    server = await startOpenSslServer({ fixture: 'server-rsa2048', mode: 'rev', protocol: 'tls1.2' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('the component completes a verified TLS 1.2 handshake and exchanges a line', async () => {
    const mark = server.mark();
    const line = await runner('guest', server.port, 'localhost', 'hello tls12 from wasm\n');
    expect(line).toMatchObject({ ok: true, value: 'msaw morf 21slt olleh\n' });
    await server.waitForOutput('CONNECTION CLOSED', { since: mark });
    const t = server.transcript(mark);
    expect(t.version).toBe('TLSv1.2');
    expect(t.alertsReceived).toContainEqual({ level: 'warning', name: 'close_notify' });
  });

  it('the host classes called from JS report the TLS 1.2 suite', async () => {
    const line = await runner('host', server.port, 'localhost', 'abc\n');
    expect(line).toMatchObject({ ok: true, value: { reply: 'cba\n', cipherSuite: expect.stringMatching(/^TLS_ECDHE_RSA_WITH_/) } });
  });
});

describe('an HTTP/1.x exchange through the component', () => {
  let server: OpenSslServer;
  beforeAll(async () => {
    server = await startOpenSslServer({ fixture: 'server-p256', mode: 'www', msg: false });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('sends a GET and reads the response until the server closes', async () => {
    const line = await runner('guest', server.port, 'localhost', 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(line.ok, line.error).toBe(true);
    expect(String(line.value)).toMatch(/^HTTP\/1\.0 200 ok\r\n/);
    expect(String(line.value)).toContain('TLSv1.3');
  });
});

describe('wasi:tls 0.3 host (puretls/wasi client) under a component-model-async component', () => {
  let server: OpenSslServer;
  beforeAll(async () => {
    if (!NODE26) throw new Error('Node 26 is missing: npm install --prefix test/peers/node26 (.ci/run does)');
    const { stdout } = await run(process.execPath, [path.join(HERE, 'p3', 'build.mjs')], { cwd: ROOT, timeout: 240_000 });
    console.info(`[wasi] p3 guest ${stdout.trim()}`);
    server = await startOpenSslServer({ fixture: 'server-p256', mode: 'rev' });
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
  });

  async function p3(serverName: string, request: string): Promise<RunnerLine> {
    const { stdout } = await run(NODE26!, [path.join(HERE, 'p3', 'run.mjs'), String(server.port), serverName, request, ROOT_CA], {
      timeout: 60_000,
    });
    return JSON.parse(stdout.trim().split('\n').pop() ?? '') as RunnerLine;
  }

  it('handshakes over wasi:sockets 0.3 streams and gets the reply before close_notify', async () => {
    const mark = server.mark();
    expect(await p3('localhost', 'hello p3\n')).toMatchObject({ ok: true, value: '3p olleh\n' });
    await server.waitForOutput('CONNECTION CLOSED', { since: mark });
    expect(server.transcript(mark).alertsReceived).toContainEqual({ level: 'warning', name: 'close_notify' });
  });

  it('reports a failed verification through the future as the error resource', async () => {
    const line = await p3('wrong.example', 'hi\n');
    expect(line.ok).toBe(false);
    expect(line.error).toMatch(/handshake failed: TlsError CERT_NAME_MISMATCH/);
  });
});
