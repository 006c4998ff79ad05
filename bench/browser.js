// The Chromium cell of `npm run bench`: puretls's browser bundle in a headless
// page (Debian's chromium), over puretls's own WebSocket relay (src/relay),
// next to what the same page gets without it, all in one run:
//
//   - the relay carrying plain bytes from a plain TCP server (the transport's limit);
//   - puretls in a dedicated Worker of the page, body chunks transferred to
//     the page (and, to tell that cost apart, only counted in the worker);
//   - the browser's own fetch() over HTTPS from the same Node TLS server
//     (the test root trusted through an NSS database in the browser's HOME:
//     no certificate-error flags);
//   - raw WebCrypto AES-128-GCM on 16 KiB records in the page.
//
// Download throughput and handshake latency; prints one JSON line.
//
// No DevTools client is attached: the page runs the plan itself and posts its
// results back. A CDP client (playwright's) turns on the Network domain, and
// Chromium then reports every WebSocket frame with its payload in base64,
// which costs the browser process and the relay's process more than the
// transfer itself and caps the plain relay at a quarter of its speed.
//
//   node bench/browser.js '{"fixtures":"test/fixtures/generated","mib":64,"reps":3,"hsN":20}'
import { execFileSync, spawn } from 'node:child_process';
import { constants as cryptoConstants } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const spec = process.argv[2]?.startsWith('{') ? JSON.parse(process.argv[2]) : {};
const FIX = path.resolve(ROOT, process.argv[2] === '--servers' ? process.argv[3] : spec.fixtures ?? 'test/fixtures/generated');
const MIB = spec.mib ?? 64;
const REPS = spec.reps ?? 3;
const HS_N = spec.hsN ?? 20;
const CHROMIUM = process.env.PURETLS_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const BLOCK = Buffer.alloc(64 * 1024, 0x61);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const listen = (server, host = '127.0.0.1') => new Promise((r) => server.listen(0, host, () => r(server.address().port)));

/** Writes `n` bytes of BLOCK to a writable, with backpressure. */
function pump(out, n, done) {
  const step = () => {
    while (n > 0) {
      const k = Math.min(n, BLOCK.length);
      n -= k;
      if (!out.write(k === BLOCK.length ? BLOCK : BLOCK.subarray(0, k))) {
        out.once('drain', step);
        return;
      }
    }
    done?.();
  };
  step();
}

// The whole puretls connection in a dedicated module Worker of the page: the
// page posts a job, the worker connects and says so, the page says go (the
// clock starts), the worker sends the request and posts each body chunk's
// memory to the page (transferred, not copied), or with transfer: false only
// counts it; { done } ends the body.
const WORKER = `import * as puretls from '/puretls.js';
let go;
onmessage = ({ data }) => (data.go ? go() : run(data).catch((e) => postMessage({ error: String(e?.stack ?? e) })));
async function run({ relay, ca, path, transfer }) {
  const conn = await puretls.connectWebSocket(relay, { serverName: 'localhost', ca, sessions: false, alpn: ['http/1.1'] });
  await new Promise((resolve) => {
    go = resolve;
    postMessage({ connected: true });
  });
  const w = conn.writable.getWriter();
  await w.write(new TextEncoder().encode('GET ' + path + ' HTTP/1.1\\r\\nhost: localhost\\r\\nconnection: close\\r\\n\\r\\n'));
  w.releaseLock();
  const reader = conn.readable.getReader();
  let head = '';
  let length = -1;
  let body = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    let at = 0;
    if (length < 0) {
      head += new TextDecoder('latin1').decode(value);
      const end = head.indexOf('\\r\\n\\r\\n');
      if (end < 0) continue;
      length = Number(/content-length: *(\\d+)/i.exec(head)[1]);
      at = value.length - (head.length - end - 4);
    }
    body += value.length - at;
    // Each chunk has memory of its own (RecordProtection.open()).
    if (transfer) postMessage({ buf: value.buffer, off: value.byteOffset + at, len: value.length - at }, [value.buffer]);
    if (body >= length) break;
  }
  reader.releaseLock();
  postMessage({ done: true, body });
  await conn.close().catch(() => {});
}
`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>puretls bench</title>
<script>
// A module that fails to load reports nothing itself: say so after 30 s.
setTimeout(() => window.benchReady || fetch('/error', { method: 'POST', body: JSON.stringify({ error: 'the page did not start (the bundle failed to load?)' }) }), 30000);
</script>
<script type="module">
import * as puretls from '/puretls.js';
const enc = new TextEncoder();
const now = () => performance.now();

