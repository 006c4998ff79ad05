/**
 * Issue 14: distrust-after through real handshakes. puretls connects to
 * `openssl s_server` on loopback serving generated chains under a test root
 * that carries a distrust-after date: a leaf issued before the date connects
 * (and ConnectionInfo.trustAnchor names the root and its date); one issued
 * after is refused with CERT_DISTRUSTED_ROOT, and s_server's -msg
 * transcript shows the unknown_ca alert it received.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustStore } from '../../src/index.js';
import { connect } from '../../src/node.js';
import { startOpenSslServer, type OpenSslServer } from '../peers/index.js';
import { EKU, KU, key, makeCert, pem, type Cert } from './certgen.js';

const DISTRUST = new Date('2024-11-30T23:59:59Z');
const AT = new Date('2025-03-01T00:00:00Z');
const LABEL = 'puretls distrusted test root';

const ca = (cn: string, issuer?: Cert): Cert =>
  makeCert({
    subject: [['CN', cn]],
    key: key(`hs-${cn}`),
    ...(issuer ? { issuer } : {}),
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2035-01-01T00:00:00Z'),
    ca: true,
    ku: KU.keyCertSign,
  });
const root = ca('puretls distrust root');
const inter = ca('puretls distrust intermediate', root);
const leaf = (notBefore: string): Cert =>
  makeCert({
    subject: [['CN', 'localhost']],
    key: key('hs-leaf'),
    issuer: inter,
    notBefore: new Date(notBefore),
    notAfter: new Date('2025-12-01T00:00:00Z'),
    ku: KU.digitalSignature,
    eku: [EKU.serverAuth],
    san: ['dns:localhost'],
  });

const roots = TrustStore.fromCertificates([{ certificate: root.der, label: LABEL, distrustAfter: DISTRUST }]);
const dir = mkdtempSync(join(tmpdir(), 'puretls-distrust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** s_server with this leaf, the intermediate as -cert_chain, and the leaf's key. */
async function serve(name: string, l: Cert): Promise<OpenSslServer> {
  const file = (suffix: string, text: string): string => {
    const p = join(dir, `${name}.${suffix}`);
    writeFileSync(p, text);
    return p;
  };
  const keyPem = l.key.priv.export({ type: 'pkcs8', format: 'pem' }).toString();
  return startOpenSslServer({ cert: file('crt', pem(l.der)), key: file('key', keyPem), chain: file('chain', pem(inter.der)) });
}

const options = (port: number) => ({ host: '127.0.0.1', port, servername: 'localhost', roots, verifyTime: AT, sessions: false as const });

describe('a leaf issued before the root\'s distrust-after date', () => {
  let server: OpenSslServer;
  beforeAll(async () => {
    server = await serve('before', leaf('2024-10-01T00:00:00Z'));
  });
  afterAll(() => server?.stop());

  it('connects, and ConnectionInfo names the anchor with its label and date', async () => {
    const conn = await connect(options(server.port));
    expect(conn.info.trustAnchor).toEqual({ subject: 'CN=puretls distrust root', label: LABEL, distrustAfter: DISTRUST });
    const w = conn.writable.getWriter();
    await w.write(new TextEncoder().encode('ping\n'));
    const { value } = await conn.readable.getReader().read();
    expect(new TextDecoder().decode(value)).toBe('gnip\n');
    await conn.close();
  });

  it('a custom verify that runs the default one still reports the anchor; one that does not, none', async () => {
    const kept = await connect({ ...options(server.port), verify: (ctx) => ctx.defaultVerify() });
    expect(kept.info.trustAnchor?.label).toBe(LABEL);
    await kept.close();
    const own = await connect({ ...options(server.port), verify: () => undefined });
    expect(own.info.trustAnchor).toBeUndefined();
    await own.close();
  });
});

describe('a leaf issued after the root\'s distrust-after date', () => {
  let server: OpenSslServer;
  beforeAll(async () => {
    server = await serve('after', leaf('2024-12-15T00:00:00Z'));
  });
  afterAll(() => server?.stop());

  it('is refused: CERT_DISTRUSTED_ROOT, and the server receives unknown_ca', async () => {
    const mark = server.mark();
    const err = await connect(options(server.port)).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'TlsError', code: 'CERT_DISTRUSTED_ROOT', alert: 'unknown_ca' });
    expect((err as Error).message).toContain(`${LABEL} is not trusted for certificates issued after 2024-11-30T23:59:59.000Z`);
    await server.waitForOutput(/Alert.*unknown/i, { since: mark });
    expect(server.transcript(mark).alertsReceived).toEqual([{ level: 'fatal', name: 'unknown_ca' }]);
  });

  it('connects when the same root carries no date (the date is the only reason)', async () => {
    const conn = await connect({ ...options(server.port), roots: TrustStore.fromCertificates([root.der]) });
    expect(conn.info.trustAnchor).toEqual({ subject: 'CN=puretls distrust root' });
    await conn.close();
  });
});
