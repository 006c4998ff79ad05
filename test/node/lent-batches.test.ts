/**
 * puretls/node seals batches of records into buffers the socket transport
 * lends and takes back once the socket wrote them (at once, or after
 * 'drain'). Checked with bytes: concurrent uploads of different
 * pseudo-random streams, one to a server that stops reading for a while (so
 * writes stay queued in the socket while more batches are sealed), TLS 1.3
 * and 1.2, and tlsConnect's socket; the server hashes what it decrypted.
 */
import { createHash } from 'node:crypto';
import type * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, tlsConnect } from '../../src/node.js';
import { loadCert, startNodeTlsServer, type NodeTlsServer } from '../peers/index.js';
import { sha, stream } from './seeded.js';

const SIZE = 6 << 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Reads "<pauseMs>\n" then SIZE bytes, answers with their SHA-256. With a
 * pause it stops reading for that long after the first MiB.
 */
function serve(socket: tls.TLSSocket): void {
  let head: string | null = '';
  let pauseMs = 0;
  let got = 0;
  let paused = false;
  const hash = createHash('sha256');
  socket.on('data', (d: Buffer) => {
    if (head !== null) {
      head += d.toString('latin1');
      const nl = head.indexOf('\n');
      if (nl < 0) return;
      pauseMs = Number(head.slice(0, nl));
      d = Buffer.from(head.slice(nl + 1), 'latin1');
      head = null;
    }
    hash.update(d);
    got += d.length;
    if (pauseMs && !paused && got >= 1 << 20) {
      paused = true;
      socket.pause();
      setTimeout(() => socket.resume(), pauseMs);
    }
    if (got >= SIZE) socket.write(`${hash.digest('hex')}\n`);
  });
}

async function upload(port: number, seed: number, pauseMs = 0, tls12 = false): Promise<string> {
  const conn = await connect({
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: loadCert('root').cert,
    sessions: false,
    ...(tls12 ? { cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256' as const] } : {}),
  });
  const writer = conn.writable.getWriter();
  await writer.write(new TextEncoder().encode(`${pauseMs}\n`));
  const data = stream(seed, SIZE);
  // Writes of 300 KiB (more than one batch), then odd sizes.
  for (let at = 0, i = 0; at < SIZE; i++) {
    const n = Math.min(SIZE - at, i % 3 === 0 ? 300 * 1024 : 70_001 + i);
    await writer.ready;
    void writer.write(data.subarray(at, at + n)).catch(() => undefined);
    at += n;
  }
  const reader = conn.readable.getReader();
  let reply = '';
  while (!reply.includes('\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    reply += new TextDecoder().decode(value);
  }
  writer.releaseLock();
  reader.releaseLock();
  await conn.close();
  return reply.trim();
}

let server13: NodeTlsServer;
let server12: NodeTlsServer;
beforeAll(async () => {
  server13 = await startNodeTlsServer({ fixture: 'server-p256', mode: 'custom', onSecureConnection: serve });
  server12 = await startNodeTlsServer({
    fixture: 'server-p256',
    mode: 'custom',
    maxVersion: 'TLSv1.2',
    ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256',
    onSecureConnection: serve,
  });
});
afterAll(async () => {
  await server13?.stop();
  await server12?.stop();
});

describe('lent batch buffers', () => {
  it('concurrent uploads, one to a server that stops reading for a while, arrive intact', async () => {
    const got = await Promise.all([upload(server13.port, 1, 400), upload(server13.port, 2), upload(server12.port, 3, 200, true)]);
    expect(got).toEqual([sha(stream(1, SIZE)), sha(stream(2, SIZE)), sha(stream(3, SIZE))]);
  });

  it("tlsConnect's socket uses them too", async () => {
    const socket = tlsConnect({ host: '127.0.0.1', port: server13.port, servername: 'localhost', ca: loadCert('root').cert });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    const data = stream(4, SIZE);
    socket.write('300\n');
    for (let at = 0; at < SIZE; at += 256 * 1024) {
      if (!socket.write(data.subarray(at, at + 256 * 1024))) await new Promise((r) => socket.once('drain', r));
    }
    let reply = '';
    for await (const chunk of socket as AsyncIterable<Buffer>) {
      reply += chunk.toString();
      if (reply.includes('\n')) break;
    }
    socket.destroy();
    await sleep(10);
    expect(reply.trim()).toBe(sha(data));
  });
});
