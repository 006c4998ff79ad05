/**
 * puretls against web servers that Debian 12 packages, met the way a user
 * meets them: the packaged binary with a config file of ours (temp dir,
 * free loopback port, foreground child), a GET of a static file through
 * puretls's Node entry point (`connect` from puretls/node), and what was
 * negotiated checked on our side (and, for nginx, in its access log).
 *
 *   nginx 1.22 (OpenSSL 3.0)          TLS 1.2 and 1.3, ECDSA and RSA chains,
 *                                      resumption by ticket and by session ID
 *   lighttpd 1.4 + mod_mbedtls (2.28) TLS 1.2-only stack of embedded devices
 *   lighttpd 1.4 + mod_wolfssl (5.5)  pinned to TLS 1.2 (and unpinned: 1.3)
 *   lighttpd 1.4 + mod_gnutls (3.7)   pinned to TLS 1.2
 *
 * Each server also gets a wrong CA, which must fail with CERT_UNTRUSTED_ROOT,
 * and its log must show our alert arriving.
 *
 * CI installs the packages (.ci/run); elsewhere a missing server skips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TlsError } from '../../src/errors.js';
import { MemorySessionStore, type StoredSession, type StoredSession12 } from '../../src/index.js';
import { loadCert, type CaCertName } from '../peers/index.js';
import {
  haveLighttpd,
  haveNginx,
  httpsGet,
  startLighttpd,
  startNginx,
  type HttpsResponse,
  type LighttpdOptions,
  type NginxOptions,
  type NginxServer,
  type WebServer,
} from './debian-servers.js';

const suiteIf = (have: boolean) => (have || process.env.CI ? describe : describe.skip);
const ca = (name: CaCertName) => loadCert(name).cert;
const wrongCa = () => loadCert('untrusted-root').cert;

/** A MemorySessionStore that keeps a copy of every session put into it. */
class WatchedStore extends MemorySessionStore {
  readonly stored: StoredSession[] = [];
  override put(key: string, session: StoredSession): void {
    this.stored.push(session);
    super.put(key, session);
  }
}

/** GET the server's static file twice with one session store; the first is a full handshake. */
async function getTwice(server: WebServer, root: CaCertName): Promise<{ full: HttpsResponse; again: HttpsResponse; store: WatchedStore }> {
  const store = new WatchedStore();
  const full = await httpsGet(server.port, server.file.path, { ca: ca(root), sessions: store });
  const again = await httpsGet(server.port, server.file.path, { ca: ca(root), sessions: store });
  for (const r of [full, again]) {
    expect(r.status).toBe(200);
    expect(r.body).toBe(server.file.body);
  }
  expect(full.info.resumed).toBe(false);
  expect(full.info.peerCertificates.length).toBeGreaterThan(1); // leaf + intermediate: the chain file is served
  expect(full.info.trustAnchor).toBeDefined();
  return { full, again, store };
}

/** The resumed connection: same suite and group, no certificate, no signature. */
function expectResumedLike(again: HttpsResponse, full: HttpsResponse): void {
  expect(again.info.resumed).toBe(true);
  expect(again.info.version).toBe(full.info.version);
  expect(again.info.cipherSuite).toBe(full.info.cipherSuite);
  expect(again.info.group).toBe(full.info.group);
  expect(again.info.peerCertificates).toHaveLength(0);
  expect(again.info.signatureScheme).toBeNull();
}

/** A wrong CA fails with CERT_UNTRUSTED_ROOT and our unknown_ca alert reaches the server's log. */
async function expectWrongCaFails(server: WebServer, logged: RegExp): Promise<void> {
  const mark = server.process.outputLength;
  const err = await httpsGet(server.port, server.file.path, { ca: wrongCa(), sessions: false }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TlsError);
  expect((err as TlsError).code).toBe('CERT_UNTRUSTED_ROOT');
  expect((err as TlsError).alert).toBe('unknown_ca');
  await server.process.waitForOutput(logged, { since: mark, timeoutMs: 5000 });
}

