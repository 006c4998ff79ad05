/**
 * puretls in a real browser: headless Chromium (Debian's /usr/bin/chromium,
 * driven by playwright-core) loads a page from a local HTTP server; the
 * page imports the browser bundle, opens a WebSocket to the relay, does a
 * verified TLS 1.3 handshake with `openssl s_server -www` behind it and an
 * HTTP/1.0 request, and hands the reply back to the test.
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
import { loadCert, startNodeTlsServer, startOpenSslServer, type NodeTlsServer, type OpenSslServer } from '../peers/index.js';
import { PAGE_HTML } from './page.js';
import { startRelay, type Relay } from './relay.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = process.env.PURETLS_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
// CI installs Chromium (.ci/run); elsewhere a missing browser skips rather than fails.
const run = haveChromium || process.env.CI ? describe : describe.skip;

/** The flags the project runs Chromium with (Playwright adds --headless and --user-data-dir). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface FetchResult {
  ok: boolean;
  info?: Record<string, unknown>;
  reply?: string;
  code?: string | null;
  message?: string;
  isTlsError?: boolean;
}

run('puretls in headless Chromium over a WebSocket relay', () => {
  let work: string;
  let bundle: Buffer;
  let www: OpenSslServer;
  let nodeHttps: NodeTlsServer;
  let web: http.Server;
  let relay: Relay;
  let origin: string;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'puretls-browser-'));
    const out = path.join(work, 'puretls.js');
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts/build-browser.mjs'), '--out', out], { cwd: ROOT });
    bundle = readFileSync(out);

    www = await startOpenSslServer({ fixture: 'server-p256', mode: 'www', msg: false, alpn: ['http/1.1'] });
    nodeHttps = await startNodeTlsServer({
      fixture: 'server-rsa-chain',
      mode: 'custom',
      alpn: ['http/1.1'],
      onSecureConnection: (socket) => {
        socket.once('data', () => {
          socket.end('HTTP/1.1 200 OK\r\ncontent-length: 17\r\nconnection: close\r\n\r\nhello from node!\n');
        });
      },
    });
    const ca = loadCert('root').cert + loadCert('rsa-root').cert;
    web = http.createServer((req, res) => {
      const url = req.url ?? '/';
      if (url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE_HTML);
      else if (url === '/puretls.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
      else if (url === '/favicon.ico') res.writeHead(204).end();
      else if (url === '/ca.pem') res.writeHead(200, { 'content-type': 'text/plain' }).end(ca);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    // The relay shares the page's server: ws://.../relay/HOST:PORT (loopback targets only).
    relay = await startRelay({ server: web, path: '/relay/' });

    context = await chromium.launchPersistentContext(path.join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(origin + '/');
    await page.waitForFunction(() => (window as unknown as { puretlsReady?: boolean }).puretlsReady === true);
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await relay?.stop();
    web?.closeAllConnections();
    await new Promise((r) => (web ? web.close(r) : r(undefined)));
    await www?.stop();
    await nodeHttps?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const fetchTls = (opts: { target: string; serverName: string; request: string; alpn?: string[] }): Promise<FetchResult> =>
    page.evaluate(
      (o) =>
        (window as unknown as { puretlsFetch: (x: unknown) => Promise<FetchResult> }).puretlsFetch({
          relay: o.relay,
          serverName: o.serverName,
          caUrl: '/ca.pem',
          request: o.request,
          alpn: o.alpn,
        }),
      { relay: `${relay.url}${opts.target}`, serverName: opts.serverName, request: opts.request, alpn: opts.alpn },
    );

  it('the page loaded the bundle, which exports connectWebSocket and the engine', async () => {
    const names = await page.evaluate(() => (window as unknown as { puretlsExports: string[] }).puretlsExports);
    expect(names).toEqual(expect.arrayContaining(['connectWebSocket', 'Connector', 'TlsError', 'TrustStore']));
    expect(consoleErrors).toEqual([]);
  });

  it('verifies openssl s_server and gets its -www page over HTTP/1.0', async () => {
    const r = await fetchTls({ target: `127.0.0.1:${www.port}`, serverName: 'localhost', request: 'GET / HTTP/1.0\r\n\r\n', alpn: ['http/1.1'] });
    expect(r.ok, r.message).toBe(true);
    expect(r.info).toMatchObject({ version: 'TLSv1.3', serverName: 'localhost', alpn: 'http/1.1', chainLength: 2 });
    expect(r.reply).toMatch(/^HTTP\/1\.0 200 ok\r\n/);
    // s_server -www reports the session it sees: TLS 1.3 with puretls's suite.
    expect(r.reply).toContain('New, TLSv1.3, Cipher is');
    expect(r.reply).toContain(String(r.info?.cipherSuite));
  });

  it('verifies a Node HTTPS-style server with an RSA chain and gets its HTTP/1.1 reply', async () => {
    const r = await fetchTls({
      target: `127.0.0.1:${nodeHttps.port}`,
      serverName: 'localhost',
      request: 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
    });
    expect(r.ok, r.message).toBe(true);
    expect(r.info).toMatchObject({ version: 'TLSv1.3', signatureScheme: expect.stringMatching(/^rsa_pss_rsae_/) });
    expect(r.reply).toBe('HTTP/1.1 200 OK\r\ncontent-length: 17\r\nconnection: close\r\n\r\nhello from node!\n');
  });

  it('refuses a name the certificate does not cover, with a TlsError the page can read', async () => {
    const r = await fetchTls({ target: `127.0.0.1:${www.port}`, serverName: 'wrong.example', request: '' });
    expect(r).toMatchObject({ ok: false, code: 'CERT_NAME_MISMATCH', isTlsError: true });
  });

  it('carried only ciphertext through the relay and asked nothing of any other host', () => {
    expect(relay.stats.connections).toBe(3);
    expect(relay.stats.textMessages).toBe(0);
    expect(requests.every((u) => u.startsWith(origin))).toBe(true);
    expect(consoleErrors).toEqual([]);
  });
});
