/**
 * Issue 14: `puretls connect`'s summary names the trust anchor the chain
 * ended at, its label and its distrust-after date (src/cli/summary.ts), from
 * what verifyServerChain reports.
 */
import { describe, expect, test } from 'vitest';
import { buildSummary, formatAnchor, formatSummary, passedVerdict, type Verdict } from '../../src/cli/summary.js';
import type { ConnectionInfo } from '../../src/handshake/client.js';
import { TrustStore, verifyServerChain } from '../../src/verify/index.js';
import { EKU, KU, key, makeCert, type Cert } from '../verify/certgen.js';

const DISTRUST = new Date('2024-11-30T23:59:59Z');
const AT = new Date('2025-03-01T00:00:00Z');

const ca = (cn: string, issuer?: Cert): Cert =>
  makeCert({
    subject: [['CN', cn]],
    key: key(`cli-${cn}`),
    ...(issuer ? { issuer } : {}),
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2035-01-01T00:00:00Z'),
    ca: true,
    ku: KU.keyCertSign,
  });
const root = ca('CLI Root');
const inter = ca('CLI Intermediate', root);
const leaf = makeCert({
  subject: [['CN', 'leaf']],
  key: key('cli-leaf'),
  issuer: inter,
  notBefore: new Date('2024-10-01T00:00:00Z'),
  notAfter: new Date('2025-10-01T00:00:00Z'),
  ku: KU.digitalSignature,
  eku: [EKU.serverAuth],
  san: ['dns:example.com'],
});

const info: ConnectionInfo = {
  version: 'TLSv1.3',
  extendedMasterSecret: true,
  cipherSuite: 'TLS_AES_128_GCM_SHA256',
  group: 'x25519',
  signatureScheme: 'ecdsa_secp256r1_sha256',
  serverName: 'example.com',
  alpn: null,
  peerCertificates: [leaf.der, inter.der],
  resumed: false,
  helloRetryRequest: false,
  earlyDataAccepted: false,
  clientCertificateSent: false,
};

async function summaryWith(roots: TrustStore): Promise<{ verdict: Verdict; text: string }> {
  const v = await verifyServerChain({ chain: [leaf.der, inter.der], serverName: 'example.com', at: AT, roots });
  const verdict = passedVerdict(v);
  const text = formatSummary(buildSummary({ host: 'example.com', port: 443, info, alpnOffered: [], verdict, handshakeMs: 5 }));
  return { verdict, text };
}

describe('the connect summary names the trust anchor', () => {
  test('with its label and distrust-after date', async () => {
    const roots = TrustStore.fromCertificates([{ certificate: root.der, label: 'CLI Test Root', distrustAfter: DISTRUST }]);
    const { verdict, text } = await summaryWith(roots);
    expect(verdict).toEqual({
      ok: true,
      anchor: 'CN=CLI Root',
      anchorLabel: 'CLI Test Root',
      distrustAfter: '2024-11-30T23:59:59.000Z',
      pathLength: 3,
    });
    expect(text).toContain('* Verification: OK (path of 3, trust anchor CN=CLI Root)\n');
    expect(text).toContain('* Trust anchor: "CLI Test Root", distrust after 2024-11-30 23:59:59 UTC (leaves issued later are refused)\n');
  });

  test('a plain anchor adds no line; a labelled one without a date says so', async () => {
    const plain = await summaryWith(TrustStore.fromCertificates([root.der]));
    expect(plain.verdict).toEqual({ ok: true, anchor: 'CN=CLI Root', pathLength: 3 });
    expect(plain.text).not.toContain('Trust anchor:');
    const labelled = await summaryWith(TrustStore.fromCertificates([{ certificate: root.der, label: 'CLI Test Root' }]));
    expect(labelled.text).toContain('* Trust anchor: "CLI Test Root", no distrust-after date\n');
    // A date without a label names the anchor by subject.
    expect(formatAnchor({ ok: true, anchor: 'CN=X', distrustAfter: DISTRUST.toISOString(), pathLength: 2 })).toBe(
      'CN=X, distrust after 2024-11-30 23:59:59 UTC (leaves issued later are refused)',
    );
    expect(formatAnchor({ ok: false, code: 'CERT_DISTRUSTED_ROOT', message: 'm' })).toBeNull();
  });
});
