/**
 * The built `puretls` binary against `openssl s_server` (and a Node TLS
 * server): output, exit codes, one-line failures, --trace layout, the
 * RFC 8448 replay and the offline demo.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certFiles, startNodeTlsServer, startOpenSslServer, type NodeTlsServer, type OpenSslServer } from '../peers/index.js';
import { ensureBuilt, runCli } from './run-cli.js';

const rootCa = () => certFiles('root').certPath;
const GET = 'GET / HTTP/1.0\r\n\r\n';

/** The summary lines ("* ...") of stderr, without the prefix. */
const summaryLines = (stderr: string): string[] =>
  stderr.split('\n').filter((l) => l.startsWith('* ')).map((l) => l.slice(2));

let work: string;
beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'puretls-cli-'));
  await ensureBuilt();
}, 180_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('puretls --help and usage errors', () => {
  it('prints the command list and each command\'s help', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Usage: puretls <command>/);
    for (const cmd of ['connect', 'vectors', 'demo']) {
      expect(top.stdout).toContain(`  ${cmd}`);
      const help = await runCli([cmd, '--help']);
      expect(help.code, cmd).toBe(0);
      expect(help.stdout).toContain(`Usage: puretls ${cmd}`);
      expect(help.stderr).toBe('');
    }
    const viaHelp = await runCli(['help', 'connect']);
    expect(viaHelp.stdout).toContain('--keylog FILE');
    const version = await runCli(['--version']);
    expect(version.stdout).toMatch(/^puretls \d+\.\d+\.\d+\n$/);
  });

  it('exits 2 with one line for bad usage', async () => {
    for (const args of [['connect'], ['connect', 'localhost:4433', '--bogus'], ['frobnicate'], ['connect', 'localhost:99999']]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^puretls: /);
    }
    const r = await runCli(['connect', 'localhost:4433', '--groups', 'ffdhe2048']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^puretls: BAD_CONFIG: unknown group ffdhe2048/);
  });
});

