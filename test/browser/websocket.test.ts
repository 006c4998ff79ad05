/**
 * puretls/websocket in Node, with the `ws` package's WebSocket: the same
 * transport the browser test drives, checked here without a browser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { connectWebSocket, type WebSocketConstructorLike } from '../../src/websocket.js';
import { loadCert, startNodeTlsServer, startOpenSslServer, type NodeTlsServer, type OpenSslServer } from '../peers/index.js';
import { startRelay, type Relay } from './relay.js';

const WS = WebSocket as unknown as WebSocketConstructorLike;
const ca = () => loadCert('root').cert;

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return Buffer.concat(parts).toString('latin1');
}

describe('connectWebSocket through a relay', () => {
  let www: OpenSslServer;
  let echo: NodeTlsServer;
  let relay: Relay;
  beforeAll(async () => {
    www = await startOpenSslServer({ fixture: 'server-p256', mode: 'www', msg: false });
    echo = await startNodeTlsServer({ fixture: 'server-ed25519', mode: 'echo' });
    relay = await startRelay({ target: { host: '127.0.0.1', port: www.port } });
  });
  afterAll(async () => {
    await relay?.stop();
    await www?.stop();
    await echo?.stop();
  });

  it('verifies the server and carries an HTTP request to openssl s_server -www', async () => {
    const conn = await connectWebSocket(relay.url, { serverName: 'localhost', ca: ca(), WebSocket: WS });
    expect(conn.info.version).toBe('TLSv1.3');
    expect(conn.info.peerCertificates.length).toBeGreaterThan(0);
    const w = conn.writable.getWriter();
    await w.write(new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n'));
    const reply = await readAll(conn.readable);
    expect(reply).toMatch(/^HTTP\/1\.0 200 ok/);
    expect(reply).toContain('TLSv1.3');
    await conn.close();
    expect(relay.stats.textMessages).toBe(0);
  });

  it('names the server through the URL path and echoes 256 KiB both ways', async () => {
    const conn = await connectWebSocket(`${relay.url}127.0.0.1:${echo.port}`, {
      serverName: 'localhost',
      ca: ca(),
      WebSocket: WS,
    });
    expect(conn.info.signatureScheme).toBe('ed25519');
    const data = new Uint8Array(256 * 1024).map((_, i) => (i * 7) & 0xff);
    const w = conn.writable.getWriter();
    const reading = (async () => {
      const reader = conn.readable.getReader();
      let got = 0;
      const out = new Uint8Array(data.length);
      while (got < data.length) {
        const { value, done } = await reader.read();
        if (done) break;
        out.set(value, got);
        got += value.length;
      }
      reader.releaseLock();
      return out;
    })();
    await w.write(data);
    expect(Buffer.from(await reading).equals(Buffer.from(data))).toBe(true);
    await w.close();
    await conn.close();
  });

  it('fails with CERT_NAME_MISMATCH for the wrong name', async () => {
    await expect(
      connectWebSocket(relay.url, { serverName: 'wrong.example', ca: ca(), WebSocket: WS }),
    ).rejects.toMatchObject({ code: 'CERT_NAME_MISMATCH' });
  });

  it('reports a relay that cannot be reached as CONNECTION_CLOSED', async () => {
    await expect(
      connectWebSocket('ws://127.0.0.1:1/', { serverName: 'localhost', ca: ca(), WebSocket: WS }),
    ).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  });
});
