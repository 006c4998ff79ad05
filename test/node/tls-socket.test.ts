/**
 * Issue 11: puretls/node's tls.connect-shaped socket against real servers
 * on loopback (Node's tls.Server, openssl s_server): the TLSSocket surface
 * compared with Node's own TLSSocket where they overlap, the mapping of
 * tls.connect options, 0-RTT, close_notify on end(), STARTTLS.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySessionStore, type StoredSession } from '../../src/index.js';
import { connect, startTls, TLSSocket, tlsConnect, type TlsConnectOptions } from '../../src/node.js';
import { certFiles, loadCert, startNodeTlsServer, startOpenSslServer, type NodeTlsServer, type OpenSslServer } from '../peers/index.js';

const ca = readFileSync(certFiles('root').certPath);

async function secure(s: TLSSocket): Promise<TLSSocket> {
  await once(s, 'secureConnect');
  return s;
}

/** Reads from `s` until `text` has arrived (leaving the socket open, paused). */
function until(s: TLSSocket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (chunk: Buffer) => {
      got += chunk.toString();
      if (!got.includes(text)) return;
      done();
      resolve(got);
    };
    const onEnd = () => {
      done();
      reject(new Error(`ended before ${JSON.stringify(text)}; got ${JSON.stringify(got)}`));
    };
    const done = () => {
      s.off('data', onData).off('end', onEnd).off('error', reject);
      s.pause();
    };
    s.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

/** Node's own client, for comparison. */
function nodeClient(port: number, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, ...options }, () => resolve(s));
    s.once('error', reject);
  });
}

