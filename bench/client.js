// Runs one benchmark cell in a fresh process (so JIT state, heap and CPU
// accounting belong to that cell alone) and prints one JSON line.
//
//   node bench/client.js '{"impl":"puretls-webcrypto","kase":"handshake","port":1234,...}'
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { makeClient } from './adapters.js';

const spec = JSON.parse(process.argv[2]);
const ca = readFileSync(path.join(spec.fixtures, 'trusted-roots.pem'), 'utf8');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const settle = () => new Promise((r) => setImmediate(r));

async function handshakes(client, resume) {
  const { port, suite, n, warmup } = spec;
  const open = async () => {
    client.takePrimitiveMs?.();
    const t0 = performance.now();
    const c0 = cpuMs();
    const conn = await client.connect({ port, suite, resume });
    const cpu = cpuMs() - c0;
    const ms = performance.now() - t0;
    // Time inside the crypto provider during this handshake (puretls only).
    const prim = client.takePrimitiveMs?.();
    // A round trip: the connection works, and tickets have arrived.
    await conn.write(Buffer.from('P\n'));
    if ((await conn.readLine()) !== 'P') throw new Error('bad ping reply');
    await conn.close();
    await settle();
    return { ms, cpu, prim, resumed: conn.resumed };
  };
  for (let i = 0; i < warmup; i++) await open();
  const runs = [];
  for (let i = 0; i < n; i++) runs.push(await open());
  return {
    latencyMs: median(runs.map((r) => r.ms)),
    cpuMs: median(runs.map((r) => r.cpu)),
    resumedFraction: runs.filter((r) => r.resumed).length / runs.length,
    // Medians of the time inside the provider's calls, and of the rest of the client's CPU, per handshake.
    ...(runs[0].prim !== undefined
      ? { primitiveMs: median(runs.map((r) => r.prim)), overheadMs: median(runs.map((r) => r.cpu - r.prim)) }
      : {}),
    samples: runs.length,
  };
}

async function bulk(client, direction) {
  const { port, suite, bytes, reps } = spec;
  const conn = await client.connect({ port, suite, resume: false });
  const chunk = new Uint8Array(64 * 1024).fill(0x62);
  const once = async (size) => {
    const t0 = performance.now();
    if (direction === 'download') {
      await conn.write(Buffer.from(`D ${size}\n`));
      await conn.readBytes(size);
    } else {
      await conn.write(Buffer.from(`U ${size}\n`));
      for (let left = size; left > 0; left -= chunk.length) {
        await conn.write(left >= chunk.length ? chunk : chunk.subarray(0, left));
      }
      if ((await conn.readLine()) !== 'K') throw new Error('bad upload reply');
    }
    return performance.now() - t0;
  };
  await once(Math.min(bytes / 4, 4 << 20)); // warm-up
  const times = [];
  const cpus = [];
  for (let i = 0; i < reps; i++) {
    const c0 = cpuMs();
    times.push(await once(bytes));
    cpus.push(cpuMs() - c0);
  }
  await conn.close();
  const ms = median(times);
  const cpu = median(cpus);
  // CPU per MiB is steadier than wall time on a shared machine.
  return { mbPerSec: bytes / 1e6 / (ms / 1000), cpuMsPerMiB: cpu / (bytes / 2 ** 20), ms, bytes, reps };
}

async function idle(client) {
  const { port, suite, n } = spec;
  const gc = globalThis.gc;
  if (!gc) throw new Error('run with --expose-gc');
  // One connection first, so code and caches are loaded before the baseline.
  const first = await client.connect({ port, suite, resume: false });
  await first.write(Buffer.from('P\n'));
  await first.readLine();
  await first.close();
  for (let i = 0; i < 3; i++) {
    gc();
    await settle();
  }
  const before = process.memoryUsage();
  const conns = [];
  for (let i = 0; i < n; i++) {
    const c = await client.connect({ port, suite, resume: false });
    await c.write(Buffer.from('P\n'));
    await c.readLine();
    await c.write(Buffer.from('I\n')); // idle from here on
    conns.push(c);
  }
  await new Promise((r) => setTimeout(r, 200));
  for (let i = 0; i < 3; i++) {
    gc();
    await settle();
  }
  const after = process.memoryUsage();
  const per = (k) => (after[k] - before[k]) / n;
  const result = {
    connections: n,
    heapPerConn: per('heapUsed'),
    externalPerConn: per('external'),
    rssPerConn: per('rss'),
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
  for (const c of conns) await c.close().catch(() => undefined);
  return result;
}

async function main() {
  const client = await makeClient(spec.impl, { ca });
  const why = client.unsupported(spec.kase, spec.suite);
  if (why) return { unsupported: why };
  switch (spec.kase) {
    case 'handshake':
      return handshakes(client, false);
    case 'resumed':
      return handshakes(client, true);
    case 'download':
    case 'upload':
      return bulk(client, spec.kase);
    case 'idle':
      return idle(client);
    default:
      throw new Error(`unknown case ${spec.kase}`);
  }
}

main().then(
  (r) => {
    process.stdout.write(JSON.stringify(r) + '\n');
    process.exit(0);
  },
  (e) => {
    process.stdout.write(JSON.stringify({ error: String(e?.message ?? e).slice(0, 200) }) + '\n');
    process.exit(0);
  },
);