/** An HTTP/1.1 response over a puretls connection: resolves with the body length once it is all here. */
async function readResponse(conn, expectBody) {
  const reader = conn.readable.getReader();
  let head = '';
  let body = 0;
  let length = -1;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (length < 0) {
      head += new TextDecoder('latin1').decode(value);
      const end = head.indexOf('\\r\\n\\r\\n');
      if (end < 0) continue;
      length = Number(/content-length: *(\\d+)/i.exec(head)[1]);
      body = head.length - end - 4;
    } else body += value.length;
    if (body >= length) break;
  }
  reader.releaseLock();
  if (body !== (expectBody ?? length)) throw new Error('short body: ' + body);
  return body;
}

window.bench = {
  async puretls({ relay, ca, path, body }) {
    const t0 = now();
    const conn = await puretls.connectWebSocket(relay, { serverName: 'localhost', ca, sessions: false, alpn: ['http/1.1'] });
    const t1 = now();
    const w = conn.writable.getWriter();
    await w.write(enc.encode('GET ' + path + ' HTTP/1.1\\r\\nhost: localhost\\r\\nconnection: close\\r\\n\\r\\n'));
    w.releaseLock();
    const t2 = now();
    await readResponse(conn, body);
    const t3 = now();
    await conn.close().catch(() => {});
    return { connectMs: t1 - t0, requestMs: t3 - t0, bodyMs: t3 - t2, suite: conn.info.cipherSuite };
  },
  /** The connection in a Worker (see WORKER); bodyMs: go -> { done } on this thread. */
  puretlsWorker({ relay, ca, path, body, transfer }) {
    const worker = (bench.worker ??= new Worker('/worker.js', { type: 'module' }));
    return new Promise((resolve, reject) => {
      let got = 0;
      let t2 = 0;
      worker.onerror = (e) => reject(new Error('worker: ' + e.message));
      worker.onmessage = ({ data }) => {
        if (data.buf) got += new Uint8Array(data.buf, data.off, data.len).length;
        else if (data.connected) {
          t2 = now();
          worker.postMessage({ go: true });
        } else if (data.done) {
          const bodyMs = now() - t2;
          if (data.body !== body || (transfer && got !== body)) reject(new Error('short body: ' + data.body + '/' + got));
          else resolve({ bodyMs });
        } else if (data.error) reject(new Error('worker: ' + data.error));
      };
      worker.postMessage({ relay, ca, path, transfer });
    });
  },
  relayPlain({ relay, n }) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(relay);
      ws.binaryType = 'arraybuffer';
      let got = 0;
      let t0 = 0;
      ws.onopen = () => {
        t0 = now();
        ws.send(enc.encode('D ' + n + '\\n'));
      };
      ws.onmessage = (ev) => {
        got += ev.data.byteLength;
        if (got >= n) {
          const ms = now() - t0;
          ws.close();
          resolve({ bodyMs: ms });
        }
      };
      ws.onerror = () => reject(new Error('relay WebSocket error'));
    });
  },
  async fetch({ url, body }) {
    const t0 = now();
    const res = await fetch(url, { cache: 'no-store' });
    const reader = res.body.getReader();
    let got = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      got += value.length;
    }
    const t1 = now();
    if (body !== undefined && got !== body) throw new Error('short body: ' + got);
    const e = performance.getEntriesByName(url).pop();
    performance.clearResourceTimings();
    return {
      requestMs: t1 - t0,
      bodyMs: t1 - (e ? e.responseStart - e.startTime + t0 : t0),
      connectMs: e && e.connectEnd > 0 ? e.connectEnd - e.connectStart : null,
      tlsMs: e && e.secureConnectionStart > 0 ? e.connectEnd - e.secureConnectionStart : null,
      protocol: e?.nextHopProtocol,
    };
  },
  async webcrypto({ mib, window: win }) {
    const key = await crypto.subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt', 'decrypt']);
    const iv = new Uint8Array(12);
    const aad = new Uint8Array(5);
    const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, new Uint8Array(16385));
    const records = Math.ceil((mib * 1048576) / 16384);
    const t0 = now();
    for (let i = 0; i < records; i += win) {
      const batch = [];
      for (let j = 0; j < win && i + j < records; j++) batch.push(crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, ct));
      await Promise.all(batch);
    }
    return { mbPerSec: (records * 16384) / 1e6 / ((now() - t0) / 1000) };
  },
};
window.benchReady = true;

