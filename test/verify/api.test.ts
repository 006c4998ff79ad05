/**
 * The public surface of src/verify: TrustStore, spkiOfCertificate,
 * matchServerName, options of verifyServerChain, error reporting, and the
 * OpenSSL-made test PKI of test/fixtures.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { beforeAll, describe, expect, test } from 'vitest';
import { base64Decode, base64Encode, pemToDer } from '../../src/crypto/pem.js';
import { parseCertificate } from '../../src/verify/cert.js';
import { nobleVerify } from '../../src/crypto/signatures.js';
import { isTlsError, type TlsError } from '../../src/errors.js';
import {
  TrustStore,
  matchServerName,
  spkiOfCertificate,
  verifyServerChain,
} from '../../src/verify/index.js';
import { MOZILLA_ROOTS, MOZILLA_ROOTS_ORIGIN, MOZILLA_ROOTS_SOURCE } from '../../src/verify/mozilla-roots.js';
import { FIXTURES_DIR, SERVER_ROOT, type ServerCertName } from '../peers/fixtures.js';
import { EKU, KU, key, makeCert, pem } from './certgen.js';

// The bundled roots are a module of their own, loaded on first use.
beforeAll(() => TrustStore.loadMozilla());

const NOW = new Date('2025-06-01T00:00:00Z');
const DAY = 86_400_000;
const days = (n: number): Date => new Date(NOW.getTime() + n * DAY);

function pki(leafSan: string[] = ['dns:example.com', 'ip:192.0.2.1'], leafNotAfter = days(80)) {
  const root = makeCert({
    subject: [['CN', 'API Root']],
    key: key('root'),
    notBefore: days(-100),
    notAfter: days(1000),
    ca: true,
    ku: KU.keyCertSign,
  });
  const inter = makeCert({
    subject: [['CN', 'API Intermediate']],
    key: key('inter'),
    issuer: root,
    notBefore: days(-100),
    notAfter: days(500),
    ca: true,
    ku: KU.keyCertSign,
  });
  const leaf = makeCert({
    subject: [['CN', 'API Leaf']],
    key: key('leaf'),
    issuer: inter,
    notBefore: days(-10),
    notAfter: leafNotAfter,
    ku: KU.digitalSignature,
    eku: [EKU.serverAuth],
    san: leafSan,
  });
  return { root, inter, leaf };
}

async function failure(p: Promise<unknown>): Promise<TlsError> {
  try {
    await p;
  } catch (e) {
    if (isTlsError(e)) return e;
    throw e;
  }
  throw new Error('expected a TlsError');
}

describe('TrustStore', () => {
  test('mozilla() holds the generated roots and names its source', () => {
    const store = TrustStore.mozilla();
    expect(store.size).toBe(MOZILLA_ROOTS.length);
    // NSS certdata.txt of 2026-05-01 trusts 121 roots for TLS servers (test/verify/nss-roots.test.ts checks which).
    expect(store.size).toBe(121);
    expect(MOZILLA_ROOTS_ORIGIN.roots).toBe(121);
    expect(MOZILLA_ROOTS_SOURCE).toMatch(/^Mozilla NSS certdata\.txt, commit 9d75dfde2e79 of 2026-05-01: 121 TLS server roots/);
    expect(store.source).toBe(MOZILLA_ROOTS_SOURCE);
    expect(TrustStore.mozilla()).toBe(store); // one shared instance
    // The generated index data agrees with the certificates.
    for (const [label, subject, ski, b64, distrust] of MOZILLA_ROOTS) {
      const der = base64Decode(b64);
      const cert = parseCertificate(der);
      expect(base64Encode(cert.subject.der)).toBe(subject);
      expect(cert.subjectKeyId ?? '').toBe(ski);
      expect(cert.basicConstraints?.ca).toBe(true);
      expect(store.has(der)).toBe(true);
      const anchor = store.anchor(der);
      expect(anchor?.label).toBe(label);
      expect(anchor?.distrustAfter?.toISOString() ?? '').toBe(distrust);
    }
  });

  test('distrusted() lists the anchors with a distrust-after date', () => {
    const listed = TrustStore.mozilla()
      .distrusted()
      .map((a) => [a.label, a.distrustAfter.toISOString(), a.subject.split(',')[0]]);
    expect(listed).toEqual([
      ['Entrust Root Certification Authority', '2024-11-30T23:59:59.000Z', 'CN=Entrust Root Certification Authority'],
      ['Izenpe.com', '2026-04-15T23:59:59.000Z', 'CN=Izenpe.com'],
      ['ePKI Root Certification Authority', '2025-04-15T23:59:59.000Z', 'OU=ePKI Root Certification Authority'],
    ]);
    expect(TrustStore.fromCertificates([pki().root.der]).distrusted()).toEqual([]);
  });

  test('system() reads the runtime roots through node:tls', () => {
    expect(TrustStore.system().size).toBeGreaterThanOrEqual(rootCertificates.length);
  });

  test('fromCertificates() takes DER and PEM bundles; with() adds', () => {
    const { root, inter } = pki();
    const bundle = pem(root.der) + 'comment between blocks\n' + pem(inter.der);
    const store = TrustStore.fromCertificates([bundle, root.der]);
    expect(store.size).toBe(2); // duplicate removed
    const more = TrustStore.mozilla().with([root.der]);
    expect(more.size).toBe(TrustStore.mozilla().size + 1);
    expect(more.has(root.der)).toBe(true);
    expect(TrustStore.mozilla().has(root.der)).toBe(false);
    expect(more.with(store).size).toBe(more.size + 1);
  });

  test('a PEM string without certificates is a configuration error', () => {
    expect(() => TrustStore.fromCertificates(['not a pem'])).toThrow(/certificates\[0\] is a string with no PEM block/);
  });
});

describe('spkiOfCertificate and matchServerName', () => {
  test('spkiOfCertificate returns the SubjectPublicKeyInfo DER', () => {
    for (const type of ['p256', 'ed25519', 'rsa2048'] as const) {
      const c = makeCert({
        subject: [['CN', 'k']],
        key: key('spki', type),
        notBefore: days(-1),
        notAfter: days(1),
      });
      const expected = new X509Certificate(c.der).publicKey.export({ type: 'spki', format: 'der' });
      expect(Buffer.from(spkiOfCertificate(c.der)).equals(expected)).toBe(true);
    }
  });

  test('matchServerName checks DNS and IP subjectAltNames only', () => {
    const { leaf } = pki(['dns:*.example.com', 'dns:example.net', 'ip:192.0.2.1', 'ip:2001:db8::5']);
    expect(matchServerName(leaf.der, 'www.example.com')).toBe(true);
    expect(matchServerName(leaf.der, 'WWW.EXAMPLE.COM.')).toBe(true);
    expect(matchServerName(leaf.der, 'example.com')).toBe(false);
    expect(matchServerName(leaf.der, 'example.net')).toBe(true);
    expect(matchServerName(leaf.der, '192.0.2.1')).toBe(true);
    expect(matchServerName(leaf.der, '2001:db8:0::5')).toBe(true);
    expect(matchServerName(leaf.der, '[2001:db8::5]')).toBe(true);
    expect(matchServerName(leaf.der, '192.0.2.01')).toBe(false);
    expect(matchServerName(leaf.der, 'API Leaf')).toBe(false);
    expect(matchServerName(leaf.der, '')).toBe(false);
    expect(matchServerName(leaf.der, 'a..example.com')).toBe(false);
    expect(matchServerName(leaf.der, '*.example.com')).toBe(false);
  });
});

describe('verifyServerChain', () => {
  test('returns the path leaf..anchor, the anchor and the leaf key', async () => {
    const { root, inter, leaf } = pki();
    const out = await verifyServerChain({
      chain: [leaf.der, inter.der],
      serverName: 'example.com',
      at: NOW,
      roots: TrustStore.fromCertificates([root.der]),
    });
    expect(out.path).toEqual([leaf.der, inter.der, root.der]);
    expect(out.anchor.subject).toBe('CN=API Root');
    expect(out.anchor.der).toEqual(root.der);
    expect(out.leafSpki).toEqual(spkiOfCertificate(leaf.der));
  });

  test('uses the provider given, and the noble verifier by default', async () => {
    const { root, inter, leaf } = pki();
    let calls = 0;
    const provider = {
      verify: (...args: Parameters<typeof nobleVerify>) => {
        calls++;
        return nobleVerify(...args);
      },
    };
    const roots = TrustStore.fromCertificates([root.der]);
    await verifyServerChain({ chain: [leaf.der, inter.der], serverName: 'example.com', at: NOW, roots, provider });
    expect(calls).toBe(2);
    const refusing = { verify: async () => false };
    const e = await failure(
      verifyServerChain({ chain: [leaf.der, inter.der], serverName: 'example.com', at: NOW, roots, provider: refusing }),
    );
    expect(e.code).toBe('CERT_BAD_SIGNATURE');
  });

  test('defaults to the Mozilla store and the current time', async () => {
    const { inter, leaf } = pki();
    const e = await failure(verifyServerChain({ chain: [leaf.der, inter.der], serverName: 'example.com' }));
    // Not trusted by Mozilla (and, now, maybe also expired: either names the certificate).
    expect(['CERT_UNTRUSTED_ROOT', 'CERT_EXPIRED']).toContain(e.code);
    expect(e.toDebugString()).toMatch(/certificate: CN=API/);
  });

  test('errors carry the alert and name the offending certificate', async () => {
    const long = pki(undefined, days(900));
    const expired = await failure(
      verifyServerChain({
        chain: [long.leaf.der, long.inter.der],
        serverName: 'example.com',
        at: days(600),
        roots: TrustStore.fromCertificates([long.root.der]),
      }),
    );
    expect(expired.code).toBe('CERT_EXPIRED');
    expect(expired.alert).toBe('certificate_expired');
    expect(expired.toDebugString()).toContain('intermediate certificate: CN=API Intermediate');
    const { root, inter, leaf } = pki();
    const roots = TrustStore.fromCertificates([root.der]);
    const mismatch = await failure(
      verifyServerChain({ chain: [leaf.der, inter.der], serverName: 'example.org', at: NOW, roots }),
    );
    expect(mismatch.code).toBe('CERT_NAME_MISMATCH');
    expect(mismatch.message).toContain('example.com, 192.0.2.1');
    expect(mismatch.toDebugString()).toContain('leaf certificate: CN=API Leaf');
    const untrusted = await failure(
      verifyServerChain({ chain: [leaf.der, inter.der], serverName: 'example.com', at: NOW, roots: TrustStore.fromCertificates([]) }),
    );
    expect(untrusted.code).toBe('CERT_UNTRUSTED_ROOT');
    expect(untrusted.alert).toBe('unknown_ca');
  });

  test('a concrete error on a complete path wins over an untrusted alternative', async () => {
    const { root, inter, leaf } = pki();
    // A second, untrusted issuer of the same name and key, and the trusted one expired at `at`.
    const other = makeCert({ ...inter.spec, issuer: makeCert({ ...root.spec, key: key('nobody') }) });
    const e = await failure(
      verifyServerChain({
        chain: [leaf.der, other.der, inter.der],
        serverName: 'example.com',
        at: days(501),
        roots: TrustStore.fromCertificates([root.der]),
      }),
    );
    expect(e.code).toBe('CERT_EXPIRED');
  });

  test('rejects an empty chain, a bad server name and a bad time', async () => {
    const { root } = pki();
    const roots = TrustStore.fromCertificates([root.der]);
    expect((await failure(verifyServerChain({ chain: [], serverName: 'example.com', roots }))).code).toBe('BAD_CERTIFICATE');
    expect((await failure(verifyServerChain({ chain: [root.der], serverName: 'exa mple', roots }))).code).toBe('BAD_CONFIG');
    expect(
      (await failure(verifyServerChain({ chain: [root.der], serverName: 'example.com', roots, at: new Date(NaN) }))).code,
    ).toBe('BAD_CONFIG');
  });

  test('maxPathLength bounds the path', async () => {
    const { root, inter, leaf } = pki();
    const roots = TrustStore.fromCertificates([root.der]);
    const e = await failure(
      verifyServerChain({ chain: [leaf.der, inter.der], serverName: 'example.com', at: NOW, roots, maxPathLength: 2 }),
    );
    expect(e.code).toBe('CERT_CHAIN_TOO_LONG');
  });
});

describe('the OpenSSL-made test PKI (test/fixtures)', () => {
  const have = existsSync(join(FIXTURES_DIR, 'manifest.json'));
  const expectations: [ServerCertName, string, string][] = [
    ['server-p256', 'localhost', 'ok'],
    ['server-p384', '127.0.0.1', 'ok'],
    ['server-rsa2048', '::1', 'ok'],
    ['server-ed25519', 'localhost', 'ok'],
    ['server-rsa-chain', 'localhost', 'ok'],
    ['server-ecdsa-chain', 'localhost', 'ok'],
    ['server-expired', 'localhost', 'CERT_EXPIRED'],
    ['server-not-yet-valid', 'localhost', 'CERT_NOT_YET_VALID'],
    ['server-p256', 'example.com', 'CERT_NAME_MISMATCH'],
  ];
  for (const [name, host, expected] of expectations) {
    test.skipIf(!have)(`${name} for ${host}: ${expected}`, async () => {
      const chain = pemToDer(readFileSync(join(FIXTURES_DIR, `${name}.chain.pem`), 'utf8'));
      const roots = TrustStore.fromCertificates([readFileSync(join(FIXTURES_DIR, `${SERVER_ROOT[name]}.cert.pem`), 'utf8')]);
      const verdict = await verifyServerChain({ chain, serverName: host, roots }).then(
        () => 'ok',
        (e: TlsError) => e.code,
      );
      expect(verdict).toBe(expected);
    });
  }
  test.skipIf(!have)('server-untrusted is refused with the Mozilla store', async () => {
    const chain = pemToDer(readFileSync(join(FIXTURES_DIR, 'server-untrusted.chain.pem'), 'utf8'));
    const e = await failure(verifyServerChain({ chain, serverName: 'localhost' }));
    expect(e.code).toBe('CERT_UNTRUSTED_ROOT');
  });
});
