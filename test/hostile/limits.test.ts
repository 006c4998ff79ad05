/**
 * Resource limits with safe defaults, and what a hostile server cannot make
 * puretls buffer or compute: length claims, slow readers, slow networks,
 * tiny records.
 */
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Limits } from '../../src/options.js';
import { connect, type NodeConnectOptions } from '../../src/node.js';
import { HandshakeReassembler } from '../../src/record/reassembly.js';
import { ContentType as CT, HandshakeType as HT } from '../../src/handshake/constants.js';
import { rawRecord, ScriptedServer } from '../peers/scripted-server.js';
import { clientOptions } from './harness.js';

let server: ScriptedServer;
beforeAll(async () => {
  server = await ScriptedServer.start();
});
afterAll(() => server.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function dial(port: number): Promise<net.Socket> {
  const s = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve);
    s.once('error', reject);
  });
  return s;
}

function options(name: string, socket: net.Socket, limits: Limits = {}): NodeConnectOptions {
  return { ...clientOptions(server.port, name), socket, limits, handshakeTimeout: 10_000 };
}

describe('handshake message limits', () => {
  it('reassembly: a 64 KiB message in one-byte records is reassembled in linear time', () => {
    const n = 65532;
    const r = new HandshakeReassembler(131072);
    const started = performance.now();
    r.push(Uint8Array.of(HT.certificate, n >> 16, (n >> 8) & 0xff, n & 0xff));
    const one = Uint8Array.of(0);
    let done = 0;
    for (let i = 0; i < n; i++) done += r.push(one).length;
    const ms = performance.now() - started;
    expect(done).toBe(1);
    // Linear is tens of milliseconds; copying everything again per record is seconds.
    expect(ms).toBeLessThan(1000);
  });

  it('a length claim of 16 MiB under a 16 MiB limit allocates only what arrived', async () => {
    let grew = -1;
    const job = server.next(async (p) => {
      await p.readClientHello();
      const before = process.memoryUsage().arrayBuffers;
      // A ServerHello header claiming 0xfffff0 bytes, 1000 bytes of it, then silence.
      p.write(rawRecord(CT.handshake, new Uint8Array([HT.server_hello, 0xff, 0xff, 0xf0, ...new Uint8Array(996)])));
      await sleep(300);
      grew = process.memoryUsage().arrayBuffers - before;
    });
    const socket = await dial(server.port);
    const err = await connect({ ...options('16 MiB claim', socket, { maxHandshakeMessage: 1 << 24 }), handshakeTimeout: 600 }).catch((e: unknown) => e);
    await job;
    expect(err).toMatchObject({ code: 'TIMEOUT' });
    expect(grew).toBeGreaterThanOrEqual(-(1 << 30));
    expect(grew).toBeLessThan(4 << 20);
  });
});

describe('limit options', () => {
  it('a limit that is not a positive integer is refused with BAD_CONFIG', async () => {
    for (const limits of [{ maxHandshakeMessage: 0 }, { maxCertificateChain: 1.5 }, { maxPostHandshakePerSecond: -1 }, { maxBufferedPlaintext: Number.NaN }]) {
      const socket = await dial(server.port);
      const err = await connect(options('bad limits', socket, limits)).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'BAD_CONFIG' });
      socket.destroy();
    }
  });
});

describe('limit options, through a dialled socket', () => {
  it('a bad limit leaves no socket open', async () => {
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const before = sockets();
    let during = -1;
    const job = server.next(async (p) => {
      await sleep(300); // hold the server side open: only the client's socket may close
      during = sockets();
      p.destroy();
    });
    const err = await connect({ ...clientOptions(server.port, 'bad limits dialled'), limits: { maxBufferedCiphertext: -5 } }).catch((e: unknown) => e);
    // Refusing before dialling is as good as closing what was dialled.
    await Promise.race([job.catch(() => undefined), sleep(600)]);
    server.clearPending();
    await job.catch(() => undefined);
    // Only the server's end of the connection may be left while the script holds it.
    if (during !== -1) expect(during - before, 'client sockets left open').toBeLessThanOrEqual(1);
    expect(err).toMatchObject({ code: 'BAD_CONFIG' });
  });
});

