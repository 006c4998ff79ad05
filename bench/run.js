// `npm run bench`: puretls (each provider) against Node's native TLS and the
// JavaScript TLS clients subtls and @reclaimprotocol/tls, side by side, on
// loopback, against a Node TLS 1.3 server in its own process.
//
//   BENCH_QUICK=1   smaller sizes and fewer repetitions (a few minutes; full mode ~11)
//   BENCH_ONLY=puretls-webcrypto,node-tls   only these clients
//   BENCH_CASES=handshake,download          only these cases
//
// Every cell runs in a fresh process; latencies and throughputs are medians
// of repeated runs. Prints tables and writes bench/results/<time>.json.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { IMPLS } from './adapters.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const QUICK = process.env.BENCH_QUICK === '1';
const SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
/** Against the server pinned to TLS 1.2 (bench/server.js). */
const TLS12_SUITES = ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'];
const AEAD_OF = {
  TLS_AES_128_GCM_SHA256: 'AES-128-GCM',
  TLS_AES_256_GCM_SHA384: 'AES-256-GCM',
  TLS_CHACHA20_POLY1305_SHA256: 'CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'AES-128-GCM',
};
const PROVIDERS = ['noble', 'webcrypto', 'node'];
/** A suite's short name in target labels. */
const suiteLabel = (suite) => (TLS12_SUITES.includes(suite) ? `TLS 1.2 ${AEAD_OF[suite]}` : AEAD_OF[suite]);
const P = QUICK
  ? { hsN: 8, warmup: 2, bulkBytes: 4 << 20, bulkReps: 3, bulkProcs: 1, idleN: 100, primBudget: 150, browserMiB: 8, timeoutMs: 60_000 }
  : { hsN: 40, warmup: 5, bulkBytes: 64 << 20, bulkReps: 3, bulkProcs: 3, idleN: 1000, primBudget: 600, browserMiB: 64, timeoutMs: 300_000 };

const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
const onlyCases = process.env.BENCH_CASES?.split(',').filter(Boolean);
const impls = Object.keys(IMPLS).filter((i) => !only || only.includes(i));
const wanted = (kase) => !onlyCases || onlyCases.includes(kase);

// ---------------------------------------------------------------- processes

function runNode(args, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--no-deprecation', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop();
      try {
        resolve(JSON.parse(line));
      } catch {
        const why = err.split('\n').find((l) => /Error|error:/.test(l)) ?? err.trim().split('\n').pop() ?? '';
        const last = err.trim().split('\n').pop() ?? '';
        resolve({ error: signal ? `timed out after ${timeoutMs / 1000} s${last ? ` (last said: ${last.slice(0, 120)})` : ''}` : `exit ${code}: ${why.trim()}` });
      }
    });
  });
}

async function startServer(fixtures) {
  const child = spawn(process.execPath, ['bench/server.js', fixtures], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const ports = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)).ports);
    });
    child.on('exit', (code) => reject(new Error(`bench server exited (${code})`)));
  });
  return { ports, stop: () => child.kill('SIGTERM') };
}

// ---------------------------------------------------------------- the run

const log = (s) => process.stderr.write(s + '\n');

