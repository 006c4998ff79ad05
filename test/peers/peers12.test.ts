/**
 * Proves the TLS 1.2 server peers speak what tls12.ts claims, with Node's own
 * TLS client pinned to TLS 1.2 (independent of the engine under test): each
 * suite / group / certificate type, echo, close_notify both ways, resumption
 * by ticket and by session ID, ALPN, client certificates; and the peer
 * options added for TLS 1.2 (s_server's protocol pinning, -cipher, -no_ticket,
 * chains; the Node server's versions and session cache; gnutls-serv's port
 * retry; Go 1.19's limits).
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  certFiles,
  clientCaFile,
  loadCert,
  representativeTls12Combos,
  SERVER_ROOT,
  startGnutlsServer,
  startNodeTlsServer,
  startOpenSslServer,
  startTls12Peer,
  TLS12_PEER_NAMES,
  tls12Group,
  tls12PeerAvailable,
  tls12Suite,
  type GnutlsServer,
  type ServerCertName,
  type Tls12Peer,
  type Tls12PeerName,
} from './index.js';
import { ensureGoServer } from './go-server.js';

const rootPem = (name: ServerCertName) => loadCert(SERVER_ROOT[name]).cert;

/** What Node's client reports as getEphemeralKeyInfo().name per group. */
const NODE_CURVE_NAME: Readonly<Record<string, string>> = { x25519: 'X25519', secp256r1: 'prime256v1', secp384r1: 'secp384r1' };

/** The first session each client socket received ('session' comes before 'secureConnect' in TLS 1.2). */
const sessions = new WeakMap<tls.TLSSocket, Promise<Buffer>>();

async function connect12(port: number, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.2',
    ecdhCurve: 'X25519:P-256:P-384',
    ...options,
  });
  sessions.set(socket, new Promise((resolve) => socket.once('session', resolve)));
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Connect and expect the handshake to fail; resolves with the client's error. */
async function connectFails(port: number, options: tls.ConnectionOptions): Promise<Error> {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', maxVersion: 'TLSv1.2', ...options });
  const localPort = new Promise<number>((r) => socket.once('connect', () => r(socket.localPort!)));
  const err = await new Promise<Error>((resolve, reject) => {
    socket.once('secureConnect', () => {
      // TLS 1.2 with a client certificate: the server's verdict may come after our Finished.
      socket.once('error', resolve);
      socket.once('end', () => reject(new Error('handshake succeeded and the server closed without an alert')));
      socket.write('x\n');
    });
    socket.once('error', resolve);
  });
  socket.destroy();
  (err as Error & { localPort?: number }).localPort = await localPort;
  return err;
}

function sClient12(port: number, args: string[], input = ''): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'openssl',
      ['s_client', '-tls1_2', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', ...args],
      { timeout: 10_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
    child.stdin?.end(input);
  });
}

function readBytes(socket: tls.TLSSocket, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    const onData = (d: Buffer) => {
      chunks.push(d);
      n += d.length;
      if (n >= bytes) {
        cleanup();
        resolve(Buffer.concat(chunks));
      }
    };
    const onEnd = () => {
      cleanup();
      reject(new Error(`stream ended after ${n} of ${bytes} bytes`));
    };
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', reject);
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', reject);
  });
}

async function closeGracefully(socket: tls.TLSSocket): Promise<void> {
  const ended = once(socket, 'end');
  const closed = once(socket, 'close');
  socket.end();
  await ended;
  await closed;
}

/** Send a line, check the peer's reply, close with close_notify both ways. */
async function echoRoundTrip(peer: Tls12Peer, socket: tls.TLSSocket, line = 'hello tls 1.2\n'): Promise<void> {
  const expected = peer.expectedReply(line);
  socket.write(line);
  expect((await readBytes(socket, Buffer.byteLength(expected))).toString()).toBe(expected);
  await closeGracefully(socket);
}

/** The session from the client's first 'session' event. */
function nextSession(socket: tls.TLSSocket): Promise<Buffer> {
  return sessions.get(socket)!;
}

// CI installs gnutls-bin and Go (.ci/run); elsewhere a missing tool skips its peer rather than fails.
const usable = (name: Tls12PeerName) => tls12PeerAvailable(name) || !!process.env.CI;