// The plan, run in the page; results and errors go back by POST.
const post = (what, body) => fetch('/' + what, { method: 'POST', body: JSON.stringify(body) });
addEventListener('error', (e) => void post('error', { error: String(e.message) }));
addEventListener('unhandledrejection', (e) => void post('error', { error: String(e.reason?.stack ?? e.reason) }));
(async () => {
  const P = await (await fetch('/plan')).json();
  const relayTo = (host, port) => 'ws://' + location.host + '/relay/' + host + ':' + port;
  const n = P.mib * 1048576;
  const tls = { relay: relayTo('localhost', P.tlsPort), ca: P.root };
  const fetchUrl = (p) => 'https://localhost:' + P.tlsPort + p;
  const plain = () => bench.relayPlain({ relay: relayTo('127.0.0.1', P.plainPort), n });
  // Warm-up: code, connections, JIT.
  await bench.puretls({ ...tls, path: '/bytes/' + (1 << 20), body: 1 << 20 });
  await bench.relayPlain({ relay: relayTo('127.0.0.1', P.plainPort), n: 1 << 20 });
  await bench.fetch({ url: fetchUrl('/bytes/' + (1 << 20) + '?w'), body: 1 << 20 });
  await bench.puretlsWorker({ ...tls, path: '/bytes/' + (1 << 20), body: 1 << 20, transfer: true });
  const runs = { puretls: [], relay: [], fetch: [], worker: [], workerCountOnly: [] };
  for (let r = 0; r < P.reps; r++) {
    runs.relay.push((await plain()).bodyMs);
    runs.puretls.push((await bench.puretls({ ...tls, path: '/bytes/' + n, body: n })).bodyMs);
    runs.worker.push((await bench.puretlsWorker({ ...tls, path: '/bytes/' + n, body: n, transfer: true })).bodyMs);
    runs.workerCountOnly.push((await bench.puretlsWorker({ ...tls, path: '/bytes/' + n, body: n, transfer: false })).bodyMs);
    runs.fetch.push((await bench.fetch({ url: fetchUrl('/bytes/' + n + '?r=' + r), body: n })).bodyMs);
  }
  const webcrypto8 = await bench.webcrypto({ mib: Math.min(P.mib, 64), window: 8 });
  const webcrypto1 = await bench.webcrypto({ mib: Math.min(P.mib, 16), window: 1 });
  // Handshakes: a new connection each time (the server sends no tickets and closes after /ping).
  const hs = [];
  for (let i = 0; i < P.hsN + 3; i++) {
    const p = await bench.puretls({ ...tls, path: '/ping' });
    const f = await bench.fetch({ url: fetchUrl('/ping?i=' + i) });
    if (i >= 3) hs.push({ p, f });
  }
  await post('result', { runs, webcrypto8, webcrypto1, hs });
})().catch((e) => post('error', { error: String(e?.stack ?? e) }));
</script>`;

async function main() {
  if (!existsSync(CHROMIUM)) return { unsupported: `no Chromium at ${CHROMIUM}` };
  let certutil = true;
  try {
    execFileSync('certutil', ['-H'], { stdio: 'ignore' });
  } catch (e) {
    certutil = e.code !== 'ENOENT';
  }
  if (!certutil) return { unsupported: 'certutil missing (Debian: apt-get install libnss3-tools)' };
  const bundle = readFileSync(path.join(ROOT, 'dist', 'browser', 'puretls.js'));
  const root = readFileSync(path.join(FIX, 'root.cert.pem'), 'utf8');

  // The servers run in a process of their own (like the bench's TLS server), so
  // the relay's process only relays, as it would in a deployment.
  const servers = spawn(process.execPath, [fileURLToPath(import.meta.url), '--servers', FIX], { stdio: ['pipe', 'pipe', 'inherit'] });
  const { tlsPort, plainPort } = await new Promise((resolve, reject) => {
    let buf = '';
    servers.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve(JSON.parse(buf));
    });
    servers.on('exit', (code) => reject(new Error(`bench browser servers exited (${code})`)));
  });

  // The page, the bundle, the plan, the results and the relay (loopback targets only) on one HTTP server.
  let report;
  const reported = new Promise((resolve) => (report = resolve));
  const plan = JSON.stringify({ tlsPort, plainPort, root, mib: MIB, reps: REPS, hsN: HS_N });
  const web = http.createServer((req, res) => {
    if (req.method === 'POST') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        res.end('ok');
        report({ kind: req.url, ...JSON.parse(body) });
      });
    } else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    else if (req.url === '/puretls.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    else if (req.url === '/worker.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(WORKER);
    else if (req.url === '/plan') res.writeHead(200, { 'content-type': 'application/json' }).end(plan);
    else res.writeHead(404).end();
  });
  const webPort = await listen(web);
  const { startRelay } = await import('../dist/relay/index.js');
  const relay = await startRelay({ allow: ['127.0.0.1:*', 'localhost:*'], addresses: 'any', server: web, path: '/relay/' });

  // The browser's HOME holds an NSS database that trusts the test root (Chromium on Linux reads it).
  const home = mkdtempSync(path.join(tmpdir(), 'puretls-bench-chromium-'));
  let browser;
  try {
    const nssdb = path.join(home, '.pki', 'nssdb');
    execFileSync('mkdir', ['-p', nssdb]);
    execFileSync('certutil', ['-N', '-d', `sql:${nssdb}`, '--empty-password']);
    writeFileSync(path.join(home, 'root.pem'), root);
    execFileSync('certutil', ['-A', '-d', `sql:${nssdb}`, '-n', 'puretls bench root', '-t', 'C,,', '-a', '-i', path.join(home, 'root.pem')]);
    browser = spawn(
      CHROMIUM,
      ['--headless=new', ...CHROMIUM_ARGS, `--user-data-dir=${path.join(home, 'profile')}`, `http://127.0.0.1:${webPort}/`],
      { stdio: 'ignore', env: { ...process.env, HOME: home }, detached: true },
    );
    const exited = new Promise((resolve) => browser.on('exit', (code) => resolve({ kind: '/exit', error: `Chromium exited (${code})` })));
    const timeout = new Promise((resolve) => setTimeout(() => resolve({ kind: '/timeout', error: 'no result from the page in 15 minutes' }), 15 * 60_000).unref());
    const r = await Promise.race([reported, exited, timeout]);
    if (r.kind !== '/result') return { error: r.error };
    const mbps = (ms) => (MIB * 1048576) / 1e6 / (ms / 1000);
    const med = (xs) => (xs.length ? median(xs) : null);
    const hs = r.hs;
    return {
      chromium: chromiumVersion(),
      mib: MIB,
      reps: REPS,
      download: {
        puretls: mbps(median(r.runs.puretls)),
        relayPlain: mbps(median(r.runs.relay)),
        puretlsWorker: mbps(median(r.runs.worker)),
        puretlsWorkerCountOnly: mbps(median(r.runs.workerCountOnly)),
        fetch: mbps(median(r.runs.fetch)),
        webcryptoAes128Gcm: r.webcrypto8.mbPerSec,
        webcryptoAes128GcmSerial: r.webcrypto1.mbPerSec,
        samplesMs: r.runs,
      },
      handshake: {
        samples: HS_N,
        puretlsConnectMs: med(hs.map((x) => x.p.connectMs)),
        puretlsRequestMs: med(hs.map((x) => x.p.requestMs)),
        fetchRequestMs: med(hs.map((x) => x.f.requestMs)),
        fetchConnectMs: med(hs.filter((x) => x.f.connectMs !== null).map((x) => x.f.connectMs)),
        fetchTlsMs: med(hs.filter((x) => x.f.tlsMs !== null).map((x) => x.f.tlsMs)),
      },
    };
  } finally {
    // The whole process group: Chromium's zygote and renderers too.
    if (browser?.pid) {
      try {
        process.kill(-browser.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await relay.stop().catch(() => undefined);
    web.closeAllConnections();
    web.close();
    servers.kill();
    rmSync(home, { recursive: true, force: true });
  }
}

/** "156.0.8078.73" (the page's user agent says only "156.0.0.0"). */
function chromiumVersion() {
  try {
    return /([\d.]+)/.exec(execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** The TLS server (for puretls and fetch) and the plain TCP server, in their own process. */
async function startServers() {
  // The TLS server both puretls and fetch() talk to: TLS 1.3, AES-128-GCM, ECDSA chain, no tickets (full handshakes).
  const tlsServer = https.createServer(
    {
      cert: readFileSync(path.join(FIX, 'server-p256.chain.pem')),
      key: readFileSync(path.join(FIX, 'server-p256.key.pem')),
      minVersion: 'TLSv1.3',
      ciphers: 'TLS_AES_128_GCM_SHA256',
      ecdhCurve: 'X25519:P-256',
      secureOptions: cryptoConstants.SSL_OP_NO_TICKET,
      ALPNProtocols: ['http/1.1'],
    },
    (req, res) => {
      const cors = { 'access-control-allow-origin': '*', 'timing-allow-origin': '*', 'cache-control': 'no-store' };
      const m = /^\/bytes\/(\d+)/.exec(req.url ?? '');
      if (m) {
        const n = Number(m[1]);
        res.writeHead(200, { ...cors, 'content-type': 'application/octet-stream', 'content-length': n });
        pump(res, n, () => res.end());
      } else res.writeHead(200, { ...cors, 'content-type': 'text/plain', 'content-length': 5, connection: 'close' }).end('pong\n');
    },
  );
  tlsServer.on('tlsClientError', () => undefined);
  const tlsPort = await listen(tlsServer);

  // The plain TCP server behind the relay: "D <n>\n" -> n bytes.
  const plain = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('error', () => s.destroy());
    let line = '';
    const onData = (d) => {
      line += d.toString('latin1');
      const nl = line.indexOf('\n');
      if (nl < 0) return;
      s.off('data', onData);
      pump(s, Number(line.slice(2, nl)));
    };
    s.on('data', onData);
  });
  const plainPort = await listen(plain);
  process.stdout.write(JSON.stringify({ tlsPort, plainPort }) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));

}

if (process.argv[2] === '--servers') {
  await startServers();
} else
main().then(
  (r) => {
    process.stdout.write(JSON.stringify(r) + '\n');
    process.exit(0);
  },
  (e) => {
    process.stdout.write(JSON.stringify({ error: String(e?.stack ?? e).slice(0, 400) }) + '\n');
    process.exit(0);
  },
);
