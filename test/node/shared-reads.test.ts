/**
 * Sockets puretls/node dials read into one buffer shared by every
 * connection (net.connect's onread), and the core processes each read
 * before the next can overwrite it, or copies what it keeps. Checked here
 * with bytes, not timing: concurrent downloads of different pseudo-random
 * streams written in odd sizes (records split every which way), TLS 1.3 and
 * 1.2, an asynchronous AEAD, a reader that stops for a while, and
 * tlsConnect's socket.
 */
import { createHash } from 'node:crypto';
import type * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, tlsConnect } from '../../src/node.js';
import { loadCert, startNodeTlsServer, type NodeTlsServer } from '../peers/index.js';
import { sha, stream } from './seeded.js';

const SIZE = 3 << 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Serves "<seed>\n" with SIZE bytes of stream(seed), in writes of 1 byte to ~40 KiB. */
function serve(socket: tls.TLSSocket): void {
  let line = '';
  socket.on('data', (d: Buffer) => {
    line += d.toString('latin1');
    const nl = line.indexOf('\n');
    if (nl < 0) return;
    const seed = Number(line.slice(0, nl));
    line = '\0';
    const data = stream(seed, SIZE);
    let at = 0;
    let step = seed;
    const pump = (): void => {
      while (at < data.length) {
        step = (step * 1103515245 + 12345) >>> 0;
        const n = Math.min(data.length - at, 1 + (step % 40_000));
        const ok = socket.write(data.subarray(at, at + n));
        at += n;
        if (!ok) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

async function download(port: number, seed: number, tls12 = false, pauseMs = 0, crypto?: 'webcrypto'): Promise<string> {
  const conn = await connect({
    ...(crypto ? { crypto } : {}),
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: loadCert('root').cert,
    sessions: false,
    ...(tls12 ? { cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256' as const] } : {}),
  });
  const writer = conn.writable.getWriter();
  await writer.write(new TextEncoder().encode(`${seed}\n`));
  const reader = conn.readable.getReader();
  const got = new Uint8Array(SIZE);
  let n = 0;
  while (n < SIZE) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`ended after ${n} bytes`);
    got.set(value, n);
    n += value.length;
    // Stop reading for a while half-way: the socket is paused, then resumed.
    if (pauseMs && n >= SIZE / 2 && n - value.length < SIZE / 2) await sleep(pauseMs);
  }
  writer.releaseLock();
  reader.releaseLock();
  await conn.close();
  return sha(got);
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

describe('the shared read buffer', () => {
  it('three concurrent TLS 1.3 downloads each get their own bytes', async () => {
    const seeds = [11, 22, 33];
    const got = await Promise.all(seeds.map((s) => download(server13.port, s)));
    expect(got).toEqual(seeds.map((s) => sha(stream(s, SIZE))));
  });

  it('with an asynchronous AEAD (webcrypto) what waits is copied, while a node-provider connection reads', async () => {
    const got = await Promise.all([download(server13.port, 99, false, 0, 'webcrypto'), download(server13.port, 98)]);
    expect(got).toEqual([sha(stream(99, SIZE)), sha(stream(98, SIZE))]);
  });

  it('TLS 1.2 downloads too, side by side with a TLS 1.3 one', async () => {
    const got = await Promise.all([download(server12.port, 44, true), download(server13.port, 55)]);
    expect(got).toEqual([sha(stream(44, SIZE)), sha(stream(55, SIZE))]);
  });

  it('a reader that stops for a while loses nothing, while another connection keeps reading', async () => {
    const got = await Promise.all([download(server13.port, 66, false, 300), download(server13.port, 77)]);
    expect(got).toEqual([sha(stream(66, SIZE)), sha(stream(77, SIZE))]);
  });

  it("tlsConnect's socket reads into it as well", async () => {
    const socket = tlsConnect({ host: '127.0.0.1', port: server13.port, servername: 'localhost', ca: loadCert('root').cert });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    socket.write('88\n');
    const hash = createHash('sha256');
    let n = 0;
    for await (const chunk of socket as AsyncIterable<Buffer>) {
      const take = Math.min(chunk.length, SIZE - n);
      hash.update(chunk.subarray(0, take));
      n += take;
      if (n >= SIZE) break;
    }
    socket.destroy();
    expect(hash.digest('hex')).toBe(sha(stream(88, SIZE)));
  });
});
