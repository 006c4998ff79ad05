/**
 * A WebAssembly component doing TLS inside a page (issue 15). The guest
 * (test/wasi/p3/http-guest.js, world `http-guest`: componentize-qjs,
 * component-model async) resolves a name and opens TCP with wasi:sockets
 * 0.3, runs TLS with wasi:tls 0.3 and sends one HTTP/1.1 request. jco
 * transpiles it with the maps of puretls/wasi's `wasiMap()`; headless
 * Chromium (its JSPI runs jco's async glue) loads it with the import map
 * that `setupWasi()` returns. puretls/wasi's browser build supplies wasi:tls
 * and wasi:sockets, whose TCP goes over a WebSocket to puretls's relay
 * (src/relay), which connects to `openssl s_server -www`. Verification is on.
 *
 * Also shown: a wrong CA fails with the `error` resource's debug string in
 * the page, a target outside the relay's allow-list is `access-denied`, and
 * the relay carried only binary data and control words.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type Relay, type RelayEvent } from '../../src/relay/server.js';
import { wasiMap } from '../../src/wasi/setup.js';
import { loadCert, startOpenSslServer, type OpenSslServer } from '../peers/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = process.env.PURETLS_CHROMIUM ?? '/usr/bin/chromium';
// CI installs Chromium (.ci/run); elsewhere a missing browser skips rather than fails.
const run = existsSync(CHROMIUM) || process.env.CI ? describe : describe.skip;
const exec = promisify(execFile);
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'];
const SHIM2 = path.join(ROOT, 'node_modules', '@bytecodealliance', 'preview2-shim', 'dist', 'browser');

/**
 * The test's wasi:tls/client: puretls's, plus `start`, the stand-in the test
 * WIT has for the draft's `static async connect` (test/wasi/p3/wit/README.md).
 */