async function main() {
  const { generateTestCerts } = await import(pathToFileURL(path.join(ROOT, 'scripts', 'gen-test-certs.mjs')).href);
  const fixtures = (await generateTestCerts({ dir: path.join(ROOT, 'test', 'fixtures', 'generated') })).dir;
  const started = new Date();
  const env = {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    loadAvgStart: loadavg(),
    mode: QUICK ? 'quick' : 'full',
    params: P,
  };
  log(`puretls bench (${env.mode}) on ${env.node}, ${env.cpus} CPUs, load ${env.loadAvgStart.map((x) => x.toFixed(2)).join(' ')}`);

  const primitives = {};
  for (const provider of PROVIDERS) {
    log(`primitives: ${provider}`);
    primitives[provider] = await runNode(
      ['bench/primitives.js', JSON.stringify({ provider, budgetMs: P.primBudget })],
      P.timeoutMs,
    );
  }

  const server = await startServer(fixtures);
  const cells = [];
  const base = { fixtures, warmup: P.warmup };
  const plan = [];
  if (wanted('handshake')) {
    for (const chain of ['ecdsa', 'rsa']) {
      plan.push({ kase: 'handshake', chain, suite: SUITES[0], n: P.hsN, label: `full handshake, ${chain === 'ecdsa' ? 'ECDSA P-256' : 'RSA-2048'} chain` });
    }
    plan.push({ kase: 'handshake', chain: 'ecdsa', suite: TLS12_SUITES[0], n: P.hsN, label: 'full handshake, TLS 1.2, ECDSA P-256 chain' });
  }
  if (wanted('resumed')) plan.push({ kase: 'resumed', chain: 'ecdsa', suite: SUITES[0], n: P.hsN, label: 'resumed handshake (PSK + x25519)' });
  for (const kase of ['download', 'upload']) {
    if (!wanted(kase)) continue;
    for (const suite of [...SUITES, ...TLS12_SUITES]) {
      plan.push({ kase, chain: 'ecdsa', suite, bytes: P.bulkBytes, reps: P.bulkReps, label: `${kase} ${P.bulkBytes >> 20} MiB, ${suite}` });
    }
  }
  if (wanted('idle')) plan.push({ kase: 'idle', chain: 'ecdsa', suite: SUITES[0], n: P.idleN, label: `${P.idleN} idle connections` });

  // Chromium: the browser bundle in a headless page over the relay, next to the page's own means (bench/browser.js).
  let browser = null;
  if (wanted('browser')) {
    log('browser: Chromium');
    browser = await runNode(['bench/browser.js', JSON.stringify({ fixtures, mib: P.browserMiB, reps: P.bulkReps, hsN: P.hsN })], P.timeoutMs);
    log(`  ${browser.error ? `error: ${browser.error}` : browser.unsupported ? `n/a: ${browser.unsupported}` : 'done'}`);
  }

  try {
    for (const cell of plan) {
      // A transfer's speed moves from one process to the next (by up to half on a busy
      // 2-core machine, for every client): bulk cells run in several processes, the
      // clients taking turns, and report the median process.
      const procs = cell.kase === 'download' || cell.kase === 'upload' ? P.bulkProcs : 1;
      const runs = new Map(impls.map((i) => [i, []]));
      for (let p = 0; p < procs; p++) {
        for (const impl of impls) {
          const port = server.ports[`${cell.chain}/${cell.suite}`];
          const spec = { ...base, ...cell, impl, port };
          const t = performance.now();
          const result = await runNode(['--expose-gc', 'bench/client.js', JSON.stringify(spec)], P.timeoutMs);
          log(`  ${cell.label} / ${impl}: ${summary(cell.kase, result)} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
          runs.get(impl).push(result);
        }
      }
      for (const impl of impls) cells.push({ ...cell, impl, result: medianRun(runs.get(impl)) });
    }
  } finally {
    server.stop();
  }
  env.loadAvgEnd = loadavg();
  env.seconds = (Date.now() - started.getTime()) / 1000;

  const targets = evaluate(cells, primitives, browser);
  const report = { started: started.toISOString(), env, primitives, cells, browser, targets };
  printTables(report);
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${started.toISOString().replace(/[:.]/g, '-')}${QUICK ? '-quick' : ''}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2));
  writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(report, null, 2));
  log(`\nwrote ${path.relative(ROOT, file)} (${env.seconds.toFixed(0)} s; load ${env.loadAvgEnd.map((x) => x.toFixed(2)).join(' ')})`);
}

/** The process with the median throughput (one result as is); all processes' figures are kept. */
function medianRun(results) {
  if (results.length === 1) return results[0];
  const good = results.filter((r) => !r.error && !r.unsupported);
  if (!good.length) return results[0];
  const sorted = [...good].sort((a, b) => a.mbPerSec - b.mbPerSec);
  const mid = sorted[(sorted.length - 1) >> 1];
  return { ...mid, processes: results.map((r) => (r.error ? { error: r.error } : { mbPerSec: r.mbPerSec, cpuMsPerMiB: r.cpuMsPerMiB })) };
}

// ---------------------------------------------------------------- formatting

const f1 = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

function summary(kase, r) {
  if (r.unsupported) return `n/a (${r.unsupported})`;
  if (r.error) return `error: ${r.error}`;
  if (kase === 'handshake' || kase === 'resumed') {
    const resumed = kase === 'resumed' && r.resumedFraction < 1 ? ` [resumed ${Math.round(r.resumedFraction * 100)}%]` : '';
    return `${f1(r.latencyMs)} ms, ${f1(r.cpuMs)} ms CPU${resumed}`;
  }
  if (kase === 'download' || kase === 'upload') return `${f1(r.mbPerSec)} MB/s`;
  if (kase === 'idle') return `${f1(r.heapPerConn / 1024)} KiB heap, ${f1(r.externalPerConn / 1024)} KiB external, ${f1(r.rssPerConn / 1024)} KiB RSS per conn; peak RSS ${f1(r.peakRssMB)} MB`;
  return JSON.stringify(r);
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => '| ' + cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n');
}

function cellText(kase, r, metric) {
  if (!r) return '';
  if (r.unsupported) return `n/a: ${r.unsupported}`;
  if (r.error) return `error: ${r.error.slice(0, 40)}`;
  if (r[metric] === undefined) return '';
  const v = r[metric];
  if (metric === 'heapPerConn' || metric === 'externalPerConn' || metric === 'rssPerConn') return `${f1(v / 1024)} KiB`;
  if (metric === 'peakRssMB') return `${f1(v)} MB`;
  if (metric === 'mbPerSec') return `${f1(v)} MB/s`;
  let s = `${f1(v)} ms`;
  if (kase === 'resumed' && metric === 'latencyMs' && r.resumedFraction < 1) s += ` (resumed ${Math.round(r.resumedFraction * 100)}%)`;
  return s;
}

function printTables({ env, primitives, cells, browser, targets }) {
  const out = [];
  out.push(`\n## puretls benchmark (${env.mode}), node ${env.node}, ${env.cpus} CPUs (${env.cpuModel})`);
  out.push(`load average at start ${env.loadAvgStart.map((x) => x.toFixed(2)).join(' ')}, at end ${env.loadAvgEnd.map((x) => x.toFixed(2)).join(' ')}\n`);
  const metrics = {
    handshake: [
      ['latencyMs', 'latency'],
      ['cpuMs', 'client CPU'],
      ['primitiveMs', 'of which inside the crypto provider'],
    ],
    resumed: [
      ['latencyMs', 'latency'],
      ['cpuMs', 'client CPU'],
    ],
    download: [['mbPerSec', '']],
    upload: [['mbPerSec', '']],
    idle: [
      ['heapPerConn', 'JS heap / conn'],
      ['externalPerConn', 'external (buffers) / conn'],
      ['rssPerConn', 'RSS / conn'],
      ['peakRssMB', 'peak RSS'],
    ],
  };
  const labels = [...new Set(cells.map((c) => c.label))];
  const rows = [];
  for (const label of labels) {
    const group = cells.filter((c) => c.label === label);
    for (const [metric, name] of metrics[group[0].kase]) {
      rows.push([
        name ? `${label}: ${name}` : label,
        ...impls.map((i) => cellText(group[0].kase, group.find((c) => c.impl === i)?.result, metric)),
      ]);
    }
  }
  out.push(table(['case', ...impls], rows));

  if (browser && !browser.error && !browser.unsupported) {
    const d = browser.download;
    const h = browser.handshake;
    out.push(`\n### Chromium ${browser.chromium} (headless), one page, ${browser.mib} MiB downloads (median of ${browser.reps})\n`);
    out.push(
      table(
        ['case', 'puretls (browser bundle, WebCrypto) over the relay', 'the same in a Worker: chunks transferred to the page / counted in the worker', 'relay, plain bytes', 'fetch() over HTTPS', 'WebCrypto AES-128-GCM, 16 KiB records'],
        [
          ['download', `${f1(d.puretls)} MB/s`, `${f1(d.puretlsWorker)} / ${f1(d.puretlsWorkerCountOnly)} MB/s`, `${f1(d.relayPlain)} MB/s`, `${f1(d.fetch)} MB/s`, `${f1(d.webcryptoAes128Gcm)} MB/s (8 in flight), ${f1(d.webcryptoAes128GcmSerial)} MB/s (serial)`],
          ['new connection: connect (puretls: WebSocket + relay TCP + TLS; fetch: TCP + TLS)', `${f1(h.puretlsConnectMs)} ms`, '', '', h.fetchConnectMs === null ? '' : `${f1(h.fetchConnectMs)} ms (TLS ${f1(h.fetchTlsMs)} ms)`, ''],
          ['new connection: a small request, first byte to last', `${f1(h.puretlsRequestMs)} ms`, '', '', `${f1(h.fetchRequestMs)} ms`, ''],
        ],
      ),
    );
  } else if (browser) out.push(`\n### Chromium: ${browser.error ?? `n/a: ${browser.unsupported}`}`);
  out.push('\n### Primitives, through the CryptoProvider interface (AEAD: 16 KiB records, all bytes over all time; the rest: median per operation)\n');
  const keys = Object.keys(primitives.noble ?? primitives.webcrypto ?? {}).filter((k) => k !== 'provider');
  out.push(
    table(
      ['primitive', ...PROVIDERS],
      keys.map((k) => [k, ...PROVIDERS.map((p) => (typeof primitives[p]?.[k] === 'number' ? f1(primitives[p][k]) : primitives[p]?.error ?? ''))]),
    ),
  );
  out.push('\n### Targets\n');
  out.push(table(['target', 'measured', 'met'], targets.map((t) => [t.target, t.measured, t.met === null ? 'n/a' : t.met ? 'yes' : 'NO'])));
  process.stdout.write(out.join('\n') + '\n');
}

// ---------------------------------------------------------------- targets

function evaluate(cells, prim, browser) {
  const get = (kase, impl, extra = {}) =>
    cells.find((c) => c.kase === kase && c.impl === impl && Object.entries(extra).every(([k, v]) => c[k] === v))?.result;
  const ok = (r) => r && !r.error && !r.unsupported;
  const out = [];
  const add = (target, measured, met) => out.push({ target, measured, met });

  for (const provider of PROVIDERS) {
    const impl = `puretls-${provider}`;
    const p = prim[provider];
    if (!p || p.error) continue;
    // Bulk vs raw AEAD.
    for (const suite of [...SUITES, ...TLS12_SUITES]) {
      const aead = AEAD_OF[suite];
      for (const [kase, op] of [
        ['download', 'open'],
        ['upload', 'seal'],
      ]) {
        const r = get(kase, impl, { suite });
        if (!ok(r)) continue;
        const raw = p[`${aead} ${op} MB/s`];
        const ratio = r.mbPerSec / raw;
        add(`${impl} ${kase} ${suiteLabel(suite)} >= 90% of raw ${op}`, `${f1(r.mbPerSec)} / ${f1(raw)} MB/s = ${(ratio * 100).toFixed(0)}%`, ratio >= 0.9);
      }
    }
    // Handshake CPU vs primitive operations.
    const kx = p['x25519 keygen ms'] + p['x25519 agree ms'];
    const sums = {
      ecdsa: kx + 3 * p['ECDSA P-256 verify ms'],
      rsa: kx + 2 * p['RSA-2048 PKCS1 verify ms'] + p['RSA-2048 PSS verify ms'],
    };
    for (const chain of ['ecdsa', 'rsa']) {
      const r = get('handshake', impl, { chain, suite: SUITES[0] });
      if (!ok(r)) continue;
      // Issue 12: the sum of its primitives is key exchange and signature verifications (from the microbenchmarks).
      const ratio = r.cpuMs / sums[chain];
      add(
        `${impl} ${chain} handshake CPU <= 1.3x primitives`,
        `${f1(r.cpuMs)} ms vs ${f1(sums[chain])} ms = ${ratio.toFixed(2)}x`,
        ratio <= 1.3,
      );
      // For information: every call into the provider (also hashing, HMAC, AEAD), timed inside the same handshakes.
      if (r.primitiveMs !== undefined && provider !== 'webcrypto') {
        add(
          `${impl} ${chain} handshake CPU vs time inside the provider, same handshakes`,
          `${f1(r.cpuMs)} ms vs ${f1(r.primitiveMs)} ms = ${(r.cpuMs / r.primitiveMs).toFixed(2)}x (rest ${f1(r.overheadMs)} ms)`,
          null,
        );
      }
    }
    // Idle memory.
    const idle = get('idle', impl);
    if (ok(idle)) {
      add(
        `${impl} <= 64 KiB heap per idle connection`,
        `${f1(idle.heapPerConn / 1024)} KiB heap (+${f1(idle.externalPerConn / 1024)} KiB external)`,
        idle.heapPerConn <= 64 * 1024,
      );
    }
  }

  // Versus the other JavaScript clients, and the native limit.
  const better = (kase, extra, metric, higher) => {
    for (const rival of ['subtls', 'reclaim-webcrypto', 'reclaim-purejs']) {
      const theirs = get(kase, rival, extra);
      if (!ok(theirs)) continue;
      // The pure-JS rival is compared with the pure-JS provider too.
      for (const impl of rival === 'reclaim-purejs' ? ['puretls-noble', 'puretls-webcrypto'] : ['puretls-webcrypto']) {
        const ours = get(kase, impl, extra);
        if (!ok(ours)) continue;
        const a = ours[metric];
        const b = theirs[metric];
        add(
          `${impl} faster than ${rival}: ${kase}${extra.chain ? ` ${extra.chain}` : ''}${extra.suite && kase !== 'handshake' ? ` ${AEAD_OF[extra.suite]}` : ''}`,
          `${f1(a)} vs ${f1(b)} ${metric === 'mbPerSec' ? 'MB/s' : 'ms'}`,
          higher ? a > b : a < b,
        );
      }
    }
  };
  for (const chain of ['ecdsa', 'rsa']) better('handshake', { chain, suite: SUITES[0] }, 'latencyMs', false);
  better('resumed', {}, 'latencyMs', false);
  for (const suite of SUITES) {
    better('download', { suite }, 'mbPerSec', true);
    better('upload', { suite }, 'mbPerSec', true);
  }

  const web = 'puretls-webcrypto';
  for (const chain of ['ecdsa', 'rsa']) {
    const ours = get('handshake', web, { chain, suite: SUITES[0] });
    const native = get('handshake', 'node-tls', { chain, suite: SUITES[0] });
    if (ok(ours) && ok(native)) {
      const ratio = ours.latencyMs / native.latencyMs;
      add(`${web} ${chain} handshake latency <= 3x native tls`, `${f1(ours.latencyMs)} vs ${f1(native.latencyMs)} ms = ${ratio.toFixed(2)}x`, ratio <= 3);
    }
  }
  for (const suite of SUITES) {
    for (const kase of ['download', 'upload']) {
      const ours = get(kase, web, { suite });
      const native = get(kase, 'node-tls', { suite });
      if (ok(ours) && ok(native)) {
        const ratio = ours.mbPerSec / native.mbPerSec;
        add(
          `${web} ${kase} ${AEAD_OF[suite]} >= 25% of native tls`,
          `${f1(ours.mbPerSec)} vs ${f1(native.mbPerSec)} MB/s = ${(ratio * 100).toFixed(0)}%`,
          ratio >= 0.25,
        );
      }
    }
  }
  // Issue #12: the node provider (the default under Node) against Node's own TLS.
  const nodeProv = 'puretls-node';
  for (const [chain, suite] of [
    ['ecdsa', SUITES[0]],
    ['rsa', SUITES[0]],
    ['ecdsa', TLS12_SUITES[0]],
  ]) {
    const ours = get('handshake', nodeProv, { chain, suite });
    const native = get('handshake', 'node-tls', { chain, suite });
    if (ok(ours) && ok(native)) {
      const ratio = ours.latencyMs / native.latencyMs;
      const what = `${chain}${TLS12_SUITES.includes(suite) ? ' TLS 1.2' : ''}`;
      add(`${nodeProv} ${what} handshake latency <= 1.5x native tls`, `${f1(ours.latencyMs)} vs ${f1(native.latencyMs)} ms = ${ratio.toFixed(2)}x`, ratio <= 1.5);
    }
  }
  for (const suite of [...SUITES, ...TLS12_SUITES]) {
    for (const kase of ['download', 'upload']) {
      const ours = get(kase, nodeProv, { suite });
      const native = get(kase, 'node-tls', { suite });
      if (ok(ours) && ok(native)) {
        const ratio = ours.mbPerSec / native.mbPerSec;
        add(
          `${nodeProv} ${kase} ${suiteLabel(suite)} >= 50% of native tls`,
          `${f1(ours.mbPerSec)} vs ${f1(native.mbPerSec)} MB/s = ${(ratio * 100).toFixed(0)}%`,
          ratio >= 0.5,
        );
      }
    }
  }
  // Issue 12, Chromium: the bundle's download against the relay carrying plain bytes, in the same page.
  if (browser?.download) {
    const d = browser.download;
    const h = browser.handshake;
    add('Chromium: puretls download >= 85% of the relay carrying plain bytes', `${f1(d.puretls)} vs ${f1(d.relayPlain)} MB/s = ${((d.puretls / d.relayPlain) * 100).toFixed(0)}%`, d.puretls >= 0.85 * d.relayPlain);
    const pct = (x) => `${((x / d.relayPlain) * 100).toFixed(0)}%`;
    add(
      'Chromium: the same download with the connection in a Worker, next to the relay carrying plain bytes',
      `chunks transferred to the page ${f1(d.puretlsWorker)} MB/s = ${pct(d.puretlsWorker)}; counted in the worker ${f1(d.puretlsWorkerCountOnly)} MB/s = ${pct(d.puretlsWorkerCountOnly)}`,
      null,
    );
    add(
      "Chromium: puretls new connection next to the browser's own (fetch)",
      `connect ${f1(h.puretlsConnectMs)} vs ${h.fetchConnectMs === null ? '?' : f1(h.fetchConnectMs)} ms; request ${f1(h.puretlsRequestMs)} vs ${f1(h.fetchRequestMs)} ms`,
      null,
    );
  }
  return out;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