suiteIf(haveNginx())('nginx (Debian package, OpenSSL 3)', () => {
  const servers: NginxServer[] = [];
  let only12Ecdsa: NginxServer;
  let both12And13Rsa: NginxServer;
  let sessionIdRsa: NginxServer;

  beforeAll(async () => {
    const start = async (o: NginxOptions) => {
      const s = await startNginx(o);
      servers.push(s);
      return s;
    };
    [only12Ecdsa, both12And13Rsa, sessionIdRsa] = await Promise.all([
      start({ fixture: 'server-ecdsa-chain', protocols: 'TLSv1.2', sessionTickets: true }),
      start({ fixture: 'server-rsa-chain', protocols: 'TLSv1.2 TLSv1.3', sessionTickets: true }),
      start({ fixture: 'server-rsa-chain', protocols: 'TLSv1.2', sessionTickets: false, sessionCache: 'shared:SSL:1m' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('ssl_protocols TLSv1.2, ECDSA chain: TLS 1.2 GET, then resumed by session ticket', async () => {
    const { full, again, store } = await getTwice(only12Ecdsa, 'ecdsa-root');
    expect(full.info).toMatchObject({
      version: 'TLSv1.2',
      cipherSuite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
      group: 'x25519',
      signatureScheme: 'ecdsa_secp256r1_sha256',
      extendedMasterSecret: true,
    });
    expectResumedLike(again, full);
    const first = store.stored[0] as StoredSession12;
    expect(first.version).toBe('TLSv1.2');
    expect(first.ticket.length).toBeGreaterThan(0); // RFC 5077 ticket
    // nginx's side of it.
    const log = await only12Ecdsa.accessLog(2);
    expect(log).toEqual([
      { protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256', curve: 'X25519', reused: false, status: 200, uri: '/hello.txt' },
      { protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256', curve: 'X25519', reused: true, status: 200, uri: '/hello.txt' },
    ]);
  });

  it('ssl_protocols TLSv1.2 TLSv1.3, RSA chain: TLS 1.3 GET, then resumed by PSK ticket', async () => {
    const { full, again, store } = await getTwice(both12And13Rsa, 'rsa-root');
    expect(full.info).toMatchObject({
      version: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      group: 'x25519', // OpenSSL 3.0 has no X25519MLKEM768: our second key share
      helloRetryRequest: false,
      signatureScheme: 'rsa_pss_rsae_sha256',
    });
    expectResumedLike(again, full);
    // TLS 1.3 tickets (a StoredSession13 may leave `version` out).
    expect(store.stored.length).toBeGreaterThan(0);
    expect(new Set(store.stored.map((t) => t.version ?? 'TLSv1.3'))).toEqual(new Set(['TLSv1.3']));
    const log = await both12And13Rsa.accessLog(2);
    expect(log.map((l) => [l.protocol, l.cipher, l.curve, l.reused])).toEqual([
      ['TLSv1.3', 'TLS_AES_128_GCM_SHA256', 'X25519', false],
      ['TLSv1.3', 'TLS_AES_128_GCM_SHA256', 'X25519', true],
    ]);
  });

  it('ssl_session_tickets off, ssl_session_cache shared:SSL:1m: TLS 1.2 resumed by session ID', async () => {
    const { full, again, store } = await getTwice(sessionIdRsa, 'rsa-root');
    expect(full.info).toMatchObject({
      version: 'TLSv1.2',
      cipherSuite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
      group: 'x25519',
      signatureScheme: 'rsa_pss_rsae_sha256',
      extendedMasterSecret: true,
    });
    expectResumedLike(again, full);
    const first = store.stored[0] as StoredSession12;
    expect(first.ticket).toHaveLength(0); // no ticket: the session ID is what resumes
    expect(first.sessionId).toHaveLength(32);
    const log = await sessionIdRsa.accessLog(2);
    expect(log.map((l) => [l.protocol, l.cipher, l.reused])).toEqual([
      ['TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256', false],
      ['TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256', true],
    ]);
  });

  it("minVersion 'TLSv1.3' against ssl_protocols TLSv1.2: OpenSSL reads supported_versions and sends protocol_version", async () => {
    const mark = only12Ecdsa.process.outputLength;
    const err = await httpsGet(only12Ecdsa.port, '/', { ca: ca('ecdsa-root'), sessions: false, minVersion: 'TLSv1.3' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TlsError);
    expect((err as TlsError).code).toBe('ALERT_RECEIVED');
    expect((err as TlsError).receivedAlert).toBe(70); // protocol_version
    await only12Ecdsa.process.waitForOutput(/SSL_do_handshake\(\) failed .*unsupported protocol/, { since: mark, timeoutMs: 5000 });
  });

  it('a wrong CA fails with CERT_UNTRUSTED_ROOT, and nginx logs our unknown_ca alert', async () => {
    await expectWrongCaFails(only12Ecdsa, /alert unknown ca:SSL alert number 48/);
    await expectWrongCaFails(both12And13Rsa, /alert unknown ca:SSL alert number 48/);
  });
});

/** Starts lighttpd servers for one describe block, stops them after it. */
function lighttpdServers(): { start(o: LighttpdOptions): Promise<WebServer>; stopAll(): Promise<void> } {
  const servers: WebServer[] = [];
  return {
    async start(o) {
      const s = await startLighttpd(o);
      servers.push(s);
      return s;
    },
    async stopAll() {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}

suiteIf(haveLighttpd('mbedtls'))('lighttpd + mod_mbedtls (mbedTLS 2.28, TLS 1.2 only)', () => {
  const pool = lighttpdServers();
  let server: WebServer;
  beforeAll(async () => {
    server = await pool.start({ tls: 'mbedtls', fixture: 'server-rsa-chain' });
  });
  afterAll(() => pool.stopAll());

  it('HTTPS GET over TLS 1.2 (mbedTLS picks AES-256 and P-521), then resumed by session ticket', async () => {
    const { full, again, store } = await getTwice(server, 'rsa-root');
    expect(full.info).toMatchObject({
      version: 'TLSv1.2',
      cipherSuite: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
      group: 'secp521r1', // mbedTLS's own curve order, largest first
      signatureScheme: 'rsa_pkcs1_sha256', // mbedTLS 2.28 signs TLS 1.2 with PKCS#1 v1.5
      extendedMasterSecret: true,
    });
    expectResumedLike(again, full);
    expect((store.stored[0] as StoredSession12).ticket.length).toBeGreaterThan(0);
  });

  it("minVersion 'TLSv1.3': no TLS 1.2 suite is offered, so mbedTLS finds none in common and sends handshake_failure", async () => {
    // mbedTLS 2.28 ignores supported_versions, but it cannot answer TLS 1.2
    // either: a TLS 1.3-only ClientHello carries TLS 1.3 suites alone.
    const mark = server.process.outputLength;
    const err = await httpsGet(server.port, '/', { ca: ca('rsa-root'), sessions: false, minVersion: 'TLSv1.3' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TlsError);
    expect((err as TlsError).code).toBe('ALERT_RECEIVED');
    expect((err as TlsError).receivedAlert).toBe(40); // handshake_failure
    await server.process.waitForOutput(/no ciphersuites in common with the client \(-0x7380\)/, { since: mark, timeoutMs: 5000 });
  });

  it('a wrong CA fails with CERT_UNTRUSTED_ROOT, and mbedTLS logs a fatal alert from us', async () => {
    await expectWrongCaFails(server, /A fatal alert message was received from our peer \(-0x7780\)/);
  });
});

suiteIf(haveLighttpd('wolfssl'))('lighttpd + mod_wolfssl (wolfSSL 5)', () => {
  const pool = lighttpdServers();
  let pinned: WebServer;
  let unpinned: WebServer;
  beforeAll(async () => {
    [pinned, unpinned] = await Promise.all([
      pool.start({ tls: 'wolfssl', fixture: 'server-ecdsa-chain', sslConfCmd: { MinProtocol: 'TLSv1.2', MaxProtocol: 'TLSv1.2' } }),
      pool.start({ tls: 'wolfssl', fixture: 'server-ecdsa-chain' }),
    ]);
  });
  afterAll(() => pool.stopAll());

  it('pinned to TLS 1.2 (ssl.openssl.ssl-conf-cmd MinProtocol/MaxProtocol): HTTPS GET, then resumed', async () => {
    const { full, again } = await getTwice(pinned, 'ecdsa-root');
    expect(full.info).toMatchObject({
      version: 'TLSv1.2',
      cipherSuite: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
      group: 'x25519',
      signatureScheme: 'ecdsa_secp256r1_sha256',
      extendedMasterSecret: true,
    });
    expectResumedLike(again, full);
  });

  it('unpinned, the same server negotiates TLS 1.3: the pin is what gives TLS 1.2', async () => {
    const { full, again } = await getTwice(unpinned, 'ecdsa-root');
    expect(full.info).toMatchObject({ version: 'TLSv1.3', cipherSuite: 'TLS_AES_256_GCM_SHA384', group: 'x25519' });
    expectResumedLike(again, full);
  });

  it('a wrong CA fails with CERT_UNTRUSTED_ROOT, and wolfSSL logs a fatal alert from us', async () => {
    await expectWrongCaFails(pinned, /-313 received alert fatal error/);
  });
});

suiteIf(haveLighttpd('gnutls'))('lighttpd + mod_gnutls (GnuTLS 3.7)', () => {
  const pool = lighttpdServers();
  let server: WebServer;
  beforeAll(async () => {
    // log-ssl-noise: mod_gnutls logs an unknown_ca alert only then.
    server = await pool.start({
      tls: 'gnutls',
      fixture: 'server-ecdsa-chain',
      sslConfCmd: { MinProtocol: 'TLSv1.2', MaxProtocol: 'TLSv1.2' },
      logSslNoise: 1,
    });
  });
  afterAll(() => pool.stopAll());

  it('pinned to TLS 1.2: HTTPS GET, then resumed', async () => {
    const { full, again } = await getTwice(server, 'ecdsa-root');
    expect(full.info).toMatchObject({
      version: 'TLSv1.2',
      cipherSuite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
      group: 'x25519',
      signatureScheme: 'ecdsa_secp256r1_sha256',
      extendedMasterSecret: true,
    });
    expectResumedLike(again, full);
  });

  it('a wrong CA fails with CERT_UNTRUSTED_ROOT, and GnuTLS logs our alert', async () => {
    await expectWrongCaFails(server, /alert .*CA/i);
  });
});
