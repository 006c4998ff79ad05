/**
 * Load and leaks: N concurrent connections from one process to a local
 * Node TLS echo server (ECDSA P-256 certificate, x25519 only, to keep the
 * CPU cost low), each a handshake and an echo exchange. All complete; once
 * every connection has closed (cleanly or with an error) the heap is back
 * within a small margin, and no sockets, timers or AbortSignal listeners
 * are left behind. CI runs 200; scripts/load.mjs runs 500 on dist/.
 */
import { getEventListeners, setMaxListeners } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NodeConnectOptions } from '../../src/node.js';
import { loadCert } from '../peers/fixtures.js';

const N = Number(process.env.PURETLS_LOAD_CONNECTIONS ?? 200);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function settleHeap(): Promise<number> {
  for (let i = 0; i < 6; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

/** Live handles by kind (sockets, timers, servers); immediates come and go. */
function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (r !== 'Immediate') out[r] = (out[r] ?? 0) + 1;
  return out;
}

async function serverIdle(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const n = await new Promise<number>((resolve) => server.getConnections((_, c) => resolve(c)));
    if (n === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

let server: tls.Server;
let port: number;
const serverSockets = new Set<tls.TLSSocket>();
/** Accepts and reads, never answers (so a handshake times out whatever the speed), ends when the client does. */
let silent: net.Server;
let silentPort: number;

beforeAll(async () => {
  const id = loadCert('server-p256');
  server = tls.createServer({ cert: id.chain, key: id.key, minVersion: 'TLSv1.3', ecdhCurve: 'X25519' }, (s) => {
    serverSockets.add(s);
    s.on('close', () => serverSockets.delete(s));
    s.on('error', () => undefined);
    s.pipe(s);
  });
  server.maxConnections = 2 * N + 10;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 1024, () => resolve()));
  port = (server.address() as { port: number }).port;
  silent = net.createServer((s) => {
    s.resume();
    s.on('end', () => s.end());
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
  silentPort = (silent.address() as { port: number }).port;
});

afterAll(async () => {
  for (const s of serverSockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

function clientOptions(signal: AbortSignal): NodeConnectOptions {
  return {
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: loadCert('root').cert,
    groups: ['x25519'],
    signatureSchemes: ['ecdsa_secp256r1_sha256'],
    sessions: false,
    handshakeTimeout: 60_000,
    signal,
  };
}

/** One connection: handshake, echo, close. Resolves with the echoed text. */
async function session(i: number, signal: AbortSignal): Promise<string> {
  const conn = await connect(clientOptions(signal));
  const writer = conn.writable.getWriter();
  const reader = conn.readable.getReader();
  const msg = `ping ${i}`;
  await writer.write(new TextEncoder().encode(msg));
  let got = '';
  while (got.length < msg.length) {
    const { value, done } = await reader.read();
    if (done) break;
    got += new TextDecoder().decode(value);
  }
  writer.releaseLock();
  reader.releaseLock();
  await conn.close();
  return got;
}

describe(`load: ${N} concurrent connections`, () => {
  it('all complete, then heap, handles and listeners return to where they were', { timeout: 120_000 }, async () => {
    const shutdown = new AbortController();
    setMaxListeners(4 * N, shutdown.signal);
    // Warm up (module state, JIT): a heap leak shows beyond this, JIT code does not.
    await Promise.all(Array.from({ length: 20 }, () => session(-1, shutdown.signal)));
    await serverIdle();
    const heapBefore = await settleHeap();
    const handlesBefore = resources();

    const started = performance.now();
    const results = await Promise.allSettled(Array.from({ length: N }, (_, i) => session(i, shutdown.signal)));
    await serverIdle();
    const ms = performance.now() - started;
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed.map((r) => String((r as PromiseRejectedResult).reason)).slice(0, 3)).toEqual([]);
    expect(results.map((r) => (r as PromiseFulfilledResult<string>).value)).toEqual(results.map((_, i) => `ping ${i}`));

    // A few that fail mid-way (a server that never answers) must clean up too.
    const aborted = new AbortController();
    const failing = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        connect({ ...clientOptions(shutdown.signal), port: silentPort, signal: aborted.signal, handshakeTimeout: 50 }),
      ),
    );
    expect(failing.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'connected'))).toEqual(
      Array(10).fill('TIMEOUT'),
    );
    // The timed-out sockets half-close and wait for the server's end (src/node.ts).
    for (let i = 0; i < 100 && (await new Promise<number>((r) => silent.getConnections((_, c) => r(c)))) > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }

    await serverIdle();
    const heapAfter = await settleHeap();
    const handlesAfter = resources();
    const grew = heapAfter - heapBefore;
    console.log(
      `load: ${N} connections in ${Math.round(ms)} ms (${Math.round((N * 1000) / ms)}/s); ` +
        `heap ${(heapBefore / 2 ** 20).toFixed(1)} -> ${(heapAfter / 2 ** 20).toFixed(1)} MiB`,
    );
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(aborted.signal, 'abort')).toHaveLength(0);
    expect(handlesAfter).toEqual(handlesBefore);
    expect(grew).toBeLessThan(4 * 2 ** 20);
  });
});
