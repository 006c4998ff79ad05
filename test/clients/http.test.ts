/**
 * Issue 11: unmodified HTTP clients over puretls's tls.connect-shaped
 * socket, against real Node servers on loopback: node:https with an Agent
 * whose createConnection is tlsConnect (no glue), node:http2 with
 * createConnection: tlsConnect and ALPN h2 (no glue), and undici's fetch
 * with an Agent `connect` (undici's connector has its own signature: a few
 * lines map it).
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import * as tls from 'node:tls';
import { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TLSSocket, tlsConnect } from '../../src/node.js';
import { certFiles, loadCert } from '../peers/fixtures.js';

const server = loadCert('server-p256');
/** The root as a new user passes it: fs.readFileSync('root.pem'), a Buffer holding PEM. */
const ca = readFileSync(certFiles('root').certPath);

interface Seen {
  connections: number;
  protocols: string[];
}

function listen(s: https.Server | http2.Http2SecureServer): Promise<number> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
}

describe('node:https with an Agent whose createConnection is tlsConnect', () => {
  let srv: https.Server;
  let port: number;
  const seen: Seen = { connections: 0, protocols: [] };
  beforeAll(async () => {
    srv = https.createServer({ cert: server.chain, key: server.key, minVersion: 'TLSv1.3' }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        res.setHeader('content-type', 'text/plain');
        res.end(`${req.method} ${req.url} ${body.length ? `got ${body}` : ''}`.trim());
      });
    });
    srv.on('secureConnection', (s: tls.TLSSocket) => {
      seen.connections++;
      seen.protocols.push(s.getProtocol() ?? '?');
    });
    port = await listen(srv);
  });
  afterAll(() => {
    srv.closeAllConnections();
    srv.close();
  });

  function request(agent: https.Agent, method: string, path: string, body?: string): Promise<{ text: string; socket: unknown }> {
    return new Promise((resolve, reject) => {
      const req = https.request({ host: 'localhost', port, path, method, agent }, (res) => {
        const chunks: Buffer[] = [];
        const socket = res.socket; // detached once the response ends (keep-alive)
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ text: Buffer.concat(chunks).toString(), socket }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('makes requests over one kept-alive puretls connection', async () => {
    const agent = new https.Agent({ ca, keepAlive: true, maxSockets: 1 });
    agent.createConnection = tlsConnect;
    const before = seen.connections;
    const a = await request(agent, 'GET', '/one');
    const b = await request(agent, 'POST', '/two', 'hello');
    const c = await request(agent, 'GET', '/three');
    expect([a.text, b.text, c.text]).toEqual(['GET /one', 'POST /two got hello', 'GET /three']);
    expect(a.socket).toBeInstanceOf(TLSSocket);
    expect(b.socket).toBe(a.socket);
    expect(seen.connections - before).toBe(1);
    const s = a.socket as TLSSocket;
    expect(s.getProtocol()).toBe('TLSv1.3');
    expect(s.authorized).toBe(true);
    agent.destroy();
  });

  it('fails the request when the server is not trusted (the Agent trusts another root)', async () => {
    const agent = new https.Agent({ ca: readFileSync(certFiles('rsa-root').certPath) });
    agent.createConnection = tlsConnect;
    await expect(request(agent, 'GET', '/')).rejects.toMatchObject({ code: 'CERT_UNTRUSTED_ROOT' });
    agent.destroy();
  });
});

describe('node:http2 with createConnection: tlsConnect (ALPN h2)', () => {
  let srv: http2.Http2SecureServer;
  let port: number;
  beforeAll(async () => {
    srv = http2.createSecureServer({ cert: server.chain, key: server.key, minVersion: 'TLSv1.3' });
    srv.on('stream', (stream, headers) => {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.end(`h2 ${String(headers[':method'])} ${String(headers[':path'])} alpn=${(stream.session?.socket as tls.TLSSocket).alpnProtocol}`);
    });
    port = await listen(srv);
  });
  afterAll(() => srv.close());

  it('runs two streams on one session', async () => {
    const session = http2.connect(`https://localhost:${port}`, { createConnection: tlsConnect, ca, ALPNProtocols: ['h2'] });
    const get = (path: string) =>
      new Promise<string>((resolve, reject) => {
        const req = session.request({ ':path': path });
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => resolve(Buffer.concat(chunks).toString()));
        req.on('error', reject);
        req.end();
      });
    const [a, b] = await Promise.all([get('/a'), get('/b')]);
    expect(a).toBe('h2 GET /a alpn=h2');
    expect(b).toBe('h2 GET /b alpn=h2');
    session.close();
    await once(session, 'close');
  });
});

describe('undici fetch with an Agent connect', () => {
  let srv: https.Server;
  let port: number;
  beforeAll(async () => {
    srv = https.createServer({ cert: server.chain, key: server.key, minVersion: 'TLSv1.3' }, (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url, cipher: (req.socket as tls.TLSSocket).getCipher().standardName }));
    });
    port = await listen(srv);
  });
  afterAll(() => {
    srv.closeAllConnections();
    srv.close();
  });

  it('fetches JSON', async () => {
    const dispatcher = new UndiciAgent({
      // undici's connector: (options, callback(err, socket)). Node's tls.connect needs the same mapping.
      connect: (opts, callback) => {
        const socket = tlsConnect({ host: opts.hostname, port: Number(opts.port), servername: opts.servername, ca });
        socket.once('secureConnect', () => callback(null, socket as unknown as Socket));
        socket.once('error', (e) => callback(e, null));
      },
    });
    const res = await undiciFetch(`https://localhost:${port}/data?x=1`, { dispatcher });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ method: 'GET', url: '/data?x=1', cipher: expect.stringMatching(/^TLS_/) });
    const res2 = await undiciFetch(`https://localhost:${port}/post`, { dispatcher, method: 'POST', body: 'x' });
    expect(await res2.json()).toMatchObject({ method: 'POST', url: '/post' });
    await dispatcher.close();
  });
});
