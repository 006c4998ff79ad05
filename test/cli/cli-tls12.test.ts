/**
 * The built `puretls` binary against TLS 1.2 servers (issue 10): the
 * summary, --json and --trace show a TLS 1.2 handshake; --max-version and
 * --min-version choose; a TLS 1.2 suite may be named in OpenSSL's spelling.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certFiles, startOpenSslServer, type OpenSslServer } from '../peers/index.js';
import { ensureBuilt, runCli } from './run-cli.js';

const rootCa = () => certFiles('root').certPath;
const GET = 'GET / HTTP/1.0\r\n\r\n';
const summaryLines = (stderr: string): string[] =>
  stderr.split('\n').filter((l) => l.startsWith('* ')).map((l) => l.slice(2));

describe('puretls connect to TLS 1.2 servers', () => {
  let only12: OpenSslServer;
  let both: OpenSslServer;
  beforeAll(async () => {
    await ensureBuilt();
    only12 = await startOpenSslServer({ fixture: 'server-p256', mode: 'www', msg: false, protocol: 'tls1.2', alpn: ['http/1.1'] });
    both = await startOpenSslServer({ fixture: 'server-rsa2048', mode: 'www', msg: false, protocol: 'tls1.2+' });
  }, 180_000);
  afterAll(async () => {
    await only12?.stop();
    await both?.stop();
  });

  it('the summary names TLS 1.2, its suite, group, signature and extended master secret', async () => {
    const r = await runCli(['connect', `localhost:${only12.port}`, '--ca', rootCa(), '--alpn', 'http/1.1'], { input: GET });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256');
    const lines = summaryLines(r.stderr);
    expect(lines).toContain('Protocol: TLSv1.2, cipher suite TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, key exchange x25519');
    expect(lines).toContain('Server signature: ecdsa_secp256r1_sha256');
    expect(lines).toContain('Extended master secret (RFC 7627): yes');
    expect(lines).toContain('ALPN: http/1.1 (offered http/1.1)');
    expect(lines).toContain('Verification: OK (path of 3, trust anchor CN=puretls test root)');
  });

  it('--json with a TLS 1.2 suite in OpenSSL spelling and a group', async () => {
    const r = await runCli(
      ['connect', `localhost:${only12.port}`, '--ca', rootCa(), '--json', '--ciphers', 'ECDHE-ECDSA-CHACHA20-POLY1305', '--groups', 'P-384,P-256'],
      { input: GET },
    );
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stderr.trim()) as Record<string, unknown>;
    expect(s).toMatchObject({
      ok: true,
      version: 'TLSv1.2',
      cipherSuite: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
      group: 'secp384r1',
      extendedMasterSecret: true,
      verification: { ok: true },
    });
  });

  it('--trace lays out the TLS 1.2 messages and secrets', async () => {
    const r = await runCli(['connect', `localhost:${only12.port}`, '--ca', rootCa(), '--trace', '-q'], { input: GET });
    expect(r.code, r.stderr).toBe(0);
    const headings = [
      '{client}  construct a ClientHello handshake message:',
      '{server}  construct a ServerHello handshake message:',
      '{server}  construct a Certificate handshake message:',
      '{server}  construct a ServerKeyExchange handshake message:',
      '{client}  compute the ECDHE premaster secret:',
      '{server}  construct a ServerHelloDone handshake message:',
      '{client}  construct a ClientKeyExchange handshake message:',
      '{client}  derive master_secret (PRF):',
      '{client}  derive key_block (PRF "key expansion"):',
      '{client}  construct a Finished handshake message:',
      '{server}  construct a Finished handshake message:',
    ];
    let at = 0;
    for (const h of headings) {
      const i = r.stderr.indexOf(h + '\n', at);
      expect(i, h).toBeGreaterThanOrEqual(0);
      at = i;
    }
    expect(r.stderr).toContain('   master_secret (48 octets):\n');
    expect(r.stderr).toContain('   client_write_IV (4 octets):\n');
  });

  it('--max-version 1.2 gets TLS 1.2 from a server that speaks both; by default it gets 1.3', async () => {
    const r12 = await runCli(['connect', `localhost:${both.port}`, '--ca', rootCa(), '--json', '--max-version', '1.2'], { input: GET });
    expect(r12.code, r12.stderr).toBe(0);
    expect(JSON.parse(r12.stderr.trim())).toMatchObject({ version: 'TLSv1.2', cipherSuite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' });
    const r13 = await runCli(['connect', `localhost:${both.port}`, '--ca', rootCa(), '--json'], { input: GET });
    expect(JSON.parse(r13.stderr.trim())).toMatchObject({ version: 'TLSv1.3' });
  });

  it('--min-version 1.3 against a TLS 1.2-only server fails with one line, exit 1', async () => {
    const r = await runCli(['connect', `localhost:${only12.port}`, '--ca', rootCa(), '--min-version', '1.3'], { input: GET });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^puretls: ALERT_RECEIVED: .*protocol_version/);
  });

  it('a bad --min-version is a usage error', async () => {
    const r = await runCli(['connect', `localhost:${only12.port}`, '--min-version', '1.1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--min-version takes 1\.2 or 1\.3/);
  });
});
