/**
 * Issue 4, "What it must show" — KeyUpdate (RFC 8446 §4.6.3) against real peers:
 *
 *  - a bulk transfer through a Node `tls` echo server with conn.keyUpdate(true)
 *    after every MiB: every byte comes back intact (SHA-256 of both streams),
 *    the server's wire observer decrypted every one of our KeyUpdates with the
 *    next-generation keys, and the server answered each request with its own
 *    KeyUpdate (seen by the engine's trace).
 *    The full 64 MiB each way by default (about 5-8 s on 2 cores);
 *    PURETLS_BULK_MIB=n changes the size.
 *  - the automatic KeyUpdate (keyUpdateAfterRecords: 16).
 *  - server-initiated KeyUpdates from `openssl s_server` (stdin commands "k"
 *    and "K"): the engine follows, and answers "K" with its own KeyUpdate.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type TlsConnection } from '../../src/node.js';
import {
  loadCert,
  startNodeTlsServer,
  startOpenSslServer,
  type NodeTlsServer,
  type OpenSslServer,
} from '../peers/index.js';

const MiB = 1 << 20;
const BULK_MIB = Math.max(1, Number(process.env.PURETLS_BULK_MIB ?? 64));
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const root = () => loadCert('root').cert;

/** Reads `n` bytes from a connection's readable, feeding each chunk to `sink`. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, n: number, sink: (chunk: Uint8Array) => void): Promise<void> {
  let got = 0;
  while (got < n) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`plaintext ended after ${got} of ${n} bytes`);
    sink(value);
    got += value.length;
  }
  if (got !== n) throw new Error(`read ${got} bytes, expected ${n}`);
}

/** A text reader over a connection: wait until the accumulated text matches. */
function textReader(conn: TlsConnection) {
  const reader = conn.readable.getReader();
  let text = '';
  return {
    reader,
    get text() {
      return text;
    },
    async until(pattern: RegExp | string, timeoutMs = 10_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      const hit = () => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
      while (!hit()) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting for ${String(pattern)}; got ${JSON.stringify(text.slice(-200))}`);
        let timer: NodeJS.Timeout | undefined;
        const r = await Promise.race([
          reader.read(),
          new Promise<'timeout'>((res) => (timer = setTimeout(() => res('timeout'), left))),
        ]).finally(() => clearTimeout(timer));
        if (r === 'timeout') continue;
        if (r.done) throw new Error(`stream ended waiting for ${String(pattern)}; got ${JSON.stringify(text.slice(-200))}`);
        text += dec(r.value);
      }
      return text;
    },
  };
}

describe('KeyUpdate through a Node tls echo server', () => {
  let server: NodeTlsServer;
  beforeAll(async () => {
    server = await startNodeTlsServer({ fixture: 'server-p256' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it(`${BULK_MIB} MiB each way with keyUpdate(true) after every MiB`, { timeout: 60_000 + BULK_MIB * 4_000 }, async () => {
    const index = server.connections.length;
    const traced: string[] = [];
    const conn = await connect({
      host: server.host,
      port: server.port,
      servername: 'localhost',
      ca: root(),
      sessions: false,
      groups: ['x25519'],
      cipherSuites: ['TLS_AES_128_GCM_SHA256'],
      trace: (label) => {
        if (label === 'key_update') traced.push(label);
      },
    });
    const started = performance.now();
    // A trailer after the last KeyUpdate: OpenSSL sends its answering KeyUpdate
    // with its next write, i.e. just before echoing the data that follows ours.
    const trailer = new TextEncoder().encode('end of transfer\n');
    const total = BULK_MIB * MiB + trailer.length;
    const base = randomBytes(MiB);
    const sentHash = createHash('sha256');
    const recvHash = createHash('sha256');
    const reader = conn.readable.getReader();
    const reading = drain(reader, total, (c) => recvHash.update(c));
    const writer = conn.writable.getWriter();
    let updates = 0;
    for (let mib = 0; mib < BULK_MIB; mib++) {
      const block = Buffer.from(base);
      block.writeUInt32BE(mib, 0); // every MiB differs
      sentHash.update(block);
      for (let off = 0; off < MiB; off += 64 * 1024) {
        await writer.ready;
        await writer.write(new Uint8Array(block.buffer, block.byteOffset + off, 64 * 1024));
      }
      await conn.keyUpdate(true);
      updates++;
    }
    sentHash.update(trailer);
    await writer.write(trailer);
    await reading;
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `[features-keyupdate] ${BULK_MIB} MiB each way, ${updates} KeyUpdates: ${seconds.toFixed(2)} s ` +
        `(${((2 * BULK_MIB) / seconds).toFixed(1)} MiB/s through the engine)`,
    );
    expect(recvHash.digest('hex')).toBe(sentHash.digest('hex'));

    reader.releaseLock();
    writer.releaseLock();
    await conn.close();
    const view = await server.closedConnection(index);
    // The server decrypted all of it, following each of our KeyUpdates.
    expect(view.observer.notes).toEqual([]);
    expect(view.observer.clientProtectedHandshake.filter((m) => m === 'key_update')).toHaveLength(updates);
    expect(view.observer.clientApplicationBytes).toBe(total);
    expect(view.bytesReceived).toBe(total);
    expect(view.observer.clientAlerts.map((a) => a.name)).toEqual(['close_notify']);
    // ... and answered each update_requested with a KeyUpdate of its own
    // (each one before echoing the data that followed the request).
    expect(traced.length).toBe(updates);
  });

  it('automatic KeyUpdate: keyUpdateAfterRecords: 16', async () => {
    const index = server.connections.length;
    const conn = await connect({
      host: server.host,
      port: server.port,
      servername: 'localhost',
      ca: root(),
      sessions: false,
      keyUpdateAfterRecords: 16,
    });
    const records = 100;
    const reader = conn.readable.getReader();
    const recvHash = createHash('sha256');
    const sentHash = createHash('sha256');
    const reading = drain(reader, records * 16384, (c) => recvHash.update(c));
    const writer = conn.writable.getWriter();
    for (let i = 0; i < records; i++) {
      // One full record each: smaller writes may be coalesced into fewer records.
      const chunk = randomBytes(16384);
      sentHash.update(chunk);
      await writer.write(new Uint8Array(chunk));
    }
    await reading;
    expect(recvHash.digest('hex')).toBe(sentHash.digest('hex'));
    reader.releaseLock();
    writer.releaseLock();
    await conn.close();
    const view = await server.closedConnection(index);
    expect(view.observer.notes).toEqual([]);
    expect(view.observer.clientApplicationBytes).toBe(records * 16384);
    // 100 data records + close_notify at 16 records per key: a KeyUpdate every
    // 16 records (the KeyUpdate record itself counts toward the old key).
    const updates = view.observer.clientProtectedHandshake.filter((m) => m === 'key_update').length;
    expect(updates).toBeGreaterThanOrEqual(Math.floor(records / 17));
    expect(updates).toBeLessThanOrEqual(Math.ceil(records / 15));
    expect(view.observer.clientAlerts.map((a) => a.name)).toEqual(['close_notify']);
  });
});

describe('server-initiated KeyUpdate from openssl s_server', () => {
  let server: OpenSslServer;
  beforeAll(async () => {
    server = await startOpenSslServer({ fixture: 'server-p256', mode: 'stdio' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('"k" (update_not_requested) and "K" (update_requested): the engine follows and answers K', async () => {
    const mark = server.mark();
    const traced: string[] = [];
    const conn = await connect({
      host: server.host,
      port: server.port,
      servername: 'localhost',
      ca: root(),
      sessions: false,
      trace: (label) => {
        if (label === 'key_update') traced.push(label);
      },
    });
    const text = textReader(conn);
    const writer = conn.writable.getWriter();
    const clientKeyUpdates = () => (server.output.slice(mark).match(/<<< TLS 1\.3, Handshake \[length 0005\], KeyUpdate/g) ?? []).length;
    const serverKeyUpdates = () => (server.output.slice(mark).match(/>>> TLS 1\.3, Handshake \[length 0005\], KeyUpdate/g) ?? []).length;

    await writer.write(enc('client line 0\n'));
    await server.waitForOutput('client line 0', { since: mark });
    server.write('server line 0\n');
    await text.until('server line 0\n');

    // "k": the server rotates its keys, no answer asked.
    server.write('k\n');
    await server.waitForOutput(/>>> TLS 1\.3, Handshake \[length 0005\], KeyUpdate/, { since: mark });
    server.write('server line 1\n');
    await text.until('server line 1\n');
    expect(traced).toHaveLength(1);
    await writer.write(enc('client line 1\n'));
    await server.waitForOutput('client line 1', { since: mark });
    expect(clientKeyUpdates()).toBe(0);

    // "K": the server rotates and asks us to rotate too.
    const beforeK = server.mark();
    server.write('K\n');
    await server.waitForOutput(/>>> TLS 1\.3, Handshake \[length 0005\], KeyUpdate/, { since: beforeK });
    server.write('server line 2\n');
    await text.until('server line 2\n');
    expect(traced).toHaveLength(2);
    // Our answer reaches the server once it reads again; our next data follows it under the new key.
    await writer.write(enc('client line 2\n'));
    await server.waitForOutput('client line 2', { since: beforeK });
    await server.waitForOutput(/<<< TLS 1\.3, Handshake \[length 0005\], KeyUpdate/, { since: beforeK });
    expect(clientKeyUpdates()).toBe(1);
    expect(serverKeyUpdates()).toBe(2);
    // The KeyUpdate body: 01 = update_requested was sent by the server for "K", ours is 00.
    const after = server.process.outputSince(beforeK);
    expect(after).toMatch(/>>> TLS 1\.3, Handshake \[length 0005\], KeyUpdate\n\s+18 00 00 01 01/);
    expect(after).toMatch(/<<< TLS 1\.3, Handshake \[length 0005\], KeyUpdate\n\s+18 00 00 01 00/);

    text.reader.releaseLock();
    writer.releaseLock();
    await conn.close();
    await server.waitForOutput(/DONE\s+shutting down SSL/, { since: mark });
    expect(server.transcript(mark).alertsReceived.map((a) => a.name)).toEqual(['close_notify']);
  });
});
