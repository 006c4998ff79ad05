/**
 * Issue 14: distrust-after dates on trust anchors, enforced as Firefox does
 * (a path ending at the anchor is refused when the leaf's notBefore is later
 * than the date), through generated chains; and the TrustStore surface that
 * carries and reports them.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { isTlsError, type TlsError } from '../../src/errors.js';
import { TrustStore, verifyServerChain } from '../../src/verify/index.js';
import { MOZILLA_ROOTS_SOURCE } from '../../src/verify/mozilla-roots.js';
import { EKU, KU, key, makeCert, pem, type Cert } from './certgen.js';

// The bundled roots are a module of their own, loaded on first use.
beforeAll(() => TrustStore.loadMozilla());

const DISTRUST = new Date('2024-11-30T23:59:59Z');
const AT = new Date('2025-03-01T00:00:00Z');
const SECOND = 1000;

async function failure(p: Promise<unknown>): Promise<TlsError> {
  try {
    await p;
  } catch (e) {
    if (isTlsError(e)) return e;
    throw e;
  }
  throw new Error('expected a TlsError');
}

const ca = (cn: string, keyName: string, issuer?: Cert): Cert =>
  makeCert({
    subject: [['CN', cn]],
    key: key(keyName),
    ...(issuer ? { issuer } : {}),
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2035-01-01T00:00:00Z'),
    ca: true,
    ku: KU.keyCertSign,
  });

const root = ca('Distrusted Root', 'distrust-root');
const inter = ca('Distrusted Intermediate', 'distrust-inter', root);

function leafAt(notBefore: Date, issuer: Cert = inter): Cert {
  return makeCert({
    subject: [['CN', 'leaf']],
    key: key('distrust-leaf'),
    issuer,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 200 * 86_400_000),
    ku: KU.digitalSignature,
    eku: [EKU.serverAuth],
    san: ['dns:example.com'],
  });
}

const before = leafAt(new Date('2024-10-01T00:00:00Z'));
const after = leafAt(new Date('2024-12-15T00:00:00Z'));
const distrusting = TrustStore.fromCertificates([{ certificate: root.der, label: 'Test Root', distrustAfter: DISTRUST }]);
const verify = (leaf: Cert, roots: TrustStore, extra: Cert[] = [inter]) =>
  verifyServerChain({ chain: [leaf.der, ...extra.map((c) => c.der)], serverName: 'example.com', at: AT, roots });

describe('distrust-after', () => {
  test('a leaf issued before the date verifies; the result names the anchor, its label and date', async () => {
    const out = await verify(before, distrusting);
    expect(out.path).toEqual([before.der, inter.der, root.der]);
    expect(out.anchor).toEqual({ der: root.der, subject: 'CN=Distrusted Root', label: 'Test Root', distrustAfter: DISTRUST });
  });

  test('a leaf issued after the date is refused: CERT_DISTRUSTED_ROOT, unknown_ca, naming the anchor', async () => {
    const e = await failure(verify(after, distrusting));
    expect(e.code).toBe('CERT_DISTRUSTED_ROOT');
    expect(e.alert).toBe('unknown_ca');
    expect(e.message).toContain('Test Root is not trusted for certificates issued after 2024-11-30T23:59:59.000Z');
    expect(e.message).toContain("the leaf's notBefore is 2024-12-15T00:00:00.000Z");
    expect(e.toDebugString()).toContain('trust anchor certificate: CN=Distrusted Root');
    // The same chain without the date on the anchor: the date is the only reason.
    await expect(verify(after, TrustStore.fromCertificates([root.der]))).resolves.toBeDefined();
  });

  test('the boundary: notBefore equal to the date passes, one second later does not', async () => {
    await expect(verify(leafAt(DISTRUST), distrusting)).resolves.toBeDefined();
    const e = await failure(verify(leafAt(new Date(DISTRUST.getTime() + SECOND)), distrusting));
    expect(e.code).toBe('CERT_DISTRUSTED_ROOT');
  });

  test('only the leaf counts: an intermediate issued after the date does not matter', async () => {
    const lateInter = makeCert({ ...inter.spec, notBefore: new Date('2025-01-01T00:00:00Z') });
    const leaf = leafAt(new Date('2024-10-01T00:00:00Z'), lateInter);
    await expect(verify(leaf, distrusting, [lateInter])).resolves.toBeDefined();
  });

  test('a path through a cross-signed root that is still trusted wins', async () => {
    const other = ca('Other Root', 'distrust-other');
    // The distrusted root's name and key, certified by the other root.
    const cross = makeCert({ ...root.spec, issuer: other });
    const both = distrusting.with([other.der]);
    const out = await verify(after, both, [inter, cross]);
    expect(out.anchor.subject).toBe('CN=Other Root');
    expect(out.anchor.distrustAfter).toBeUndefined();
    expect(out.path).toEqual([after.der, inter.der, cross.der, other.der]);
    // Order of the server's certificates does not matter.
    expect((await verify(after, both, [cross, inter])).anchor.subject).toBe('CN=Other Root');
    // Without the cross certificate the only path ends at the distrusted root.
    expect((await failure(verify(after, both))).code).toBe('CERT_DISTRUSTED_ROOT');
  });

  test('a pinned (directly trusted) leaf with a date is held to it too', async () => {
    const self = makeCert({ ...after.spec, issuer: undefined, key: key('distrust-leaf') });
    const pinned = (d?: Date) => TrustStore.fromCertificates([{ certificate: self.der, ...(d ? { distrustAfter: d } : {}) }]);
    await expect(verify(self, pinned(), [])).resolves.toBeDefined();
    expect((await failure(verify(self, pinned(DISTRUST), []))).code).toBe('CERT_DISTRUSTED_ROOT');
  });
});

describe('TrustStore anchors with constraints', () => {
  test('anchor objects take DER or a single PEM block, a label and a valid Date', () => {
    const s = TrustStore.fromCertificates([{ certificate: pem(root.der), distrustAfter: DISTRUST }, { certificate: inter.der, label: 'I' }]);
    expect(s.size).toBe(2);
    expect(s.anchor(root.der)).toMatchObject({ distrustAfter: DISTRUST });
    expect(s.anchor(root.der)?.label).toBeUndefined();
    expect(s.anchor(inter.der)).toMatchObject({ label: 'I' });
    expect(s.anchor(inter.der)?.distrustAfter).toBeUndefined();
    expect(s.distrusted()).toEqual([{ der: root.der, subject: 'CN=Distrusted Root', distrustAfter: DISTRUST }]);
    expect(() => TrustStore.fromCertificates([{ certificate: root.der, distrustAfter: new Date(NaN) }])).toThrow(/valid Date/);
    expect(() =>
      TrustStore.fromCertificates([{ certificate: root.der, distrustAfter: '2024-11-30' as unknown as Date }]),
    ).toThrow(/valid Date/);
    expect(() => TrustStore.fromCertificates([{ certificate: pem(root.der) + pem(inter.der) }])).toThrow(/exactly one certificate/);
  });

  test('the first copy of a certificate keeps its constraint; with() adds the rest', async () => {
    const plainFirst = TrustStore.fromCertificates([root.der]).with([{ certificate: root.der, distrustAfter: DISTRUST }]);
    expect(plainFirst.size).toBe(1);
    await expect(verify(after, plainFirst)).resolves.toBeDefined();
    const datedFirst = distrusting.with([root.der]);
    expect((await failure(verify(after, datedFirst))).code).toBe('CERT_DISTRUSTED_ROOT');
    // Added to the bundled roots, it keeps its date.
    const bundled = TrustStore.mozilla().with(distrusting);
    expect((await failure(verify(after, bundled))).code).toBe('CERT_DISTRUSTED_ROOT');
    expect(bundled.distrusted().map((a) => a.label)).toContain('Test Root');
  });

  test('source says where the anchors come from', () => {
    expect(TrustStore.mozilla().source).toBe(MOZILLA_ROOTS_SOURCE);
    expect(distrusting.source).toBe('caller-supplied certificates');
    expect(TrustStore.mozilla().with([root.der]).source).toBe(`${MOZILLA_ROOTS_SOURCE}, plus 1 added`);
    expect(TrustStore.mozilla().with([]).source).toBe(MOZILLA_ROOTS_SOURCE);
    expect(TrustStore.system().source).toMatch(/^the runtime's roots \(node:tls /);
  });
});