const TEST_HOST = `
import { client as puretls } from 'puretls/wasi';
const Base = puretls.Connector;
class Connector extends Base {
  start(serverName) {
    return Base.connect(this, serverName).then(
      () => ({ tag: 'ok', val: undefined }),
      (e) => ({ tag: 'err', val: e }),
    );
  }
}
export const client = { Connector };
`;

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>a wasi:tls component in a page</title></head><body>
<pre id="log"></pre>
<script type="module">
import { setupWasi } from '/puretls-wasi.js';
const log = (line) => { document.getElementById('log').textContent += line + '\\n'; };
let mapped = false;
window.runGuest = async ({ caUrl, host, port, path }) => {
  const ca = await (await fetch(caUrl)).text();
  const wasi = setupWasi({
    relay: location.origin.replace(/^http/, 'ws') + '/tcp/',
    tls: { ca },
    preview2Shim: '/shim2/',
  });
  if (!mapped) {
    const script = document.createElement('script');
    script.type = 'importmap';
    script.textContent = JSON.stringify({ imports: { ...wasi.importMap.imports, 'test-host': '/test-host.js' } });
    document.head.append(script);
    mapped = true;
  }
  const { fetch: guestFetch } = await import('/guest/guest.js');
  try {
    const value = await guestFetch(host, port, path);
    log('ok: ' + value.split('\\r\\n')[0]);
    return { ok: true, value };
  } catch (e) {
    const error = e && typeof e === 'object' && 'payload' in e ? String(e.payload) : String(e);
    log('error: ' + error);
    return { ok: false, error, shown: document.getElementById('log').textContent };
  }
};
window.jspi = typeof WebAssembly.Suspending === 'function';
window.ready = true;
</script></body></html>`;

interface GuestResult {
  ok: boolean;
  value?: string;
  error?: string;
  shown?: string;
}

run('a wasi:tls 0.3 component in headless Chromium, TCP over the relay', () => {
  let work: string;
  let www: OpenSslServer;
  let web: http.Server;
  let relay: Relay;
  let context: BrowserContext;
  let page: Page;
  const events: RelayEvent[] = [];
  const pageErrors: string[] = [];
  const requests: string[] = [];
  let origin: string;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'puretls-wasi-browser-'));
    const started = performance.now();
    await exec(process.execPath, [path.join(ROOT, 'scripts/build-browser.mjs'), '--wasi-out', path.join(work, 'puretls-wasi.js')], {
      cwd: ROOT,
    });
    const maps = { ...wasiMap(), 'wasi:tls/client@0.3.0-draft': 'test-host#client' };
    const { stdout } = await exec(
      process.execPath,
      [
        path.join(ROOT, 'test/wasi/p3/build.mjs'),
        ...['--world', 'http-guest', '--source', path.join(ROOT, 'test/wasi/p3/http-guest.js'), '--out', path.join(work, 'guest')],
        ...Object.entries(maps).flatMap(([wit, target]) => ['--map', `${wit}=${target}`]),
      ],
      { cwd: ROOT, timeout: 240_000 },
    );
    console.info(`[wasi-browser] bundle + guest in ${Math.round(performance.now() - started)} ms: ${stdout.trim()}`);

    www = await startOpenSslServer({ fixture: 'server-p256', mode: 'www' });
    const files: Record<string, () => [string, Buffer | string]> = {
      '/': () => ['text/html; charset=utf-8', PAGE],
      '/test-host.js': () => ['text/javascript', TEST_HOST],
      '/ca.pem': () => ['text/plain', loadCert('root').cert],
      '/wrong-ca.pem': () => ['text/plain', loadCert('rsa-root').cert],
    };
    const types: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.map': 'application/json' };
    const serve = (dir: string, rel: string): [string, Buffer] | null => {
      const file = path.join(dir, rel);
      if (!file.startsWith(dir + path.sep) || !existsSync(file)) return null;
      return [types[path.extname(file)] ?? 'application/octet-stream', readFileSync(file)];
    };
    web = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://page').pathname;
      const found =
        files[url]?.() ??
        (url.startsWith('/guest/') ? serve(path.join(work, 'guest'), url.slice(7)) : null) ??
        (url.startsWith('/shim2/') ? serve(SHIM2, url.slice(7)) : null) ??
        (/^\/puretls-wasi[\w-]*\.js$/.test(url) ? serve(work, url.slice(1)) : null);
      if (found) res.writeHead(200, { 'content-type': found[0] }).end(found[1]);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    relay = await startRelay({
      server: web,
      path: '/tcp/',
      allow: [`localhost:${www.port}`],
      addresses: 'any', // the test's server is on loopback
      origins: [origin],
      onEvent: (e) => events.push(e),
    });

    context = await chromium.launchPersistentContext(path.join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await relay?.stop();
    web?.closeAllConnections();
    await new Promise((r) => (web ? web.close(r) : r(undefined)));
    await www?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const runGuest = (o: { caUrl: string; host: string; port: number; path: string }): Promise<GuestResult> =>
    page.evaluate((x) => (window as unknown as { runGuest: (x: unknown) => Promise<GuestResult> }).runGuest(x), o);

  it('Chromium has JSPI (WebAssembly.Suspending), which jco’s async output needs', async () => {
    expect(await page.evaluate(() => (window as unknown as { jspi: boolean }).jspi)).toBe(true);
  });

  it('the component fetches a page over verified TLS: name lookup, TCP via the relay, HTTP/1.1', async () => {
    const mark = www.mark();
    const r = await runGuest({ caUrl: '/ca.pem', host: 'localhost', port: www.port, path: '/' });
    expect(r.ok, r.error).toBe(true);
    expect(r.value).toMatch(/^HTTP\/1\.0 200 ok\r\n/);
    // s_server -www reports the session it saw: TLS 1.3, and the request line.
    expect(r.value).toContain('New, TLSv1.3, Cipher is');
    const t = www.transcript(mark);
    expect(t.clientHellos).toHaveLength(1);
    expect(t.clientHellos[0]!.serverName).toBe('localhost');
    // The relay was asked for the name (the page cannot resolve it), and connected.
    expect(events).toContainEqual(expect.objectContaining({ type: 'open', target: `localhost:${www.port}` }));
  });

  it('with a wrong CA the handshake fails, and the error resource’s debug string reaches the page', async () => {
    const mark = www.mark();
    const r = await runGuest({ caUrl: '/wrong-ca.pem', host: 'localhost', port: www.port, path: '/' });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/^handshake failed: TlsError CERT_UNTRUSTED_ROOT: .*; alert sent: unknown_ca\(48\)/);
    expect(r.shown).toContain(r.error);
    // The guest let the alert out before closing: the server saw puretls refuse its certificate.
    await www.waitForOutput('unknown_ca', { since: mark });
    expect(www.transcript(mark).alertsReceived).toContainEqual({ level: 'fatal', name: 'unknown_ca' });
  });

  it('a target outside the relay’s allow-list is access-denied in the guest', async () => {
    const r = await runGuest({ caUrl: '/ca.pem', host: 'localhost', port: www.port + 1, path: '/' });
    expect(r).toMatchObject({ ok: false, error: 'connect failed: {"tag":"access-denied"}' });
    expect(relay.stats.refused[4403]).toBe(1);
  });

  it('the page asked nothing of other hosts, and the relay saw only binary data and its control words', () => {
    expect(pageErrors).toEqual([]);
    expect(requests.every((u) => u.startsWith(origin))).toBe(true);
    expect(relay.stats.textMessages).toBe(0);
    expect(relay.stats.bytesToTarget).toBeGreaterThan(0);
  });
});