beforeAll(async () => {
  if (usable('go')) await ensureGoServer(); // build once, before the per-test timeouts start
}, 300_000);

describe.each(TLS12_PEER_NAMES)('%s TLS 1.2 peer', (name: Tls12PeerName) => {
  if (!usable(name)) {
    it.skip(`${name}: its tool is not installed`, () => {});
    return;
  }
  describe.each(representativeTls12Combos())('$suite / $group / $fixture', ({ suite, group, fixture }) => {
    let peer: Tls12Peer;
    beforeAll(async () => {
      peer = await startTls12Peer(name, { fixture, suites: [suite], groups: [group] });
    });
    afterAll(async () => {
      await peer?.stop();
    });

    it('handshakes at TLS 1.2 with that suite and group, echoes, and exchanges close_notify', async () => {
      const socket = await connect12(peer.port, { ca: rootPem(fixture) });
      const clientPort = socket.localPort!;
      // Only the root is trusted: the chain fixtures verify only if the intermediate was sent.
      expect(socket.authorized).toBe(true);
      expect(socket.getProtocol()).toBe('TLSv1.2');
      expect(socket.getCipher().standardName).toBe(suite);
      expect(socket.getEphemeralKeyInfo()).toMatchObject({ name: NODE_CURVE_NAME[group] });
      await echoRoundTrip(peer, socket);

      const conn = await peer.connectionFrom(clientPort);
      const o = conn.observer;
      expect(o.version).toBe('TLSv1.2');
      expect(o.cipherSuite).toBe(suite);
      expect(o.group).toBe(group);
      expect(o.resumed).toBe(false);
      expect(o.serverKeyExchanges.at(-1)?.signatureScheme).toMatch(tls12Suite(suite).auth === 'ECDSA' ? /^ecdsa_/ : /^rsa_/);
      expect(o.clientHellos[0]?.hasExtendedMasterSecret).toBe(true);
      expect(o.extendedMasterSecret).toBe(peer.supportsExtendedMasterSecret);
      // Decrypted both ways with the server's key log.
      expect(o.notes).toEqual([]);
      expect(o.clientProtectedHandshake).toEqual(['finished']);
      expect(o.serverProtectedHandshake).toEqual(['finished']);
      expect(o.clientApplicationBytes).toBe(Buffer.byteLength('hello tls 1.2\n'));
      expect(o.serverApplicationBytes).toBe(Buffer.byteLength('hello tls 1.2\n'));
      expect(o.clientSentCloseNotify).toBe(true);
      expect(o.serverSentCloseNotify).toBe(true);
      expect(o.clientAlerts.map((a) => `${a.level} ${a.name}`)).toEqual(['warning close_notify']);
      expect(o.serverProtectedAlerts.map((a) => `${a.level} ${a.name}`)).toEqual(['warning close_notify']);

      // And the server's own account of it.
      if (peer.name === 'openssl') {
        const t = peer.server.transcript();
        expect(t.version).toBe('TLSv1.2');
        expect(t.cipherSuite).toBe(suite);
        expect(t.serverKeyExchanges.at(-1)?.group).toBe(group);
      } else if (peer.name === 'gnutls') {
        const g = await peer.server.connectionFrom(upstreamPortFor(peer, clientPort));
        expect(g.version).toBe('TLS1.2');
        expect(g.cipher).toBe(tls12Suite(suite).gnutlsCipher);
        expect(g.curve).toBe(tls12Group(group).gnutlsName);
      } else if (peer.name === 'go') {
        const report = await peer.server.connectionFrom(upstreamPortFor(peer, clientPort));
        expect(report.handshake).toMatchObject({ version: 'TLSv1.2', cipherSuite: suite, resumed: false });
        expect(report.closed?.end).toBe('close_notify');
      }
    });
  });

  it('resumes by session ticket', async () => {
    const peer = await startTls12Peer(name, { fixture: 'server-p256' });
    try {
      const first = await connect12(peer.port, { ca: rootPem('server-p256') });
      const session = nextSession(first);
      const firstPort = first.localPort!;
      await echoRoundTrip(peer, first);
      const second = await connect12(peer.port, { ca: rootPem('server-p256'), session: await session });
      const secondPort = second.localPort!;
      expect(second.isSessionReused()).toBe(true);
      await echoRoundTrip(peer, second);

      const a = (await peer.connectionFrom(firstPort)).observer;
      const b = (await peer.connectionFrom(secondPort)).observer;
      expect(a.resumed).toBe(false);
      expect(a.issuedTickets.length).toBeGreaterThan(0);
      expect(b.clientHellos[0]!.sessionTicket).toBe(a.issuedTickets.at(-1));
      expect(b.resumed).toBe(true);
      expect(b.serverPlaintextHandshake).not.toContain('certificate');
      // Decrypted too: the key log, or the master secret of the resumed session.
      expect(b.notes).toEqual([]);
      expect(b.clientSentCloseNotify).toBe(true);
      expect(b.serverSentCloseNotify).toBe(true);
    } finally {
      await peer.stop();
    }
  });

  it(`${name === 'go' ? 'issues no session ID' : 'resumes by session ID'} when tickets are off`, async () => {
    const peer = await startTls12Peer(name, { fixture: 'server-rsa2048', resumption: 'sessionId' });
    try {
      const first = await connect12(peer.port, { ca: rootPem('server-rsa2048') });
      const firstPort = first.localPort!;
      await echoRoundTrip(peer, first);
      const a = (await peer.connectionFrom(firstPort)).observer;
      expect(a.clientHellos[0]!.hasSessionTicket).toBe(true);
      expect(a.issuedTickets).toEqual([]);
      expect(a.serverPlaintextHandshake).not.toContain('new_session_ticket');
      if (!peer.supportsSessionIdResumption) {
        // Go 1.19: no ticket and an empty session ID, so there is nothing to resume.
        expect(a.serverHello!.sessionId).toBe('');
        return;
      }
      expect(a.serverHello!.sessionId).toMatch(/^[0-9a-f]{2,64}$/);

      const second = await connect12(peer.port, { ca: rootPem('server-rsa2048'), session: await nextSession(first) });
      const secondPort = second.localPort!;
      expect(second.isSessionReused()).toBe(true);
      await echoRoundTrip(peer, second);
      const b = (await peer.connectionFrom(secondPort)).observer;
      expect(b.clientHellos[0]!.sessionTicket).toBe('');
      expect(b.clientHellos[0]!.sessionId).toBe(a.serverHello!.sessionId);
      expect(b.serverHello!.sessionId).toBe(a.serverHello!.sessionId);
      expect(b.resumed).toBe(true);
      expect(b.serverPlaintextHandshake).toEqual([]);
      expect(b.notes).toEqual([]);
      expect(b.clientSentCloseNotify).toBe(true);
      expect(b.serverSentCloseNotify).toBe(true);
    } finally {
      await peer.stop();
    }
  });

  it('negotiates ALPN', async () => {
    const peer = await startTls12Peer(name, { fixture: 'server-p384', alpn: ['h2', 'http/1.1'] });
    try {
      const socket = await connect12(peer.port, { ca: rootPem('server-p384'), ALPNProtocols: ['http/1.1'] });
      expect(socket.alpnProtocol).toBe('http/1.1');
      await echoRoundTrip(peer, socket);
    } finally {
      await peer.stop();
    }
  });

  it('requires and verifies a client certificate', async () => {
    const peer = await startTls12Peer(name, { fixture: 'server-ecdsa-chain', clientCa: clientCaFile() });
    try {
      const client = loadCert('client-p256');
      const socket = await connect12(peer.port, { ca: rootPem('server-ecdsa-chain'), cert: client.cert, key: client.key });
      const clientPort = socket.localPort!;
      await echoRoundTrip(peer, socket);
      const o = (await peer.connectionFrom(clientPort)).observer;
      expect(o.serverPlaintextHandshake).toContain('certificate_request');
      expect(o.clientPlaintextHandshake).toEqual(['certificate', 'client_key_exchange', 'certificate_verify']);
      if (peer.name === 'go') {
        const report = await peer.server.connectionFrom(upstreamPortFor(peer, clientPort));
        expect(report.handshake?.peerCertificates).toEqual(['CN=puretls test client p256']);
      }

      // No certificate: refused.
      const err = await connectFails(peer.port, { ca: rootPem('server-ecdsa-chain') });
      expect(err.message).toMatch(/alert|handshake|certificate/i);
      // Signed by another CA: refused too.
      const other = loadCert('server-p256');
      await connectFails(peer.port, { ca: rootPem('server-ecdsa-chain'), cert: other.cert, key: other.key });
    } finally {
      await peer.stop();
    }
  });

  it('sees the fatal alert of a client that rejects its certificate (openssl s_client)', async () => {
    const peer = await startTls12Peer(name, { fixture: 'server-p256' });
    try {
      // Node's client checks the chain after the handshake and sends no alert; s_client does.
      const r = await sClient12(peer.port, ['-CAfile', certFiles('rsa-root').certPath, '-verify_return_error']);
      expect(r.code).not.toBe(0);
      const conn = peer.connections.at(-1)!;
      await conn.closed;
      const o = conn.observer;
      expect(o.version).toBe('TLSv1.2');
      expect(o.clientAlerts.map((a) => `${a.level} ${a.name} ${a.encrypted}`)).toEqual(['fatal unknown_ca false']);
    } finally {
      await peer.stop();
    }
  });
});

