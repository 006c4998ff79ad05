/**
 * Issue 11: the `ws` WebSocket client, unmodified, over puretls: its
 * `createConnection` option is tlsConnect itself (no glue), against a `ws`
 * server on a Node HTTPS server on loopback.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { TLSSocket, tlsConnect } from '../../src/node.js';
import { certFiles, loadCert } from '../peers/fixtures.js';

const server = loadCert('server-p256');
const ca = readFileSync(certFiles('root').certPath);

describe('ws client with createConnection: tlsConnect', () => {
  let srv: https.Server;
  let wss: WebSocketServer;
  let port: number;
  const serverProtocols: string[] = [];
  beforeAll(async () => {
    srv = https.createServer({ cert: server.chain, key: server.key, minVersion: 'TLSv1.3' });
    wss = new WebSocketServer({ server: srv });
    wss.on('connection', (ws, req) => {
      serverProtocols.push((req.socket as tls.TLSSocket).getProtocol() ?? '?');
      ws.on('message', (data, isBinary) => ws.send(isBinary ? data : `echo: ${data.toString()}`, { binary: isBinary }));
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    port = (srv.address() as AddressInfo).port;
  });
  afterAll(() => {
    wss.close();
    srv.closeAllConnections();
    srv.close();
  });

  it('exchanges text and binary messages and closes cleanly', async () => {
    const ws = new WebSocket(`wss://localhost:${port}/chat`, { createConnection: tlsConnect, ca });
    await once(ws, 'open');
    const socket = (ws as unknown as { _socket: unknown })._socket;
    expect(socket).toBeInstanceOf(TLSSocket);
    expect((socket as TLSSocket).getProtocol()).toBe('TLSv1.3');

    ws.send('hello');
    const [text] = (await once(ws, 'message')) as [Buffer, boolean];
    expect(text.toString()).toBe('echo: hello');

    const big = new Uint8Array(200_000).map((_, i) => i % 251);
    ws.send(big);
    const [bin, isBinary] = (await once(ws, 'message')) as [Buffer, boolean];
    expect(isBinary).toBe(true);
    expect(new Uint8Array(bin)).toEqual(big);

    ws.close(1000, 'done');
    const [code] = (await once(ws, 'close')) as [number];
    expect(code).toBe(1000);
    expect(serverProtocols).toContain('TLSv1.3');
  });

  it('fails to open against a server it does not trust', async () => {
    const ws = new WebSocket(`wss://localhost:${port}/`, {
      createConnection: tlsConnect,
      ca: readFileSync(certFiles('rsa-root').certPath),
    });
    const [err] = (await once(ws, 'error').catch((e: unknown) => [e])) as [unknown];
    expect(err).toMatchObject({ code: 'CERT_UNTRUSTED_ROOT' });
  });
});
