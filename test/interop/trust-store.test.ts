/**
 * Issue 3: real handshakes with an RSA chain (RSA root → RSA intermediate →
 * leaf) and an ECDSA chain (P-384 root → P-256 intermediate → leaf),
 * verified against the bundled Mozilla store with the test root added —
 * and refused by the bundled store alone, with unknown_ca on the wire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustStore } from '../../src/index.js';
import { connect } from '../../src/node.js';
import { loadCert, startOpenSslServer, type OpenSslServer } from '../peers/index.js';

const chains = [
  { fixture: 'server-rsa-chain', root: 'rsa-root', scheme: 'rsa_pss_rsae_sha256' },
  { fixture: 'server-ecdsa-chain', root: 'ecdsa-root', scheme: 'ecdsa_secp256r1_sha256' },
] as const;

describe.each(chains)('$fixture against the bundled Mozilla store', ({ fixture, root, scheme }) => {
  let server: OpenSslServer;
  beforeAll(async () => {
    server = await startOpenSslServer({ fixture, mode: 'rev' });
  });
  afterAll(() => server?.stop());

  it('verifies when the test root is added to the bundled roots', async () => {
    const roots = (await TrustStore.loadMozilla()).with([loadCert(root).certDer]);
    const conn = await connect({ host: server.host, port: server.port, servername: 'localhost', roots, sessions: false });
    expect(conn.info.signatureScheme).toBe(scheme);
    // The server sent leaf + intermediate; the path ends at the added root.
    expect(conn.info.peerCertificates).toHaveLength(2);
    const w = conn.writable.getWriter();
    await w.write(new TextEncoder().encode('ping\n'));
    const { value } = await conn.readable.getReader().read();
    expect(new TextDecoder().decode(value)).toBe('gnip\n');
    await conn.close();
  });

  it('is refused by the bundled roots alone: CERT_UNTRUSTED_ROOT, unknown_ca sent', async () => {
    const mark = server.mark();
    const err = await connect({
      host: server.host,
      port: server.port,
      servername: 'localhost',
      roots: 'mozilla',
      sessions: false,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'TlsError', code: 'CERT_UNTRUSTED_ROOT', alert: 'unknown_ca' });
    // OpenSSL reports the alert it received from us.
    await server.waitForOutput(/alert unknown ca|unknown ca/i, { since: mark });
  });
});

describe('session tickets do not cross trust policies (RFC 8446 §2.2)', () => {
  let server: OpenSslServer;
  beforeAll(async () => {
    server = await startOpenSslServer({ fixture: 'server-untrusted', mode: 'rev' });
  });
  afterAll(() => server?.stop());

  it('a ticket from a connection that trusted the server is not resumed by one that does not', async () => {
    const options = { host: server.host, port: server.port, servername: 'localhost' };
    // First: a caller who trusts this server's root, with the process-wide cache.
    const trusting = await connect({ ...options, ca: loadCert('untrusted-root').cert });
    const w = trusting.writable.getWriter();
    await w.write(new TextEncoder().encode('ticket please\n'));
    await trusting.readable.getReader().read(); // the reply comes after the tickets
    await trusting.close();
    // Second: default trust (the bundled roots) must verify, not resume that ticket.
    const err = await connect(options).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CERT_UNTRUSTED_ROOT', alert: 'unknown_ca' });
    // The same trusting policy still resumes.
    const again = await connect({ ...options, ca: loadCert('untrusted-root').cert });
    expect(again.info.resumed).toBe(true);
    await again.close();
  });
});