/** The client port the server saw for our connection from `clientPort` (the tap's side). */
function upstreamPortFor(peer: Tls12Peer, clientPort: number): number {
  if (!('tap' in peer)) throw new Error('no tap');
  const port = peer.tap.connections.find((c) => c.clientPort === clientPort)?.upstreamLocalPort;
  if (port === undefined) throw new Error(`no connection from port ${clientPort} through the tap`);
  return port;
}

describe('openssl s_server protocol options', () => {
  it('default stays TLS 1.3 only: a TLS 1.2 client is refused with protocol_version', async () => {
    const server = await startOpenSslServer({ fixture: 'server-p256' });
    try {
      await connectFails(server.port, { ca: rootPem('server-p256') });
      await server.waitForOutput('CONNECTION FAILURE');
      expect(server.transcript().alertsSent).toContainEqual({ level: 'fatal', name: 'protocol_version' });
    } finally {
      await server.stop();
    }
  });

  it("'tls1.2+' serves TLS 1.3 and TLS 1.2 clients", async () => {
    const server = await startOpenSslServer({ fixture: 'server-p256', protocol: 'tls1.2+' });
    try {
      const s13 = await connect12(server.port, { ca: rootPem('server-p256'), maxVersion: 'TLSv1.3' });
      expect(s13.getProtocol()).toBe('TLSv1.3');
      s13.write('a\n');
      await readBytes(s13, 2);
      await closeGracefully(s13);
      const s12 = await connect12(server.port, { ca: rootPem('server-p256') });
      expect(s12.getProtocol()).toBe('TLSv1.2');
      s12.write('b\n');
      await readBytes(s12, 2);
      await closeGracefully(s12);
      expect(server.transcript().serverHellos.map((h) => h.version)).toEqual(['TLSv1.3', 'TLSv1.2']);
    } finally {
      await server.stop();
    }
  });

  it('-msg transcript of a TLS 1.2 handshake: messages, ServerKeyExchange, CCS, alerts', async () => {
    const server = await startOpenSslServer({
      fixture: 'server-rsa-chain',
      protocol: 'tls1.2',
      cipher: ['ECDHE-RSA-CHACHA20-POLY1305'],
      groups: ['secp384r1'],
      sigalgs: ['RSA+SHA256'],
      noTicket: true,
    });
    try {
      const socket = await connect12(server.port, { ca: rootPem('server-rsa-chain') });
      expect(socket.getCipher().standardName).toBe('TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256');
      socket.write('olleh\n');
      expect((await readBytes(socket, 6)).toString()).toBe('hello\n');
      await closeGracefully(socket);
      await server.waitForOutput(/^>>> [^\n]*Alert \[length 0002\], warning close_notify$/m);
      const t = server.transcript();
      expect(t.version).toBe('TLSv1.2');
      expect(t.cipherSuite).toBe('TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256');
      expect(t.serverHellos[0]!.legacyVersion).toBe('TLSv1.2');
      expect(t.serverHellos[0]!.selectedVersion).toBeUndefined();
      expect(t.serverKeyExchanges).toEqual([{ kind: 'ecdhe', group: 'secp384r1', publicKeyLength: 97, signatureScheme: 'rsa_pkcs1_sha256' }]);
      expect(t.messages).toEqual([
        '<<< ClientHello',
        '>>> ServerHello',
        '>>> Certificate',
        '>>> ServerKeyExchange',
        '>>> ServerHelloDone',
        '<<< ClientKeyExchange',
        '<<< Finished',
        '>>> Finished',
      ]);
      expect(t.changeCipherSpecs).toEqual(['>>>']);
      expect(t.alertsReceived).toEqual([{ level: 'warning', name: 'close_notify' }]);
      expect(t.alertsSent).toEqual([{ level: 'warning', name: 'close_notify' }]);
    } finally {
      await server.stop();
    }
  });

  it('a `cert` file holding the chain sends its intermediates (-cert_chain)', async () => {
    const files = certFiles('server-ecdsa-chain');
    const server = await startOpenSslServer({ cert: files.chainPath, key: files.keyPath, protocol: 'tls1.2' });
    try {
      expect(server.args).toContain('-cert_chain');
      const socket = await connect12(server.port, { ca: rootPem('server-ecdsa-chain') });
      expect(socket.authorized).toBe(true);
      expect(socket.getPeerCertificate(true).issuerCertificate?.subject?.CN).toBe('puretls test ECDSA P-256 intermediate');
      socket.destroy();
    } finally {
      await server.stop();
    }
  });
});

