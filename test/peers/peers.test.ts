/**
 * Proves the test peers and the generated PKI work, using Node's own TLS
 * client (and `openssl s_client` where an alert on the wire is needed).
 * Independent of the engine under test.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIENT_CERTS,
  GUARD_SCRIPT,
  certFiles,
  liveProcesses,
  loadCert,
  SERVER_ROOT,
  startNodeTlsServer,
  startOpenSslServer,
  type NodeTlsServer,
  type OpenSslServer,
  type ServerCertName,
} from './index.js';

const VALID_SERVER_CERTS = [
  ['server-p256', 'ecdsa_secp256r1_sha256'],
  ['server-p384', 'ecdsa_secp384r1_sha384'],
  ['server-rsa2048', 'rsa_pss_rsae_sha256'],
  ['server-ed25519', 'ed25519'],
  ['server-rsa-chain', 'rsa_pss_rsae_sha256'],
  ['server-ecdsa-chain', 'ecdsa_secp256r1_sha256'],
] as const satisfies ReadonlyArray<readonly [ServerCertName, string]>;

function rootPem(name: ServerCertName): string {
  return loadCert(SERVER_ROOT[name]).cert;
}

async function nodeConnect(port: number, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    minVersion: 'TLSv1.3',
    ...options,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Read from the socket until `bytes` bytes have arrived. */
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

/** end() and wait for the peer's end + close. */
async function closeGracefully(socket: tls.TLSSocket): Promise<void> {
  const ended = once(socket, 'end');
  const closed = once(socket, 'close');
  socket.end();
  await ended;
  await closed;
}

function sClient(args: string[], input = ''): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = execFile('openssl', ['s_client', ...args], { timeout: 10_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
    child.stdin?.end(input);
  });
}