describe('buffered plaintext (a reader that does not read)', () => {
  const TOTAL = 3 << 20;

  /** Server floods TOTAL bytes; the client does not read for a while. Returns the client socket's bytesRead then. */
  async function flood(name: string, limits: Limits, crypto?: 'webcrypto'): Promise<{ bytesRead: number; received: number }> {
    let flooded!: () => void;
    const allSent = new Promise<void>((r) => (flooded = r));
    const job = server.next(async (p) => {
      await p.handshake();
      const chunk = new Uint8Array(16384).fill(0x5a);
      for (let sent = 0; sent < TOTAL; sent += chunk.length) await p.sendAppData(chunk);
      await p.sendAlert('close_notify', 1);
      flooded();
    });
    const socket = await dial(server.port);
    const conn = await connect({ ...options(name, socket, limits), ...(crypto ? { crypto } : {}) });
    // Everything is written (into kernel and userland buffers); give the client time to take what it will.
    await allSent;
    await sleep(300);
    const bytesRead = socket.bytesRead;
    let received = 0;
    for await (const c of conn.readable) received += c.length;
    await job;
    await conn.close();
    return { bytesRead, received };
  }

  it('buffered plaintext: with the default limit the network is paused, nothing is lost', async () => {
    const r = await flood('plaintext default', {});
    expect(r.bytesRead).toBeLessThan(512 * 1024);
    expect(r.received).toBe(TOTAL);
  });

  it('buffered plaintext: with an asynchronous AEAD (webcrypto) the network is paused too', async () => {
    const r = await flood('plaintext webcrypto', {}, 'webcrypto');
    expect(r.bytesRead).toBeLessThan(512 * 1024);
    expect(r.received).toBe(TOTAL);
  });

  it('buffered plaintext: limits.maxBufferedPlaintext raises the bound', async () => {
    const r = await flood('plaintext 2 MiB', { maxBufferedPlaintext: 2 << 20 });
    expect(r.bytesRead).toBeGreaterThan(1 << 20);
    expect(r.received).toBe(TOTAL);
  });
});

describe('buffered ciphertext (a network that does not drain)', () => {
  /** The server stops reading; the client writes until writes stall. Returns what the client holds (puretls and the socket). */
  async function stall(name: string, limits: Limits): Promise<number> {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const job = server.next(async (p) => {
      await p.handshake();
      p.socket.pause();
      await released;
      p.destroy();
    });
    const socket = await dial(server.port);
    const conn = await connect(options(name, socket, limits));
    const writer = conn.writable.getWriter();
    const chunk = new Uint8Array(16384).fill(0x33);
    let accepted = 0;
    let held = 0;
    for (let i = 0; i < 4096; i++) {
      const w = writer.write(chunk);
      const r = await Promise.race([w.then(() => 'ok' as const), sleep(1000).then(() => 'stalled' as const)]);
      if (r === 'stalled') {
        // What the client holds in userland: puretls's buffers and the socket's (records
        // go straight to the socket, whose bytesWritten counts what it buffers).
        held = accepted + chunk.length - (socket.bytesWritten - socket.writableLength);
        break;
      }
      accepted += chunk.length;
    }
    release();
    await job;
    writer.releaseLock();
    socket.destroy();
    return held;
  }

  it('buffered ciphertext: with the default limit writes stall with little held inside', async () => {
    const held = await stall('ciphertext default', {});
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(512 * 1024);
  });

  it('buffered ciphertext: limits.maxBufferedCiphertext raises the bound', async () => {
    const held = await stall('ciphertext 2 MiB', { maxBufferedCiphertext: 2 << 20 });
    expect(held).toBeGreaterThan(1 << 20);
  });
});