describe('node tls server options', () => {
  it('default stays TLS 1.3 only', async () => {
    const server = await startNodeTlsServer({ fixture: 'server-p256' });
    try {
      await connectFails(server.port, { ca: rootPem('server-p256') });
      const conn = await server.closedConnection(0);
      expect(conn.secure).toBe(false);
      expect(server.clientErrors.map((e) => (e as { code?: string }).code)).toContain('ERR_SSL_UNSUPPORTED_PROTOCOL');
    } finally {
      await server.stop();
    }
  });

  it('maxVersion TLSv1.2 with OpenSSL cipher names, and its session cache', async () => {
    const server = await startNodeTlsServer({
      fixture: 'server-rsa2048',
      maxVersion: 'TLSv1.2',
      ciphers: ['ECDHE-RSA-AES256-GCM-SHA384'],
      tickets: false,
      sessionCache: true,
    });
    try {
      const first = await connect12(server.port, { ca: rootPem('server-rsa2048') });
      const session = nextSession(first);
      first.write('x');
      await readBytes(first, 1);
      await closeGracefully(first);
      const second = await connect12(server.port, { ca: rootPem('server-rsa2048'), session: await session });
      const secondPort = second.localPort!;
      expect(second.isSessionReused()).toBe(true);
      await closeGracefully(second);
      const conn = await server.closedConnectionFrom(secondPort);
      expect(conn.protocol).toBe('TLSv1.2');
      expect(conn.version).toBe('TLSv1.2');
      expect(conn.cipher).toBe('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384');
      expect(conn.resumed).toBe(true);
      expect(server.sessionCacheStats).toEqual({ stored: 1, hits: 1, misses: 0 });
    } finally {
      await server.stop();
    }
  });
});

(usable('gnutls') ? describe : describe.skip)('gnutls-serv', () => {
  it('starts again on another port when the port is taken', async () => {
    const a = await startGnutlsServer({ fixture: 'server-p256' });
    let b: GnutlsServer | undefined;
    try {
      b = await startGnutlsServer({ fixture: 'server-p256', port: a.port });
      expect(b.port).not.toBe(a.port);
      const socket = await connect12(b.port, { ca: rootPem('server-p256') });
      const clientPort = socket.localPort!;
      socket.write('via b\n');
      expect((await readBytes(socket, 6)).toString()).toBe('via b\n');
      await closeGracefully(socket);
      expect(await b.connectionFrom(clientPort)).toMatchObject({ version: 'TLS1.2', resumed: false, serverName: 'localhost' });
      expect(a.connections()).toEqual([]);
    } finally {
      await b?.stop();
      await a.stop();
    }
  });
});