describe('TLSSocket against a Node tls.Server', () => {
  let echo: NodeTlsServer;
  let rsa: NodeTlsServer;
  let h2: NodeTlsServer;
  let mtls: NodeTlsServer;
  beforeAll(async () => {
    [echo, rsa, h2, mtls] = await Promise.all([
      startNodeTlsServer({ fixture: 'server-p256' }),
      startNodeTlsServer({ fixture: 'server-rsa2048' }),
      startNodeTlsServer({ fixture: 'server-p256', alpn: ['h2', 'http/1.1'] }),
      startNodeTlsServer({ fixture: 'server-p256', requestCert: true, ca: loadCert('client-ca').cert }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([echo?.stop(), rsa?.stop(), h2?.stop(), mtls?.stop()]);
  });

  it('is returned at once and holds writes made before the handshake', async () => {
    const s = tlsConnect({ host: '127.0.0.1', port: echo.port, servername: 'localhost', ca });
    expect(s.connecting).toBe(true);
    expect(s.getProtocol()).toBeNull();
    expect(s.alpnProtocol).toBeNull();
    expect(s.authorized).toBe(false);
    s.write('written before the handshake\n');
    await secure(s);
    expect(await until(s, 'before the handshake\n')).toBe('written before the handshake\n');
    s.resume(); // read on to the server's close_notify
    s.end();
    await once(s, 'close');
  });

  it('reports what Node reports: protocol, cipher, ALPN, authorized, encrypted, servername', async () => {
    for (const alpn of [undefined, ['h2']]) {
      const server = alpn ? h2 : echo;
      const opts = alpn ? { ALPNProtocols: alpn } : {};
      const ours = await secure(tlsConnect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca, sessions: false, ...opts }));
      const node = await nodeClient(server.port, opts);
      expect(ours.getProtocol()).toBe(node.getProtocol());
      expect(ours.getCipher()).toEqual({ name: expect.any(String), standardName: expect.stringMatching(/^TLS_/), version: 'TLSv1.3' });
      expect(ours.alpnProtocol).toBe(node.alpnProtocol);
      expect(ours.authorized).toBe(true);
      expect(ours.authorizationError).toBeUndefined();
      expect(ours.encrypted).toBe(true);
      expect(ours.servername).toBe('localhost');
      expect(ours.remotePort).toBe(server.port);
      expect(ours.remoteAddress).toBe('127.0.0.1');
      expect(ours.isSessionReused()).toBe(false);
      expect(ours.exportKeyingMaterial(32, 'EXPORTER-test', Buffer.from('ctx'))).toHaveLength(32);
      ours.destroy();
      node.destroy();
    }
  });

  it.each([['server-p256', () => echo], ['server-rsa2048', () => rsa]] as const)(
    'getPeerCertificate() matches Node\'s for %s',
    async (_name, server) => {
      const ours = await secure(tlsConnect({ host: '127.0.0.1', port: server().port, servername: 'localhost', ca, sessions: false }));
      const node = await nodeClient(server().port);
      const a = ours.getPeerCertificate();
      const b = node.getPeerCertificate();
      for (const k of ['subject', 'issuer', 'subjectaltname', 'valid_from', 'valid_to', 'serialNumber', 'fingerprint', 'fingerprint256', 'fingerprint512', 'ext_key_usage', 'bits', 'pubkey', 'asn1Curve', 'nistCurve', 'modulus', 'exponent', 'ca', 'raw'] as const) {
        expect([k, a[k as keyof typeof a]]).toEqual([k, b[k as keyof typeof b]]);
      }
      // detailed: the leaf links to the intermediate the server sent.
      const da = ours.getPeerCertificate(true);
      const db = node.getPeerCertificate(true);
      expect(da.issuerCertificate.subject).toEqual(db.issuerCertificate.subject);
      expect(da.issuerCertificate.fingerprint256).toBe(db.issuerCertificate.fingerprint256);
      expect(ours.getPeerCertificate()).toBe(a); // one object per socket
      ours.destroy();
      node.destroy();
      expect(ours.getPeerCertificate()).toBe(node.getPeerCertificate()); // null once destroyed, as Node
    },
  );

  it('end() sends close_notify; the server sees it, then the socket closes', async () => {
    const s = await secure(tlsConnect({ host: '127.0.0.1', port: echo.port, servername: 'localhost', ca }));
    s.write('bye\n');
    await until(s, 'bye\n');
    const { localPort } = s;
    s.resume(); // read on to the server's close_notify
    s.end();
    await once(s, 'close');
    const conn = await echo.closedConnectionFrom(localPort!);
    expect(conn.observer.clientSentCloseNotify).toBe(true);
    expect(conn.clientEnded).toBe(true);
  });

  it('destroy() closes at once, without close_notify', async () => {
    const s = await secure(tlsConnect({ host: '127.0.0.1', port: echo.port, servername: 'localhost', ca }));
    const { localPort } = s;
    s.destroy();
    await once(s, 'close');
    expect(s.destroyed).toBe(true);
    const conn = await echo.closedConnectionFrom(localPort!);
    expect(conn.observer.clientSentCloseNotify).toBe(false);
  });

  it('setTimeout emits timeout when idle; socket settings pass to TCP and return the socket', async () => {
    const s = new TLSSocket({ host: '127.0.0.1', port: echo.port, servername: 'localhost', ca });
    // Made before connect(): applied once the TCP socket exists.
    expect(s.setNoDelay(true).setKeepAlive(true, 1000).unref().ref()).toBe(s);
    s.connect();
    await secure(s);
    const t0 = Date.now();
    s.setTimeout(100);
    await once(s, 'timeout');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    s.setTimeout(0);
    s.destroy();
  });

  it('maps cert/key to a client certificate (mutual TLS)', async () => {
    const client = loadCert('client-p256');
    const s = await secure(
      tlsConnect({ host: '127.0.0.1', port: mtls.port, servername: 'localhost', ca, cert: Buffer.from(client.cert), key: [{ pem: client.key }] }),
    );
    expect(s.info?.clientCertificateSent).toBe(true);
    s.write('authenticated\n');
    await until(s, 'authenticated\n');
    const conn = mtls.connections.at(-1)!;
    expect(conn.authorized).toBe(true);
    s.resume(); // read on to the server's close_notify
    s.end();
    await once(s, 'close');
  });

  it('takes (port, host, options) and a wire-format ALPNProtocols buffer, as tls.connect does', async () => {
    const s = await secure(tlsConnect(h2.port, '127.0.0.1', { servername: 'localhost', ca, ALPNProtocols: Buffer.from('\x02h2\x08http/1.1') }));
    expect(s.alpnProtocol).toBe('h2');
    s.destroy();
  });

  it('checkServerIdentity runs after puretls\'s checks and can refuse the server', async () => {
    const calls: Array<[string, string | undefined]> = [];
    const check = (host: string, cert: tls.PeerCertificate) => {
      calls.push([host, cert.subject.CN as string]);
      return cert.fingerprint256 === 'pinned' ? undefined : new Error('not the pinned key');
    };
    const s = tlsConnect({ host: '127.0.0.1', port: echo.port, servername: 'localhost', ca, checkServerIdentity: check });
    const [err] = (await once(s, 'error').catch((e: unknown) => [e])) as [Error & { code?: string }];
    expect(err).toMatchObject({ code: 'BAD_CERTIFICATE' });
    expect((err.cause as Error).message).toBe('not the pinned key');
    expect(calls).toEqual([['localhost', 'localhost']]);
    const ok = await secure(tlsConnect({ host: '127.0.0.1', port: echo.port, servername: 'localhost', ca, checkServerIdentity: () => undefined }));
    expect(ok.authorized).toBe(true);
    ok.destroy();
  });

  it('refuses rejectUnauthorized: false and options it cannot honour, before connecting', () => {
    const base = { host: '127.0.0.1', port: echo.port, ca };
    expect(() => tlsConnect({ ...base, rejectUnauthorized: false })).toThrow(/rejectUnauthorized: false is not supported.*`ca`.*`verify`/);
    expect(() => tlsConnect({ ...base, rejectUnauthorized: true }).destroy()).not.toThrow();
    for (const [key, value, why] of [
      ['ciphers', 'HIGH', /cipherSuites/],
      ['pfx', Buffer.alloc(1), /PKCS#12/],
      ['passphrase', 'x', /decrypt the key/],
      ['ecdhCurve', 'P-256', /groups/],
    ] as const) {
      expect(() => tlsConnect({ ...base, [key]: value } as TlsConnectOptions)).toThrow(why);
    }
    expect(() => tlsConnect({ ...base, ca: [ca, loadCert('root').key] })).toThrow('ca[1] is a private key, not a certificate');
    expect(() => tlsConnect({ ...base, cert: loadCert('client-p256').cert })).toThrow('cert and key go together');
    expect(() => tlsConnect({ ...base, key: [{ pem: 'x', passphrase: 'secret' }], cert: 'x' })).toThrow(/passphrase/);
  });

  it('a TLS failure is an error event with the TlsError; a TCP one with Node\'s error', async () => {
    const bad = tlsConnect({ host: '127.0.0.1', port: echo.port, servername: 'other.example', ca });
    const [e1] = (await once(bad, 'error').catch((e: unknown) => [e])) as [Error];
    expect(e1).toMatchObject({ name: 'TlsError', code: 'CERT_NAME_MISMATCH', alert: 'bad_certificate' });
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    closed.close();
    const refused = tlsConnect({ host: '127.0.0.1', port, ca });
    const [e2] = (await once(refused, 'error').catch((e: unknown) => [e])) as [Error & { code?: string }];
    expect(e2.code).toBe('ECONNREFUSED');
  });
});

describe('0-RTT through the TLSSocket (openssl s_server -early_data)', () => {
  let server: OpenSslServer;
  beforeAll(async () => {
    server = await startOpenSslServer({ fixture: 'server-p256', mode: 'stdio', extraArgs: ['-early_data'] });
  });
  afterAll(() => server?.stop());

  it('sends writes made before the handshake as early data when a ticket allows it', async () => {
    const puts: StoredSession[] = [];
    const store = new (class extends MemorySessionStore {
      override put(key: string, s: StoredSession): void {
        puts.push(s);
        super.put(key, s);
      }
    })();
    const options = { host: '127.0.0.1', port: server.port, servername: 'localhost', ca, sessions: store, earlyData: true };
    let mark = server.mark();
    const first = await secure(tlsConnect(options));
    first.write('first\n');
    await server.waitForOutput('first', { since: mark });
    first.resume();
    while (!puts.length) await new Promise((r) => setTimeout(r, 10));
    first.end();
    await once(first, 'close');

    mark = server.mark();
    const second = tlsConnect(options);
    second.write('EARLY-VIA-TLSSOCKET\n');
    await secure(second);
    expect(second.info?.resumed).toBe(true);
    expect(second.info?.earlyDataAccepted).toBe(true);
    await server.waitForOutput('EARLY-VIA-TLSSOCKET', { since: mark });
    server.write('reply\n');
    expect(await until(second, 'reply\n')).toBe('reply\n');
    second.resume();
    second.end();
    await once(second, 'close');
    expect(server.transcript(mark).messages).toContain('<<< EndOfEarlyData');
  });
});

/** A line server: "STARTTLS" → "220 go ahead", then TLS (Node's server side) with an echo. */
async function startStartTlsServer(): Promise<{ port: number; close(): void }> {
  const leaf = loadCert('server-p256');
  const srv = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.write('220 plaintext greeting\r\n');
    socket.once('data', (line) => {
      if (line.toString() !== 'STARTTLS\r\n') return socket.end('500 what?\r\n');
      socket.write('220 go ahead\r\n', () => {
        const secured = new tls.TLSSocket(socket, { isServer: true, cert: leaf.chain, key: leaf.key, minVersion: 'TLSv1.3' });
        secured.on('data', (d: Buffer) => secured.write(`tls echo: ${d.toString()}`));
        secured.on('end', () => secured.end());
        secured.on('error', () => secured.destroy());
      });
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, close: () => srv.close() };
}

describe('STARTTLS', () => {
  let srv: Awaited<ReturnType<typeof startStartTlsServer>>;
  beforeAll(async () => {
    srv = await startStartTlsServer();
  });
  afterAll(() => srv?.close());

  /** The plaintext part, done by the application itself: read the greeting, ask, read the answer. */
  async function plaintextPart(socket: net.Socket): Promise<void> {
    let got = '';
    const lines = async (n: number) => {
      while (got.split('\r\n').length - 1 < n) got += ((await once(socket, 'data')) as [Buffer])[0].toString();
    };
    await lines(1);
    socket.write('STARTTLS\r\n');
    await lines(2);
    expect(got).toBe('220 plaintext greeting\r\n220 go ahead\r\n');
  }

  it('startTls() upgrades a socket after the application\'s plaintext exchange', async () => {
    const socket = net.connect(srv.port, '127.0.0.1');
    await once(socket, 'connect');
    await plaintextPart(socket);
    const s = await secure(startTls(socket, { servername: 'localhost', ca }));
    expect(s.getProtocol()).toBe('TLSv1.3');
    s.write('secret');
    expect(await until(s, 'secret')).toBe('tls echo: secret');
    s.resume(); // read on to the server's close_notify
    s.end();
    await once(s, 'close');
  });

  it('the preamble option runs the plaintext part on the socket tlsConnect dials', async () => {
    const s = await secure(tlsConnect({ host: '127.0.0.1', port: srv.port, servername: 'localhost', ca, preamble: plaintextPart }));
    s.write('via preamble');
    expect(await until(s, 'via preamble')).toBe('tls echo: via preamble');
    s.resume(); // read on to the server's close_notify
    s.end();
    await once(s, 'close');
  });

  it('the promise API takes the same preamble', async () => {
    const conn = await connect({ host: '127.0.0.1', port: srv.port, servername: 'localhost', ca, preamble: plaintextPart });
    const w = conn.writable.getWriter();
    await w.write(new TextEncoder().encode('promise'));
    const { value } = await conn.readable.getReader().read();
    expect(new TextDecoder().decode(value)).toBe('tls echo: promise');
    await conn.close();
  });

  it('refuses a socket that still has data listeners, and fails when the preamble throws', async () => {
    const socket = net.connect(srv.port, '127.0.0.1');
    socket.on('data', () => undefined);
    expect(() => startTls(socket, { servername: 'localhost', ca })).toThrow(/'data' listeners/);
    socket.destroy();
    const s = tlsConnect({ host: '127.0.0.1', port: srv.port, ca, preamble: () => Promise.reject(new Error('server said no')) });
    const [err] = (await once(s, 'error').catch((e: unknown) => [e])) as [Error];
    expect(err.message).toBe('server said no');
  });
});