describe('puretls connect against openssl s_server -www', () => {
  let www: OpenSslServer;
  beforeAll(async () => {
    www = await startOpenSslServer({ fixture: 'server-p256', mode: 'www', msg: false, alpn: ['http/1.1'] });
  });
  afterAll(() => www?.stop());

  it('prints the summary to stderr and the server\'s reply to stdout, exit 0', async () => {
    const r = await runCli(['connect', `localhost:${www.port}`, '--ca', rootCa(), '--alpn', 'h2,http/1.1'], { input: GET });
    expect(r.stderr).not.toMatch(/^puretls:/m);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^HTTP\/1\.0 200 ok\r\n/);
    expect(r.stdout).toContain('New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256');
    const lines = summaryLines(r.stderr);
    expect(lines[0]).toMatch(new RegExp(`^Connected to localhost port ${www.port} \\(server name localhost\\)`));
    expect(lines).toContain('Protocol: TLSv1.3, cipher suite TLS_AES_128_GCM_SHA256, key exchange x25519');
    expect(lines).toContain('Server signature: ecdsa_secp256r1_sha256');
    expect(lines).toContain('ALPN: http/1.1 (offered h2, http/1.1)');
    expect(lines).toContain('Resumed: no, HelloRetryRequest: no, early data accepted: no, client certificate sent: no');
    expect(lines).toContain('Server certificate chain (2):');
    expect(lines).toContain(' 0 subject: CN=localhost, O=puretls test');
    expect(lines).toContain('   issuer:  CN=puretls test intermediate');
    expect(lines).toContain(' 1 subject: CN=puretls test intermediate');
    expect(lines).toContain('   issuer:  CN=puretls test root');
    expect(lines.some((l) => /^ {3}valid: {3}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC to \d{4}-/.test(l))).toBe(true);
    expect(lines).toContain('Verification: OK (path of 3, trust anchor CN=puretls test root)');
  });

  it('--json puts the summary on stderr as one JSON line', async () => {
    const r = await runCli(
      ['connect', `127.0.0.1:${www.port}`, '--servername', 'localhost', '--ca', rootCa(), '--json', '--groups', 'secp384r1', '--ciphers', 'TLS_CHACHA20_POLY1305_SHA256'],
      { input: GET },
    );
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    const s = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(s).toMatchObject({
      ok: true,
      host: '127.0.0.1',
      port: www.port,
      serverName: 'localhost',
      version: 'TLSv1.3',
      cipherSuite: 'TLS_CHACHA20_POLY1305_SHA256',
      group: 'secp384r1',
      alpn: null,
      resumed: false,
      verification: { ok: true, anchor: 'CN=puretls test root', pathLength: 3 },
    });
    expect(s.chain).toHaveLength(2);
    expect(r.stdout).toContain('Cipher is TLS_CHACHA20_POLY1305_SHA256');
  });

  it('a wrong name fails with exit 1 and a one-line reason', async () => {
    const r = await runCli(['connect', `127.0.0.1:${www.port}`, '--servername', 'wrong.example', '--ca', rootCa()], { input: GET });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      'puretls: CERT_NAME_MISMATCH: certificate is not valid for "wrong.example"; it is valid for localhost, 127.0.0.1, 0:0:0:0:0:0:0:1 (alert bad_certificate sent)',
    ]);
  });

  it('an untrusted chain fails with CERT_UNTRUSTED_ROOT (bundled Mozilla roots), --json says why', async () => {
    const r = await runCli(['connect', `localhost:${www.port}`], { input: GET });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^puretls: CERT_UNTRUSTED_ROOT: .*\(alert unknown_ca sent\)\n$/);
    const j = await runCli(['connect', `localhost:${www.port}`, '--json'], { input: GET });
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stderr)).toMatchObject({ ok: false, error: { code: 'CERT_UNTRUSTED_ROOT', alertSent: 'unknown_ca' } });
  });

  it('--insecure reports the failed verification and goes on', async () => {
    const r = await runCli(['connect', `localhost:${www.port}`, '-k', '--servername', 'wrong.example', '--ca', rootCa()], { input: GET });
    expect(r.code).toBe(0);
    expect(summaryLines(r.stderr)).toContain(
      'Verification: FAILED CERT_NAME_MISMATCH: certificate is not valid for "wrong.example"; it is valid for localhost, 127.0.0.1, 0:0:0:0:0:0:0:1',
    );
    expect(r.stdout).toMatch(/^HTTP\/1\.0 200 ok/);
  });

  it('--trace prints every message and secret in RFC 8448\'s layout', async () => {
    const r = await runCli(['connect', `localhost:${www.port}`, '--ca', rootCa(), '--trace', '-q'], { input: GET });
    expect(r.code).toBe(0);
    const t = r.stderr;
    const headings = [
      '{client}  construct a ClientHello handshake message:',
      '{server}  construct a ServerHello handshake message:',
      '{client}  extract secret "early":',
      '{client}  extract secret "handshake":',
      '{client}  derive secret "tls13 c hs traffic":',
      '{client}  derive secret "tls13 s hs traffic":',
      '{client}  extract secret "master":',
      '{server}  construct an EncryptedExtensions handshake message:',
      '{server}  construct a Certificate handshake message:',
      '{server}  construct a CertificateVerify handshake message:',
      '{server}  construct a Finished handshake message:',
      '{client}  derive secret "tls13 c ap traffic":',
      '{client}  derive secret "tls13 s ap traffic":',
      '{client}  derive secret "tls13 exp master":',
      '{client}  construct a Finished handshake message:',
      '{client}  derive secret "tls13 res master":',
    ];
    let at = 0;
    for (const h of headings) {
      const i = t.indexOf(h + '\n', at);
      expect(i, h).toBeGreaterThanOrEqual(0);
      at = i;
    }
    expect(t).toContain('   IKM (32 octets):\n');
    expect(t).toMatch(/ {3}secret \(32 octets\):\n {6}(?:[0-9a-f]{2} ){15}[0-9a-f]{2}\n {6}(?:[0-9a-f]{2} ){15}[0-9a-f]{2}\n\n/);
    // Every hex row holds at most 16 octets.
    for (const row of t.split('\n').filter((l) => /^ {6}[0-9a-f]{2}( |$)/.test(l))) {
      expect(row.trim().split(' ').length).toBeLessThanOrEqual(16);
    }
    expect(r.stdout).toMatch(/^HTTP\/1\.0 200 ok/);
  });

  it('--keylog writes the TLS 1.3 secrets in SSLKEYLOGFILE format', async () => {
    const keylog = path.join(work, 'keys.txt');
    const r = await runCli(['connect', `localhost:${www.port}`, '--ca', rootCa(), '--keylog', keylog, '-q'], { input: GET });
    expect(r.code).toBe(0);
    const labels = readFileSync(keylog, 'utf8').trim().split('\n').map((l) => l.split(' ')[0]);
    expect(labels).toEqual(
      expect.arrayContaining([
        'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
        'SERVER_HANDSHAKE_TRAFFIC_SECRET',
        'CLIENT_TRAFFIC_SECRET_0',
        'SERVER_TRAFFIC_SECRET_0',
        'EXPORTER_SECRET',
      ]),
    );
    for (const line of readFileSync(keylog, 'utf8').trim().split('\n')) {
      expect(line).toMatch(/^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]{64}$/);
    }
  });
});

