/**
 * A Web Worker in headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core): the page starts a module worker, and the worker imports
 * the published browser build (package.json "exports" ./browser:
 * dist/browser/puretls.js) and holds the TLS connection, over a WebSocket to
 * the TCP relay (test/browser/relay.ts) in front of `openssl s_server -rev`.
 * The page never loads puretls.
 *
 * Shown: verified handshakes (WebCrypto and noble), a line out and its
 * reversal back, close_notify both ways; a wrong CA refused; the page's
 * thread left free: a handshake completes while the page's thread is
 * blocked, and the page's timers keep running during another; and the
 * bundle budget's other half: with `ca` the roots file is never fetched,
 * without it the worker fetches it on demand (and the test root is not a
 * Mozilla root).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '../browser/relay.js';
import { loadCert, startOpenSslServer, type OpenSslServer } from '../peers/index.js';
import { CLIENTS, exportPath, makeConsumer, REVERSED, type ClientResult, type Consumer } from './harness.js';

const CHROMIUM = process.env.PURETLS_CHROMIUM ?? '/usr/bin/chromium';
// CI installs Chromium (.ci/run); elsewhere a missing browser skips rather than fails.
const run = existsSync(CHROMIUM) || process.env.CI ? describe : describe.skip;

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>puretls in a worker</title></head><body>
<script type="module">
const worker = new Worker('/browser-worker.mjs', { type: 'module' });
const pending = new Map();
let ready;
const isReady = new Promise((r) => (ready = r));
worker.onmessage = ({ data }) => (data.ready ? ready() : pending.get(data.id)?.(data.result));
worker.onerror = (e) => (window.workerError = String(e.message ?? e));
window.tls = (msg) => new Promise((resolve) => { pending.set(msg.id, resolve); worker.postMessage(msg); });
// Blocks the page's thread for ms while the worker connects.
window.tlsWhileBlocked = async (msg, ms) => {
  const blockStart = Date.now(); // before the message goes out: the worker cannot start earlier
  const p = window.tls(msg);
  while (Date.now() - blockStart < ms) {}
  const blockEnd = Date.now();
  return { result: await p, blockStart, blockEnd };
};
// Counts the page's timer ticks while the worker connects.
window.tlsWithTicker = async (msg) => {
  let last = performance.now(), maxGap = 0, ticks = 0;
  const t = setInterval(() => { const now = performance.now(); maxGap = Math.max(maxGap, now - last); last = now; ticks++; }, 10);
  const result = await window.tls(msg);
  clearInterval(t);
  return { result, maxGap, ticks };
};
await isReady;
window.ready = true;
</script></body></html>`;

interface WorkerResult extends ClientResult {
  readonly startedAt: number;
  readonly connectedAt: number | null;
  readonly endedAt: number;
  readonly inWorker: boolean;
}

run('puretls in a Web Worker in headless Chromium', () => {
  let consumer: Consumer;
  let server: OpenSslServer;
  let web: http.Server;
  let relay: Relay;
  let context: BrowserContext;
  let page: Page;
  const served: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    consumer = makeConsumer([]);
    const bundle = exportPath(path.join(consumer.dir, 'node_modules', 'puretls'), './browser');
    const files: Record<string, string> = {
      '/puretls.js': bundle,
      '/puretls-mozilla-roots.js': path.join(path.dirname(bundle), 'puretls-mozilla-roots.js'),
      '/browser-worker.mjs': path.join(CLIENTS, 'browser-worker.mjs'),
      '/common.mjs': path.join(CLIENTS, 'common.mjs'),
    };
    server = await startOpenSslServer({ fixture: 'server-p256', mode: 'rev', msg: false });
    web = http.createServer((req, res) => {
      const url = req.url ?? '/';
      served.push(url);
      if (url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      else if (url === '/favicon.ico') res.writeHead(204).end();
      else if (files[url]) res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(files[url]!));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    relay = await startRelay({ server: web, path: '/relay/' });
    context = await chromium.launchPersistentContext(path.join(consumer.dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(origin + '/');
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true, undefined, { timeout: 30_000 });
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await relay?.stop();
    web?.closeAllConnections();
    await new Promise((r) => (web ? web.close(r) : r(undefined)));
    await server?.stop();
    consumer?.remove();
  });

  const message = (id: string, opts: { ca?: boolean; wrongCa?: boolean; crypto?: string } = {}) => ({
    id,
    relay: `${relay.url}127.0.0.1:${server.port}`,
    ca: opts.wrongCa ? loadCert('rsa-root').cert : opts.ca === false ? undefined : loadCert('root').cert,
    crypto: opts.crypto,
  });
  const tls = (msg: ReturnType<typeof message>) =>
    page.evaluate((m) => (window as unknown as { tls: (x: unknown) => Promise<WorkerResult> }).tls(m), msg);

  it.each([['auto'], ['noble']])('crypto %s: verified handshake in the worker, data both ways, clean close', async (crypto) => {
    const r = await tls(message(`worker/${crypto}`, { crypto }));
    expect(r.ok, r.message).toBe(true);
    expect(r.inWorker).toBe(true);
    expect(r.provider).toBe(crypto === 'auto' ? 'webcrypto' : 'noble');
    expect(r.info).toMatchObject({ version: 'TLSv1.3', serverName: 'localhost', chainLength: 2, anchor: 'CN=puretls test root' });
    expect(r.reply).toBe(REVERSED);
  });

  it('a wrong CA fails verification', async () => {
    expect(await tls(message('worker/wrong-ca', { wrongCa: true }))).toMatchObject({ ok: false, code: 'CERT_UNTRUSTED_ROOT', isTlsError: true });
  });

  it("a handshake completes while the page's thread is blocked", async () => {
    const { result, blockStart, blockEnd } = await page.evaluate(
      (m) => (window as unknown as { tlsWhileBlocked: (x: unknown, ms: number) => Promise<{ result: WorkerResult; blockStart: number; blockEnd: number }> }).tlsWhileBlocked(m, 4000),
      message('worker/page-blocked', { crypto: 'noble' }),
    );
    expect(result.ok, result.message).toBe(true);
    expect(result.startedAt).toBeGreaterThanOrEqual(blockStart);
    // Connected (and verified) before the page's thread was free again.
    expect(result.connectedAt).toBeLessThan(blockEnd);
  });

  it("the page's timers keep running while the worker runs a handshake", async () => {
    const { result, ticks, maxGap } = await page.evaluate(
      (m) => (window as unknown as { tlsWithTicker: (x: unknown) => Promise<{ result: WorkerResult; ticks: number; maxGap: number }> }).tlsWithTicker(m),
      message('worker/ticker', { crypto: 'noble' }),
    );
    expect(result.ok, result.message).toBe(true);
    expect(ticks).toBeGreaterThan(0);
    expect(maxGap).toBeLessThan(result.endedAt - result.startedAt + 50);
  });

  it('with ca, the roots file was never fetched; without, the worker fetches it and the test root is not among them', async () => {
    expect(served).not.toContain('/puretls-mozilla-roots.js');
    const r = await tls(message('worker/bundled-roots', { ca: false }));
    expect(r).toMatchObject({ ok: false, code: 'CERT_UNTRUSTED_ROOT' });
    expect(served.filter((u) => u === '/puretls-mozilla-roots.js')).toHaveLength(1);
  });

  it('the bundle was fetched once (the worker imports it), only binary frames crossed the relay, nothing failed', async () => {
    // One fetch, for the worker's import: the page's own script imports nothing.
    expect(served.filter((u) => u === '/puretls.js')).toHaveLength(1);
    expect(relay.stats.textMessages).toBe(0);
    expect(errors).toEqual([]);
  });
});