describe('generated PKI', () => {
  it('has the expected files and chains', () => {
    for (const [name] of VALID_SERVER_CERTS) {
      const c = loadCert(name);
      expect(c.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(c.chain.startsWith(c.cert.trim())).toBe(true);
      expect(c.chain.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    }
    for (const name of CLIENT_CERTS) expect(loadCert(name).key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(loadCert('server-expired').chain.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });
});

describe.each(VALID_SERVER_CERTS)('openssl s_server with %s', (fixture) => {
  let server: OpenSslServer;
  beforeAll(async () => {
    server = await startOpenSslServer({ fixture });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('handshakes, reverses a line, and exchanges close_notify', async () => {
    const mark = server.mark();
    const socket = await nodeConnect(server.port, { ca: rootPem(fixture) });
    expect(socket.authorized).toBe(true);
    expect(socket.getProtocol()).toBe('TLSv1.3');
    socket.write('hello world\n');
    expect((await readBytes(socket, 12)).toString()).toBe('dlrow olleh\n');
    await closeGracefully(socket);
    await server.waitForOutput('CONNECTION CLOSED', { since: mark });
    // s_server prints CONNECTION CLOSED before it sends its own close_notify.
    await server.waitForOutput(/^>>> [^\n]*Alert \[length 0002\], warning close_notify$/m, { since: mark });
    const t = server.transcript(mark);
    expect(t.clientHellos[0]?.serverName).toBe('localhost');
    expect(t.serverHellos.at(-1)?.group).toBe('x25519');
    expect(t.alertsReceived).toContainEqual({ level: 'warning', name: 'close_notify' });
    expect(t.alertsSent).toContainEqual({ level: 'warning', name: 'close_notify' });
  });
});

describe.each(VALID_SERVER_CERTS)('node tls server with %s', (fixture) => {
  let server: NodeTlsServer;
  beforeAll(async () => {
    server = await startNodeTlsServer({ fixture });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('handshakes, echoes, and sees the client close_notify', async () => {
    const socket = await nodeConnect(server.port, { ca: rootPem(fixture) });
    const clientPort = socket.localPort!;
    expect(socket.authorized).toBe(true);
    socket.write('ping');
    expect((await readBytes(socket, 4)).toString()).toBe('ping');
    await closeGracefully(socket);
    const conn = await server.closedConnectionFrom(clientPort);
    expect(conn.remotePort).toBe(clientPort);
    expect(conn.secure).toBe(true);
    expect(conn.protocol).toBe('TLSv1.3');
    expect(conn.cipher).toBe(conn.cipherSuite);
    expect(conn.group).toBe('x25519');
    expect(conn.servername).toBe('localhost');
    expect(conn.observer.clientHellos[0]?.serverName).toBe('localhost');
    expect(conn.observer.clientApplicationBytes).toBe(4);
    expect(conn.observer.clientSentCloseNotify).toBe(true);
    expect(conn.observer.notes).toEqual([]);
    expect(conn.bytesReceived).toBe(4);
    expect(conn.bytesSent).toBe(4);
  });
});

describe('server-side records of what was negotiated', () => {
  const suites = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;

  it.each(suites)('node server restricted to %s', async (suite) => {
    const server = await startNodeTlsServer({ fixture: 'server-p256', ciphers: [suite], groups: ['secp384r1'] });
    try {
      const socket = await nodeConnect(server.port, { ca: rootPem('server-p256'), ecdhCurve: 'X25519:P-256:P-384' });
      const clientPort = socket.localPort!;
      expect(socket.getCipher().standardName).toBe(suite);
      socket.write('x');
      await readBytes(socket, 1);
      await closeGracefully(socket);
      const conn = await server.closedConnectionFrom(clientPort);
      expect(conn.cipher).toBe(suite);
      expect(conn.cipherSuite).toBe(suite);
      // The Node client only sends an x25519 key share: the server asks again.
      expect(conn.helloRetryRequest).toBe(true);
      expect(conn.group).toBe('secp384r1');
      expect(conn.observer.clientHellos).toHaveLength(2);
      expect(conn.observer.clientHellos[1]?.keyShares).toEqual(['secp384r1']);
      expect(conn.observer.clientSentCloseNotify).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it.each(suites)('openssl server restricted to %s', async (suite) => {
    const server = await startOpenSslServer({ fixture: 'server-p384', ciphersuites: [suite], groups: ['secp256r1'] });
    try {
      const socket = await nodeConnect(server.port, { ca: rootPem('server-p384'), ecdhCurve: 'X25519:P-256' });
      expect(socket.getCipher().standardName).toBe(suite);
      socket.write('abc\n');
      expect((await readBytes(socket, 4)).toString()).toBe('cba\n');
      await closeGracefully(socket);
      const t = server.transcript();
      expect(t.serverHellos.map((h) => h.helloRetryRequest)).toEqual([true, false]);
      expect(t.serverHellos[1]?.group).toBe('secp256r1');
      expect(t.serverHellos[1]?.cipherSuite).toBe(suite);
    } finally {
      await server.stop();
    }
  });

  it('node server sees a TCP FIN without close_notify as such', async () => {
    const server = await startNodeTlsServer({ fixture: 'server-p256' });
    try {
      const raw = net.connect(server.port, '127.0.0.1');
      await once(raw, 'connect');
      const socket = await nodeConnect(server.port, { socket: raw, ca: rootPem('server-p256') });
      const clientPort = socket.localPort!;
      socket.write('x');
      await readBytes(socket, 1);
      raw.end(); // TCP FIN under the TLS layer: no close_notify
      raw.once('end', () => socket.destroy());
      const conn = await server.closedConnectionFrom(clientPort);
      expect(conn.observer.clientSentCloseNotify).toBe(false);
      expect(conn.observer.clientApplicationBytes).toBe(1);
    } finally {
      await server.stop();
    }
  });
});

describe('1 MiB each way through the node echo server', () => {
  it('echoes every byte', async () => {
    const server = await startNodeTlsServer({ fixture: 'server-p256' });
    try {
      const socket = await nodeConnect(server.port, { ca: rootPem('server-p256') });
      const clientPort = socket.localPort!;
      const data = Buffer.alloc(1 << 20);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 12)) & 0xff;
      const reading = readBytes(socket, data.length);
      socket.write(data);
      const back = await reading;
      expect(back.length).toBe(data.length);
      expect(back.equals(data)).toBe(true);
      await closeGracefully(socket);
      const conn = await server.closedConnectionFrom(clientPort);
      expect(conn.observer.clientApplicationBytes).toBe(data.length);
      expect(conn.bytesSent).toBe(data.length);
    } finally {
      await server.stop();
    }
  });
});

describe('alerts on the wire (openssl s_client as the refusing client)', () => {
  const cases = [
    ['server-expired', 'certificate_expired', 'root', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED'],
    ['server-untrusted', 'unknown_ca', 'root', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'],
  ] as const;

  it.each(cases)('%s: node server records the %s alert', async (fixture, alert, root, code) => {
    const server = await startNodeTlsServer({ fixture });
    try {
      const r = await sClient([
        '-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost',
        '-CAfile', certFiles(root).certPath, '-verify_return_error',
      ]);
      expect(r.code).not.toBe(0);
      const conn = await server.closedConnection(0);
      expect(conn.secure).toBe(false);
      expect(conn.observer.clientAlerts.map((a) => a.name)).toContain(alert);
      expect(server.clientErrors.map((e) => (e as { code?: string }).code)).toContain(code);
    } finally {
      await server.stop();
    }
  });

  it.each(cases)('%s: openssl server records the %s alert', async (fixture, alert, root) => {
    const server = await startOpenSslServer({ fixture });
    try {
      const r = await sClient([
        '-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost',
        '-CAfile', certFiles(root).certPath, '-verify_return_error',
      ]);
      expect(r.code).not.toBe(0);
      await server.waitForOutput('CONNECTION FAILURE');
      expect(server.transcript().alertsReceived).toContainEqual({ level: 'fatal', name: alert });
    } finally {
      await server.stop();
    }
  });

  it('node server decrypts the encrypted close_notify sent by s_client', async () => {
    const server = await startNodeTlsServer({ fixture: 'server-p256' });
    try {
      // On EOF of stdin, s_client sends close_notify under the application keys.
      const r = await sClient(
        ['-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost', '-CAfile', certFiles('root').certPath, '-verify_return_error', '-quiet', '-no_ign_eof'],
        'hello\n',
      );
      expect(r.code).toBe(0);
      const conn = await server.closedConnection(0);
      expect(conn.observer.clientApplicationBytes).toBe(6);
      expect(conn.observer.clientSentCloseNotify).toBe(true);
      expect(conn.observer.clientAlerts.find((a) => a.description === 0)?.encrypted).toBe(true);
    } finally {
      await server.stop();
    }
  });
});

describe('client certificates (mTLS plumbing)', () => {
  it.each(CLIENT_CERTS)('node server accepts %s', async (name) => {
    const server = await startNodeTlsServer({ fixture: 'server-p256', requestCert: true, ca: loadCert('client-ca').cert });
    try {
      const client = loadCert(name);
      const socket = await nodeConnect(server.port, { ca: rootPem('server-p256'), cert: client.cert, key: client.key });
      const clientPort = socket.localPort!;
      socket.write('m');
      await readBytes(socket, 1);
      await closeGracefully(socket);
      const conn = await server.closedConnectionFrom(clientPort);
      expect(conn.authorized).toBe(true);
      expect(Buffer.from(conn.peerCertificate!).equals(Buffer.from(client.certDer))).toBe(true);
      expect(conn.observer.clientProtectedHandshake).toEqual(['certificate', 'certificate_verify', 'finished']);
    } finally {
      await server.stop();
    }
  });

  it('openssl server requires and verifies a client certificate', async () => {
    const server = await startOpenSslServer({
      fixture: 'server-p256',
      verifyClient: { caFile: certFiles('client-ca').certPath },
    });
    try {
      const client = loadCert('client-ed25519');
      const socket = await nodeConnect(server.port, { ca: rootPem('server-p256'), cert: client.cert, key: client.key });
      socket.write('mtls\n');
      expect((await readBytes(socket, 5)).toString()).toBe('sltm\n');
      await closeGracefully(socket);
      expect(server.output).toMatch(/verify return:1/);
    } finally {
      await server.stop();
    }
  });
});

describe('openssl server modes', () => {
  it('www answers GET /', async () => {
    const server = await startOpenSslServer({ fixture: 'server-p256', mode: 'www', alpn: ['http/1.1'] });
    try {
      const socket = await nodeConnect(server.port, { ca: rootPem('server-p256'), ALPNProtocols: ['http/1.1'] });
      expect(socket.alpnProtocol).toBe('http/1.1');
      socket.write('GET / HTTP/1.0\r\n\r\n');
      const chunks: Buffer[] = [];
      socket.on('data', (d: Buffer) => chunks.push(d));
      await once(socket, 'end');
      expect(Buffer.concat(chunks).toString()).toMatch(/^HTTP\/1\.0 200 ok/);
      socket.destroy();
    } finally {
      await server.stop();
    }
  });

  it('stdio passes data both ways', async () => {
    const server = await startOpenSslServer({ fixture: 'server-p256', mode: 'stdio' });
    try {
      const socket = await nodeConnect(server.port, { ca: rootPem('server-p256') });
      socket.write('from client\n');
      await server.waitForOutput('from client');
      server.write('from server\n');
      expect((await readBytes(socket, 12)).toString()).toBe('from server\n');
      socket.destroy();
    } finally {
      await server.stop();
    }
  });
});

describe('process hygiene', () => {
  /** Non-zombie processes in a process group (Linux /proc). */
  const groupMembers = (pgid: number): number[] => {
    const out: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(pgrp) === pgid && state !== 'Z') out.push(Number(entry));
      } catch {
        // exited meanwhile
      }
    }
    return out;
  };
  const alive = (pid: number) => groupMembers(pid).includes(pid);

  it('stop() ends the openssl process group', async () => {
    const server = await startOpenSslServer({ fixture: 'server-p256' });
    const pid = server.process.pid;
    expect(alive(pid)).toBe(true);
    await server.stop();
    expect(alive(pid)).toBe(false);
    expect(groupMembers(pid)).toEqual([]);
    expect(liveProcesses().filter((p) => p.pid === pid)).toEqual([]);
  });

  it('a peer dies with its parent even when the parent is SIGKILLed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'puretls-guard-'));
    const script = path.join(dir, 'parent.mjs');
    const files = certFiles('server-p256');
    writeFileSync(
      script,
      `import { spawn } from 'node:child_process';
       const c = spawn('/bin/sh', ['-c', process.env.GUARD, 'guard', 'openssl', 's_server', '-accept', '127.0.0.1:0',
         '-cert', ${JSON.stringify(files.certPath)}, '-key', ${JSON.stringify(files.keyPath)}],
         { stdio: ['pipe', 'pipe', 'inherit', 'pipe'], detached: true });
       c.stdout.on('data', (d) => { if (String(d).includes('ACCEPT')) console.log('GROUP ' + c.pid); });
       setInterval(() => {}, 1000);`,
    );
    const parent = spawn(process.execPath, [script], { env: { ...process.env, GUARD: GUARD_SCRIPT }, stdio: ['ignore', 'pipe', 'inherit'] });
    const group = await new Promise<number>((resolve, reject) => {
      let out = '';
      parent.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /GROUP (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      parent.once('exit', () => reject(new Error('parent exited early')));
    });
    const groupAlive = () => groupMembers(group).length > 0;
    expect(groupMembers(group).length).toBeGreaterThanOrEqual(3); // guard, watchdog, openssl
    expect(groupAlive()).toBe(true);
    parent.kill('SIGKILL');
    const deadline = Date.now() + 5000;
    while (groupAlive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(groupAlive()).toBe(false);
  });
});