describe('puretls connect: data both ways, closes, failures', () => {
  it('pipes stdin to openssl s_server -rev and its replies to stdout; EOF sends close_notify', async () => {
    const rev = await startOpenSslServer({ fixture: 'server-ed25519', mode: 'rev', msg: false });
    try {
      const r = await runCli(['connect', `localhost:${rev.port}`, '--ca', rootCa(), '-q'], { input: 'hello\npuretls\n' });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('olleh\nslterup\n');
      expect(r.stderr).toBe('');
      await rev.waitForOutput('CONNECTION CLOSED');
    } finally {
      await rev.stop();
    }
  });

  it('exits when the server closes even though stdin is still open', async () => {
    const www = await startOpenSslServer({ fixture: 'server-p256', mode: 'www', msg: false });
    try {
      const r = await runCli(['connect', `localhost:${www.port}`, '--ca', rootCa(), '-q'], { input: GET, endInputAfterMs: 60_000 });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^HTTP\/1\.0 200 ok/);
      expect(r.ms).toBeLessThan(15_000);
    } finally {
      await www.stop();
    }
  });

  it('a refused connection is a one-line CONNECTION_CLOSED, exit 1', async () => {
    const r = await runCli(['connect', '127.0.0.1:1'], { input: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^puretls: CONNECTION_CLOSED: cannot connect to 127\.0\.0\.1:1: .*ECONNREFUSED.*\n$/);
  });

  it('a server alert is reported with its name', async () => {
    // The server demands a client certificate and we have none: it sends certificate_required.
    const mtls = await startOpenSslServer({
      fixture: 'server-p256',
      mode: 'www',
      msg: false,
      verifyClient: { caFile: certFiles('client-ca').certPath },
    });
    try {
      const r = await runCli(['connect', `localhost:${mtls.port}`, '--ca', rootCa(), '-q'], { input: GET });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^puretls: ALERT_RECEIVED: .*\(server sent alert certificate_required\)\n$/);
    } finally {
      await mtls.stop();
    }
  });

  it('--cert/--key authenticate the client (mutual TLS)', async () => {
    const mtls = await startOpenSslServer({
      fixture: 'server-p256',
      mode: 'www',
      msg: false,
      verifyClient: { caFile: certFiles('client-ca').certPath },
    });
    try {
      const client = certFiles('client-p256');
      const r = await runCli(
        ['connect', `localhost:${mtls.port}`, '--ca', rootCa(), '--cert', client.certPath, '--key', client.keyPath],
        { input: GET },
      );
      expect(r.code).toBe(0);
      expect(summaryLines(r.stderr).join('\n')).toContain('client certificate sent: yes');
      expect(r.stdout).toMatch(/^HTTP\/1\.0 200 ok/);
    } finally {
      await mtls.stop();
    }
  });

  it('--progress shows a transfer meter on stderr for a transfer over a second long', async () => {
    let server: NodeTlsServer | undefined;
    try {
      server = await startNodeTlsServer({
        fixture: 'server-p256',
        mode: 'custom',
        onSecureConnection: (socket) => {
          let sent = 0;
          const t = setInterval(() => {
            socket.write(Buffer.alloc(64 * 1024, 0x61));
            if (++sent === 20) {
              clearInterval(t);
              socket.end();
            }
          }, 80);
          socket.on('close', () => clearInterval(t));
        },
      });
      const r = await runCli(['connect', `localhost:${server.port}`, '--ca', rootCa(), '-q', '--progress'], { endInputAfterMs: 10_000 });
      expect(r.code).toBe(0);
      expect(r.stdout.length).toBe(20 * 64 * 1024);
      expect(r.stderr).toMatch(/received \d+\.\d (KiB|MiB) \([\d.]+ (B|KiB|MiB)\/s\), sent 0 B, \d+\.\d s\n$/);
    } finally {
      await server?.stop();
    }
  });
});

