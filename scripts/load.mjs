#!/usr/bin/env node
/**
 * Load and leak check on the built package (dist/): N concurrent puretls
 * connections (default 500) to a local Node TLS echo server, each a
 * handshake and an echo exchange; then heap, handles and AbortSignal
 * listeners must be back where they started.
 *
 *   npm run build && node scripts/load.mjs [--connections 500] [--rounds 2] [--crypto auto|noble|webcrypto]
 *
 * Needs the test PKI (test/fixtures/generated; `npx vitest run` makes it,
 * or `node scripts/gen-test-certs.mjs`). Re-executes itself with --expose-gc.
 */
import { spawnSync } from 'node:child_process';
import { getEventListeners, setMaxListeners } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

if (typeof globalThis.gc !== 'function') {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '2' },
    crypto: { type: 'string', default: 'auto' },
    margin: { type: 'string', default: '4' },
  },
});
const N = Number(values.connections);
const ROUNDS = Number(values.rounds);

const dist = path.join(root, 'dist', 'node.js');
if (!existsSync(dist)) {
  console.error('dist/node.js is missing: run `npm run build` first');
  process.exit(2);
}
const fixtures = process.env.PURETLS_FIXTURES_DIR ?? path.join(root, 'test', 'fixtures', 'generated');
if (!existsSync(path.join(fixtures, 'server-p256.chain.pem'))) {
  const gen = await import(pathToFileURL(path.join(root, 'scripts', 'gen-test-certs.mjs')).href);
  await gen.generateTestCerts({ dir: fixtures });
}
const { connect } = await import(pathToFileURL(dist).href);

const read = (f) => readFileSync(path.join(fixtures, f), 'utf8');
const serverSockets = new Set();
const server = tls.createServer(
  { cert: read('server-p256.chain.pem'), key: read('server-p256.key.pem'), minVersion: 'TLSv1.3', ecdhCurve: 'X25519' },
  (s) => {
    serverSockets.add(s);
    s.on('close', () => serverSockets.delete(s));
    s.on('error', () => undefined);
    s.pipe(s);
  },
);
server.maxConnections = 2 * N + 10;
await new Promise((resolve) => server.listen(0, '127.0.0.1', 2048, resolve));
const port = server.address().port;
const ca = read('root.cert.pem');

const shutdown = new AbortController();
setMaxListeners(4 * N, shutdown.signal);
const options = {
  host: '127.0.0.1',
  port,
  servername: 'localhost',
  ca,
  groups: ['x25519'],
  signatureSchemes: ['ecdsa_secp256r1_sha256'],
  sessions: false,
  handshakeTimeout: 300_000,
  signal: shutdown.signal,
  crypto: values.crypto,
};

async function session(i) {
  const conn = await connect(options);
  const writer = conn.writable.getWriter();
  const reader = conn.readable.getReader();
  const msg = `ping ${i}`;
  const t0 = performance.now();
  await writer.write(new TextEncoder().encode(msg));
  let got = '';
  while (got.length < msg.length) {
    const { value, done } = await reader.read();
    if (done) break;
    got += new TextDecoder().decode(value);
  }
  const echoMs = performance.now() - t0;
  writer.releaseLock();
  reader.releaseLock();
  await conn.close();
  if (got !== msg) throw new Error(`connection ${i}: echo ${JSON.stringify(got)}`);
  return echoMs;
}

async function serverIdle() {
  for (let i = 0; i < 500; i++) {
    const n = await new Promise((resolve) => server.getConnections((_, c) => resolve(c)));
    if (n === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function heap() {
  for (let i = 0; i < 6; i++) {
    globalThis.gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

function handles() {
  const out = {};
  for (const r of process.getActiveResourcesInfo()) if (r !== 'Immediate') out[r] = (out[r] ?? 0) + 1;
  return out;
}

const mib = (b) => (b / 2 ** 20).toFixed(1);
await Promise.all(Array.from({ length: 20 }, (_, i) => session(-i)));
await serverIdle();
const heap0 = await heap();
const handles0 = JSON.stringify(handles());
const rss0 = process.memoryUsage().rss;
console.log(`puretls load: ${N} concurrent connections x ${ROUNDS} rounds, crypto ${values.crypto}, node ${process.version}`);
console.log(`heap after warm-up: ${mib(heap0)} MiB`);

let ok = true;
let peakRss = rss0;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
for (let round = 1; round <= ROUNDS; round++) {
  const t0 = performance.now();
  const results = await Promise.allSettled(Array.from({ length: N }, (_, i) => session(i)));
  const ms = performance.now() - t0;
  const failed = results.filter((r) => r.status === 'rejected');
  const echo = results.filter((r) => r.status === 'fulfilled').map((r) => r.value).sort((a, b) => a - b);
  await serverIdle();
  const h = await heap();
  console.log(
    `round ${round}: ${N - failed.length}/${N} ok in ${(ms / 1000).toFixed(1)} s (${((N * 1000) / ms).toFixed(1)} handshakes/s), ` +
      `echo p50 ${echo[Math.floor(echo.length / 2)]?.toFixed(1)} ms, heap ${mib(h)} MiB (${h >= heap0 ? '+' : ''}${mib(h - heap0)})`,
  );
  for (const f of failed.slice(0, 3)) console.log(`  failed: ${f.reason?.toDebugString?.() ?? f.reason}`);
  if (failed.length) ok = false;
}
clearInterval(rssTimer);

const heap1 = await heap();
const handles1 = JSON.stringify(handles());
const listeners = getEventListeners(shutdown.signal, 'abort').length;
console.log(`peak rss ${mib(peakRss)} MiB (start ${mib(rss0)} MiB)`);
console.log(`heap: ${mib(heap0)} -> ${mib(heap1)} MiB; handles ${handles0} -> ${handles1}; abort listeners left: ${listeners}`);
if (heap1 - heap0 > Number(values.margin) * 2 ** 20) {
  console.log(`FAIL: heap grew by more than ${values.margin} MiB`);
  ok = false;
}
if (handles0 !== handles1) {
  console.log('FAIL: handles left behind');
  ok = false;
}
if (listeners) {
  console.log('FAIL: AbortSignal listeners left behind');
  ok = false;
}
for (const s of serverSockets) s.destroy();
server.close();
console.log(ok ? 'PASS' : 'FAIL');
process.exitCode = ok ? 0 : 1;