describe('puretls vectors', () => {
  it('replays RFC 8448 §3-§7: every value ✓, exit 0', async () => {
    const r = await runCli(['vectors']);
    expect(r.code, r.stdout).toBe(0);
    for (const s of ['§3 Simple 1-RTT Handshake', '§4 Resumed 0-RTT Handshake', '§5 HelloRetryRequest', '§6 Client Authentication', '§7 Compatibility Mode']) {
      expect(r.stdout).toContain(`RFC 8448 ${s}\n`);
    }
    expect(r.stdout).not.toMatch(/^ {2}✗/m);
    const ticks = r.stdout.split('\n').filter((l) => l.startsWith('  ✓ ')).length;
    expect(ticks).toBeGreaterThan(100);
    expect(r.stdout).toContain(`${ticks} values checked: ${ticks} ✓, 0 ✗\n`);
    expect(r.stdout).toContain('  ✓ derive secret "tls13 c hs traffic"\n');
    expect(r.stdout).toContain('  ✓ {client} send handshake records (EndOfEarlyData, Finished)\n');
  });

  it('--section 3 --trace prints §3\'s trace in the RFC layout with the RFC\'s bytes', async () => {
    const r = await runCli(['vectors', '--section', '3', '--trace']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('§4');
    // RFC 8448 §3: the handshake secret, in rows of 16.
    expect(r.stdout).toContain(
      '    {client}  extract secret "handshake":\n\n' +
        '       IKM (32 octets):\n' +
        '          8b d4 05 4f b5 5b 9d 63 fd fb ac f9 f0 4b 9f 0d\n' +
        '          35 e6 d6 3f 53 75 63 ef d4 62 72 90 0f 89 49 2d\n\n' +
        '       secret (32 octets):\n' +
        '          1d c8 26 e9 36 06 aa 6f dc 0a ad c1 2f 74 1b 01\n' +
        '          04 6a a6 b9 9f 69 1e d2 21 a9 f0 ca 04 3f be ac\n',
    );
  });

  it('--json lists every check', async () => {
    const r = await runCli(['vectors', '--json', '--section', '5']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { ok: boolean; sections: Array<{ id: string; checks: Array<{ ok: boolean }> }> };
    expect(j.ok).toBe(true);
    expect(j.sections.map((s) => s.id)).toEqual(['§5']);
    expect(j.sections[0]!.checks.every((c) => c.ok)).toBe(true);
  });
});

describe('puretls demo', () => {
  it('generates a certificate, serves HTTPS on loopback, connects with verification, exit 0', async () => {
    const r = await runCli(['demo']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Generated a fresh P-256 root and a certificate for localhost');
    expect(r.stdout).toMatch(/\* Verification: OK \(path of 2, trust anchor CN=puretls demo root/);
    expect(r.stdout).toContain('* ALPN: http/1.1 (offered http/1.1)');
    expect(r.stdout).toMatch(/ {3}HTTP\/1\.1 200 OK\n/);
    expect(r.stdout).toContain('Hello from a Node HTTPS server on loopback.');
  });

  it('--json gives the summary and the reply', async () => {
    const r = await runCli(['demo', '--json', '--groups', 'secp256r1']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { ok: boolean; group: string; reply: string; verification: { ok: boolean } };
    expect(j).toMatchObject({ ok: true, group: 'secp256r1', verification: { ok: true } });
    expect(j.reply).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });
});
