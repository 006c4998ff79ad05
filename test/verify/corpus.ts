/**
 * The verification corpus: generated chains, each with the verdict and
 * error code the validator must give. Built in memory at test time by
 * ./certgen.ts (keys are made once per key name and reused).
 *
 * `openssl` records, for the cases where `openssl verify -x509_strict
 * -purpose sslserver -verify_hostname` is expected to disagree with us,
 * what OpenSSL says and why we differ; openssl.test.ts checks the list.
 */
import type { ErrorCode } from '../../src/errors.js';
import { EKU, KU, key, makeCert, type Cert, type CertSpec, type KeyType, type SigAlg } from './certgen.js';

export const NOW = new Date('2025-06-01T00:00:00Z');
const DAY = 86_400_000;
const days = (n: number): Date => new Date(NOW.getTime() + n * DAY);

export interface Case {
  readonly id: string;
  /** Leaf first, as the server sends it. */
  readonly chain: readonly Uint8Array[];
  readonly roots: readonly Uint8Array[];
  readonly serverName: string;
  readonly at: Date;
  readonly expect: 'ok' | ErrorCode;
  /** Expected OpenSSL disagreement: its verdict and our reason. */
  readonly openssl?: { readonly ok: boolean; readonly reason: string };
  /** Name to give OpenSSL when it differs (OpenSSL does no IDNA). */
  readonly opensslName?: string;
  /** Run OpenSSL with -partial_chain (anchors that are not self-signed). */
  readonly partialChain?: boolean;
}

type Over = Partial<CertSpec> & { name?: string };

function root(o: Over = {}): Cert {
  return makeCert({
    subject: [['C', 'XX'], ['O', 'puretls test'], ['CN', o.name ?? 'Test Root']],
    key: key('root'),
    notBefore: days(-5 * 365),
    notAfter: days(10 * 365),
    ca: true,
    ku: KU.keyCertSign | KU.cRLSign,
    ...o,
  });
}

function inter(issuer: Cert, o: Over = {}): Cert {
  return makeCert({
    subject: [['O', 'puretls test'], ['CN', o.name ?? 'Test Intermediate']],
    key: key('inter'),
    issuer,
    notBefore: days(-2 * 365),
    notAfter: days(5 * 365),
    ca: true,
    ku: KU.keyCertSign | KU.cRLSign,
    ...o,
  });
}

function leaf(issuer: Cert, o: Over = {}): Cert {
  return makeCert({
    subject: [['CN', o.name ?? 'Test Leaf']],
    key: key('leaf'),
    issuer,
    notBefore: days(-30),
    notAfter: days(60),
    ku: KU.digitalSignature,
    eku: [EKU.serverAuth],
    san: ['dns:example.com'],
    ...o,
  });
}

interface Spec {
  chain: Cert[];
  roots: Cert[];
  name?: string;
  at?: Date;
  expect: 'ok' | ErrorCode;
  openssl?: { ok: boolean; reason: string };
  opensslName?: string;
  partialChain?: boolean;
}

export function buildCorpus(): Case[] {
  const cases: Case[] = [];
  const add = (id: string, s: Spec): void => {
    if (cases.some((c) => c.id === id)) throw new Error(`duplicate case id ${id}`);
    cases.push({
      id,
      chain: s.chain.map((c) => c.der),
      roots: s.roots.map((c) => c.der),
      serverName: s.name ?? 'example.com',
      at: s.at ?? NOW,
      expect: s.expect,
      ...(s.openssl ? { openssl: s.openssl } : {}),
      ...(s.opensslName ? { opensslName: s.opensslName } : {}),
      ...(s.partialChain ? { partialChain: true } : {}),
    });
  };
  /** root -> intermediate -> leaf with per-position overrides. */
  const std = (o: { root?: Over; inter?: Over; leaf?: Over } = {}) => {
    const r = root(o.root);
    const i = inter(r, o.inter);
    const l = leaf(i, o.leaf);
    return { r, i, l, chain: [l, i], roots: [r] };
  };

  // ---------------------------------------------------------------- good chains, every key type
  const keyTypes: [string, KeyType, KeyType, KeyType, SigAlg?, SigAlg?][] = [
    ['p256', 'p256', 'p256', 'p256'],
    ['p384', 'p384', 'p384', 'p384'],
    ['p521', 'p521', 'p521', 'p521'],
    ['ed25519', 'ed25519', 'ed25519', 'ed25519'],
    ['rsa-pkcs1-sha256', 'rsa2048', 'rsa2048', 'rsa2048', 'rsa-sha256', 'rsa-sha256'],
    ['rsa-pkcs1-sha384', 'rsa2048', 'rsa2048', 'rsa2048', 'rsa-sha384', 'rsa-sha384'],
    ['rsa-pkcs1-sha512', 'rsa2048', 'rsa2048', 'rsa2048', 'rsa-sha512', 'rsa-sha512'],
    ['rsa-pkcs1-absent-null', 'rsa2048', 'rsa2048', 'rsa2048', 'rsa-sha256-noparams', 'rsa-sha256-noparams'],
    ['rsa-pss-sha256', 'rsa2048', 'rsa2048', 'rsa2048', 'pss-sha256', 'pss-sha256'],
    ['rsa-pss-sha384', 'rsa2048', 'rsa2048', 'rsa2048', 'pss-sha384', 'pss-sha384'],
    ['rsa-pss-sha512', 'rsa2048', 'rsa2048', 'rsa2048', 'pss-sha512', 'pss-sha512'],
    ['mixed-rsa-root-ec-leaf', 'rsa2048', 'p256', 'p256'],
    ['mixed-ec-root-rsa-inter-ed25519-leaf', 'p384', 'rsa2048', 'ed25519'],
    ['mixed-p256-root-p384-inter-p521-leaf', 'p256', 'p384', 'p521'],
    ['mixed-ed25519-root-p256-leaf', 'ed25519', 'ed25519', 'p256'],
  ];
  for (const [id, rk, ik, lk, interAlg, leafAlg] of keyTypes) {
    const r = root({ key: key('root', rk) });
    const i = inter(r, { key: key('inter', ik), ...(interAlg ? { sigAlg: interAlg } : {}) });
    const l = leaf(i, { key: key('leaf', lk), ...(leafAlg ? { sigAlg: leafAlg } : {}) });
    add(`good/${id}`, { chain: [l, i], roots: [r], expect: 'ok' });
  }
  {
    // ECDSA with a hash other than the curve's usual one.
    const r = root();
    const i = inter(r, { sigAlg: 'ecdsa-sha384' });
    const l = leaf(i, { sigAlg: 'ecdsa-sha512' });
    add('good/p256-with-sha384-sha512', { chain: [l, i], roots: [r], expect: 'ok' });
    const l2 = leaf(r);
    add('good/leaf-issued-by-root', { chain: [l2], roots: [r], expect: 'ok' });
    const i2 = inter(i, { name: 'Second Intermediate', key: key('inter2') });
    const i3 = inter(i2, { name: 'Third Intermediate', key: key('inter3') });
    const l3 = leaf(i3);
    add('good/three-intermediates', { chain: [l3, i3, i2, i], roots: [r], expect: 'ok' });
    add('good/root-sent-by-server', { chain: [leaf(i), i, r], roots: [r], expect: 'ok' });
  }
  {
    const r = root({ ski: false });
    const i = inter(r, { ski: false, aki: false });
    const l = leaf(i, { ski: false, aki: false });
    add('good/no-key-identifiers', {
      chain: [l, i],
      roots: [r],
      expect: 'ok',
      openssl: { ok: false, reason: 'x509_strict requires AKI/SKI (a CA-issuance rule of RFC 5280 §4.2.1.1-2, not a validation rule)' },
    });
  }

  // ---------------------------------------------------------------- validity periods
  for (const pos of ['leaf', 'inter', 'root'] as const) {
    for (const [kind, code] of [
      ['expired', 'CERT_EXPIRED'],
      ['not-yet-valid', 'CERT_NOT_YET_VALID'],
    ] as const) {
      const window = kind === 'expired' ? { notBefore: days(-400), notAfter: days(-1) } : { notBefore: days(1), notAfter: days(400) };
      const c = std({ [pos]: window });
      const anchor = pos === 'root';
      add(`validity/${pos}-${kind}`, {
        chain: c.chain,
        roots: c.roots,
        expect: anchor ? 'ok' : code,
        ...(anchor
          ? {
              openssl: {
                ok: false,
                reason: "a trust anchor's own validity period is not enforced (RFC 5280 §6.1.1 (d), as Chrome and rustls-webpki)",
              },
            }
          : {}),
      });
    }
  }
  {
    const nb = days(-10);
    const na = days(10);
    const c = std({ leaf: { notBefore: nb, notAfter: na } });
    add('validity/at-notBefore-inclusive', { chain: c.chain, roots: c.roots, at: nb, expect: 'ok' });
    add('validity/at-notAfter-inclusive', {
      chain: c.chain,
      roots: c.roots,
      at: na,
      expect: 'ok',
      openssl: { ok: false, reason: 'notAfter is inclusive (RFC 5280 §4.1.2.5); OpenSSL treats the notAfter second itself as expired' },
    });
    add('validity/one-second-after-notAfter', {
      chain: c.chain,
      roots: c.roots,
      at: new Date(na.getTime() + 1000),
      expect: 'CERT_EXPIRED',
    });
    add('validity/one-second-before-notBefore', {
      chain: c.chain,
      roots: c.roots,
      at: new Date(nb.getTime() - 1000),
      expect: 'CERT_NOT_YET_VALID',
    });
    const old = std({
      root: { notBefore: new Date('2015-01-01T00:00:00Z') },
      inter: { notBefore: new Date('2019-01-01T00:00:00Z') },
      leaf: { notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2021-01-01T00:00:00Z') },
    });
    add('validity/past-time-option', {
      chain: old.chain,
      roots: old.roots,
      at: new Date('2020-06-01T00:00:00Z'),
      expect: 'ok',
    });
    add('validity/past-leaf-checked-now', { chain: old.chain, roots: old.roots, expect: 'CERT_EXPIRED' });
    const y2050 = std({
      root: { notAfter: new Date('2060-01-01T00:00:00Z') },
      inter: { notAfter: new Date('2055-01-01T00:00:00Z') },
      leaf: { notAfter: new Date('2051-01-01T00:00:00Z') },
    });
    add('validity/generalized-time-after-2049', { chain: y2050.chain, roots: y2050.roots, expect: 'ok' });
  }

  // ---------------------------------------------------------------- extendedKeyUsage
  const eku: [string, Over, Over, Over, 'ok' | ErrorCode, { ok: boolean; reason: string }?][] = [
    ['leaf-clientAuth-only', {}, {}, { eku: [EKU.clientAuth] }, 'CERT_BAD_USAGE'],
    ['leaf-codeSigning-only', {}, {}, { eku: [EKU.codeSigning] }, 'CERT_BAD_USAGE'],
    ['leaf-absent', {}, {}, { eku: undefined }, 'ok'],
    ['leaf-any', {}, {}, { eku: [EKU.any] }, 'ok', { ok: false, reason: 'anyExtendedKeyUsage permits every purpose (RFC 5280 §4.2.1.12); OpenSSL\'s sslserver purpose wants serverAuth itself' }],
    ['leaf-server-and-client', {}, {}, { eku: [EKU.clientAuth, EKU.serverAuth] }, 'ok'],
    ['inter-clientAuth-only', {}, { eku: [EKU.clientAuth] }, {}, 'CERT_BAD_USAGE'],
    ['inter-serverAuth', {}, { eku: [EKU.serverAuth] }, {}, 'ok'],
    ['inter-any', {}, { eku: [EKU.any] }, {}, 'ok', { ok: false, reason: 'anyExtendedKeyUsage permits every purpose (RFC 5280 §4.2.1.12); OpenSSL\'s sslserver purpose wants serverAuth itself' }],
    ['inter-server-and-client', {}, { eku: [EKU.serverAuth, EKU.clientAuth] }, {}, 'ok'],
    ['root-clientAuth-only', { eku: [EKU.clientAuth] }, {}, {}, 'CERT_BAD_USAGE'],
    ['root-serverAuth', { eku: [EKU.serverAuth] }, {}, {}, 'ok'],
  ];
  for (const [id, ro, io, lo, expect, openssl] of eku) {
    const c = std({ root: ro, inter: io, leaf: lo });
    add(`eku/${id}`, { chain: c.chain, roots: c.roots, expect, ...(openssl ? { openssl } : {}) });
  }

  // ---------------------------------------------------------------- keyUsage
  const ku: [string, Over, Over, Over, 'ok' | ErrorCode, { ok: boolean; reason: string }?][] = [
    ['leaf-digitalSignature', {}, {}, { ku: KU.digitalSignature }, 'ok'],
    ['leaf-absent', {}, {}, { ku: undefined }, 'ok'],
    [
      'leaf-keyEncipherment-only',
      {},
      {},
      { ku: KU.keyEncipherment, key: key('leaf', 'rsa2048') },
      'CERT_BAD_USAGE',
      {
        ok: true,
        reason: 'OpenSSL accepts RSA key transport usage for sslserver; TLS 1.3 only ever signs, so digitalSignature is required',
      },
    ],
    ['leaf-keyCertSign-only', {}, {}, { ku: KU.keyCertSign }, 'CERT_BAD_USAGE'],
    ['leaf-digitalSignature-keyEncipherment', {}, {}, { ku: KU.digitalSignature | KU.keyEncipherment }, 'ok'],
    ['inter-no-keyCertSign', {}, { ku: KU.cRLSign | KU.digitalSignature }, {}, 'CERT_BAD_USAGE'],
    [
      'inter-absent',
      {},
      { ku: undefined },
      {},
      'ok',
      {
        ok: false,
        reason: 'x509_strict requires keyUsage in CA certificates (an issuance rule, RFC 5280 §4.2.1.3); validation treats absence as any usage',
      },
    ],
    ['root-no-keyCertSign', { ku: KU.cRLSign | KU.digitalSignature }, {}, {}, 'CERT_BAD_USAGE'],
    ['inter-keyCertSign-only', {}, { ku: KU.keyCertSign }, {}, 'ok'],
  ];
  for (const [id, ro, io, lo, expect, openssl] of ku) {
    const c = std({ root: ro, inter: io, leaf: lo });
    add(`ku/${id}`, { chain: c.chain, roots: c.roots, expect, ...(openssl ? { openssl } : {}) });
  }

  // ---------------------------------------------------------------- basicConstraints and pathLenConstraint
  {
    let c = std({ inter: { ca: false } });
    add('bc/inter-ca-false', { chain: c.chain, roots: c.roots, expect: 'CERT_BAD_USAGE' });
    c = std({ inter: { ca: undefined } });
    add('bc/inter-no-basic-constraints', { chain: c.chain, roots: c.roots, expect: 'CERT_BAD_USAGE' });
    c = std({ inter: { version: 1 } });
    add('bc/inter-v1', { chain: c.chain, roots: c.roots, expect: 'CERT_BAD_USAGE' });
    c = std({ leaf: { ca: true } });
    add('bc/leaf-ca-true', {
      chain: c.chain,
      roots: c.roots,
      expect: 'CERT_BAD_USAGE',
      openssl: { ok: true, reason: 'CA/B BR §7.1.2.7.8: a subscriber certificate must not be a CA (rustls-webpki agrees)' },
    });
    c = std({ leaf: { ca: false } });
    add('bc/leaf-ca-false-present', { chain: c.chain, roots: c.roots, expect: 'ok' });
    c = std({ root: { ca: false } });
    add('bc/root-ca-false', { chain: c.chain, roots: c.roots, expect: 'CERT_BAD_USAGE' });
    const v1root = root({ version: 1 });
    const i1 = inter(v1root);
    add('bc/root-v1-anchor', {
      chain: [leaf(i1), i1],
      roots: [v1root],
      expect: 'ok',
      openssl: { ok: false, reason: 'a v1 trust anchor is accepted as a CA (RFC 5280 §6.1: an anchor is a name and a key)' },
    });

    // pathLenConstraint
    const r0 = root({ pathLen: 0 });
    const ir0 = inter(r0);
    add('pathlen/root-0-with-intermediate', { chain: [leaf(ir0), ir0], roots: [r0], expect: 'CERT_BAD_USAGE' });
    add('pathlen/root-0-leaf-direct', { chain: [leaf(r0)], roots: [r0], expect: 'ok' });
    const r1 = root();
    const ia = inter(r1, { pathLen: 0 });
    add('pathlen/inter-0-leaf-direct', { chain: [leaf(ia), ia], roots: [r1], expect: 'ok' });
    const ib = inter(ia, { name: 'Sub CA', key: key('inter2') });
    add('pathlen/inter-0-with-sub-ca', { chain: [leaf(ib), ib, ia], roots: [r1], expect: 'CERT_BAD_USAGE' });
    const ic = inter(r1, { pathLen: 1 });
    const id1 = inter(ic, { name: 'Sub CA', key: key('inter2') });
    add('pathlen/inter-1-one-below', { chain: [leaf(id1), id1, ic], roots: [r1], expect: 'ok' });
    const id2 = inter(id1, { name: 'Sub Sub CA', key: key('inter3') });
    add('pathlen/inter-1-two-below', { chain: [leaf(id2), id2, id1, ic], roots: [r1], expect: 'CERT_BAD_USAGE' });
    const r2 = root({ pathLen: 1 });
    const j1 = inter(r2);
    const j2 = inter(j1, { name: 'Sub CA', key: key('inter2') });
    add('pathlen/root-1-two-below', { chain: [leaf(j2), j2, j1], roots: [r2], expect: 'CERT_BAD_USAGE' });
    // RFC 5280 §6.1.4 (l): self-issued intermediates (a key rollover) do not count.
    const k0 = inter(r1, { pathLen: 0 });
    const k1 = makeCert({ ...k0.spec, key: key('inter-rollover'), issuer: k0, aki: true, pathLen: 0 });
    add('pathlen/self-issued-not-counted', { chain: [leaf(k1), k1, k0], roots: [r1], expect: 'ok' });
    c = std({ leaf: { ca: false, pathLen: 0 } });
    add('pathlen/on-leaf-without-ca', { chain: c.chain, roots: c.roots, expect: 'CERT_INVALID' });
  }

  // ---------------------------------------------------------------- name constraints
  const nc: [string, Over, Over, 'ok' | ErrorCode, { ok: boolean; reason: string }?][] = [
    ['dns-permitted-subdomain', { permitted: ['dns:example.com'] }, { san: ['dns:www.example.com'] }, 'ok'],
    ['dns-permitted-exact', { permitted: ['dns:example.com'] }, { san: ['dns:example.com'] }, 'ok'],
    ['dns-permitted-violation', { permitted: ['dns:example.com'] }, { san: ['dns:example.org'] }, 'CERT_NAME_CONSTRAINTS'],
    [
      'dns-permitted-one-of-two-outside',
      { permitted: ['dns:example.com'] },
      { san: ['dns:example.com', 'dns:evil.org'] },
      'CERT_NAME_CONSTRAINTS',
    ],
    [
      'dns-permitted-suffix-not-label',
      { permitted: ['dns:example.com'] },
      { san: ['dns:notexample.com'] },
      'CERT_NAME_CONSTRAINTS',
    ],
    ['dns-permitted-case-insensitive', { permitted: ['dns:EXAMPLE.com'] }, { san: ['dns:www.Example.COM'] }, 'ok'],
    ['dns-permitted-leading-dot-sub', { permitted: ['dns:.example.com'] }, { san: ['dns:www.example.com'] }, 'ok'],
    [
      'dns-permitted-leading-dot-apex',
      { permitted: ['dns:.example.com'] },
      { san: ['dns:example.com'] },
      'CERT_NAME_CONSTRAINTS',
    ],
    ['dns-permitted-wildcard-inside', { permitted: ['dns:example.com'] }, { san: ['dns:*.example.com'] }, 'ok'],
    [
      'dns-permitted-wildcard-too-wide',
      { permitted: ['dns:www.example.com'] },
      { san: ['dns:*.example.com'] },
      'CERT_NAME_CONSTRAINTS',
    ],
    ['dns-excluded-exact', { excluded: ['dns:example.com'] }, { san: ['dns:example.com'] }, 'CERT_NAME_CONSTRAINTS'],
    [
      'dns-excluded-subdomain',
      { excluded: ['dns:example.com'] },
      { san: ['dns:www.example.com'] },
      'CERT_NAME_CONSTRAINTS',
    ],
    ['dns-excluded-other', { excluded: ['dns:bad.example.com'] }, { san: ['dns:example.com'] }, 'ok'],
    [
      'dns-excluded-reached-by-wildcard',
      { excluded: ['dns:bad.example.com'] },
      { san: ['dns:*.example.com'] },
      'CERT_NAME_CONSTRAINTS',
      {
        ok: true,
        reason: '"*.example.com" also matches bad.example.com, so it overlaps the excluded subtree (Chromium does the same)',
      },
    ],
    [
      'dns-permitted-and-excluded',
      { permitted: ['dns:example.com'], excluded: ['dns:secret.example.com'] },
      { san: ['dns:www.secret.example.com'] },
      'CERT_NAME_CONSTRAINTS',
    ],
    [
      'dns-permitted-and-excluded-ok',
      { permitted: ['dns:example.com'], excluded: ['dns:secret.example.com'] },
      { san: ['dns:www.example.com'] },
      'ok',
    ],
    [
      'dns-constraint-does-not-limit-ip',
      { permitted: ['dns:example.com'] },
      { san: ['dns:example.com', 'ip:192.0.2.1'] },
      'ok',
    ],
    ['ip-permitted', { permitted: ['ip:10.0.0.0/8'] }, { san: ['ip:10.1.2.3'] }, 'ok'],
    ['ip-permitted-violation', { permitted: ['ip:10.0.0.0/8'] }, { san: ['ip:192.168.1.1'] }, 'CERT_NAME_CONSTRAINTS'],
    ['ip-excluded', { excluded: ['ip:192.168.0.0/16'] }, { san: ['ip:192.168.1.1'] }, 'CERT_NAME_CONSTRAINTS'],
    ['ip-excluded-other', { excluded: ['ip:192.168.0.0/16'] }, { san: ['ip:192.169.0.1'] }, 'ok'],
    ['ipv6-permitted', { permitted: ['ip:2001:db8::/32'] }, { san: ['ip:2001:db8::1'] }, 'ok'],
    ['ipv6-permitted-violation', { permitted: ['ip:2001:db8::/32'] }, { san: ['ip:2001:db9::1'] }, 'CERT_NAME_CONSTRAINTS'],
    ['ipv6-excluded', { excluded: ['ip:2001:db8::/32'] }, { san: ['ip:2001:db8:1::1'] }, 'CERT_NAME_CONSTRAINTS'],
    [
      'ip-v4-subtree-excludes-v6-name',
      { permitted: ['ip:10.0.0.0/8'] },
      { san: ['ip:2001:db8::1'] },
      'CERT_NAME_CONSTRAINTS',
    ],
    ['ip-host-mask-32', { permitted: ['ip:192.0.2.7/32'] }, { san: ['ip:192.0.2.7'] }, 'ok'],
    [
      'ip-constraint-does-not-limit-dns',
      { permitted: ['ip:10.0.0.0/8'] },
      { san: ['dns:example.com', 'ip:10.0.0.1'] },
      'ok',
    ],
    [
      'dns-and-ip-permitted',
      { permitted: ['dns:example.com', 'ip:10.0.0.0/8'] },
      { san: ['dns:www.example.com', 'ip:10.0.0.1'] },
      'ok',
    ],
    [
      'dirname-permitted',
      { permitted: [{ dn: [['C', 'XX'], ['O', 'Example']] }] },
      { subject: [['C', 'XX'], ['O', 'Example'], ['CN', 'Test Leaf']] },
      'ok',
    ],
    [
      'dirname-permitted-violation',
      { permitted: [{ dn: [['C', 'XX'], ['O', 'Example']] }] },
      { subject: [['C', 'XX'], ['O', 'Other'], ['CN', 'Test Leaf']] },
      'CERT_NAME_CONSTRAINTS',
    ],
    [
      'dirname-excluded',
      { excluded: [{ dn: [['C', 'XX'], ['O', 'Bad']] }] },
      { subject: [['C', 'XX'], ['O', 'Bad'], ['CN', 'Test Leaf']] },
      'CERT_NAME_CONSTRAINTS',
    ],
    ['email-permitted', { permitted: ['email:example.com'] }, { san: ['dns:example.com', 'email:a@example.com'] }, 'ok'],
    [
      'email-permitted-violation',
      { permitted: ['email:example.com'] },
      { san: ['dns:example.com', 'email:a@example.org'] },
      'CERT_NAME_CONSTRAINTS',
    ],
    [
      'uri-constraint-with-uri-name',
      { permitted: ['uri:.example.com'] },
      { san: ['dns:example.com', 'uri:https://www.example.com/'] },
      'CERT_NAME_CONSTRAINTS',
      { ok: true, reason: 'URI name constraints are not implemented, so a URI name under one fails closed (as Chromium)' },
    ],
    ['uri-constraint-without-uri-name', { permitted: ['uri:.example.com'] }, {}, 'ok'],
  ];
  for (const [id, io, lo, expect, openssl] of nc) {
    const c = std({ inter: io, leaf: lo });
    const first = (lo.san ?? ['dns:example.com'])[0];
    const name = typeof first === 'string' ? first.replace(/^(dns|ip):/, '').replace('*', 'www') : 'example.com';
    add(`nc/${id}`, { chain: c.chain, roots: c.roots, name, expect, ...(openssl ? { openssl } : {}) });
  }
  {
    // Constraints on the trust anchor are enforced too.
    let c = std({ root: { permitted: ['dns:example.com'] }, leaf: { san: ['dns:example.org'] } });
    add('nc/anchor-permitted-violation', { chain: c.chain, roots: c.roots, name: 'example.org', expect: 'CERT_NAME_CONSTRAINTS' });
    c = std({ root: { permitted: ['dns:example.com'] } });
    add('nc/anchor-permitted-ok', { chain: c.chain, roots: c.roots, expect: 'ok' });
    // Two CAs' constraints intersect.
    c = std({ root: { permitted: ['dns:example.com'] }, inter: { permitted: ['dns:example.org'] } });
    add('nc/intersection-empty', { chain: c.chain, roots: c.roots, expect: 'CERT_NAME_CONSTRAINTS' });
    c = std({
      root: { permitted: ['dns:example.com'] },
      inter: { permitted: ['dns:www.example.com'] },
      leaf: { san: ['dns:www.example.com'] },
    });
    add('nc/intersection-ok', { chain: c.chain, roots: c.roots, name: 'www.example.com', expect: 'ok' });
    // The root's constraints also bind the intermediate's own names.
    c = std({ root: { permitted: [{ dn: [['O', 'Elsewhere']] }] } });
    add('nc/anchor-dirname-binds-intermediate', { chain: c.chain, roots: c.roots, expect: 'CERT_NAME_CONSTRAINTS' });
  }

  // ---------------------------------------------------------------- server identity (RFC 9525)
  const idCases: [string, Over, string, 'ok' | ErrorCode, { ok: boolean; reason: string }?, string?][] = [
    ['exact', { san: ['dns:example.com'] }, 'example.com', 'ok'],
    ['case-insensitive', { san: ['dns:Example.COM'] }, 'eXample.com', 'ok'],
    ['mismatch', { san: ['dns:example.com'] }, 'example.org', 'CERT_NAME_MISMATCH'],
    ['subdomain-vs-apex', { san: ['dns:example.com'] }, 'www.example.com', 'CERT_NAME_MISMATCH'],
    ['apex-vs-subdomain', { san: ['dns:www.example.com'] }, 'example.com', 'CERT_NAME_MISMATCH'],
    ['second-san-matches', { san: ['dns:a.example.net', 'dns:example.com'] }, 'example.com', 'ok'],
    ['wildcard-one-label', { san: ['dns:*.example.com'] }, 'foo.example.com', 'ok'],
    ['wildcard-not-apex', { san: ['dns:*.example.com'] }, 'example.com', 'CERT_NAME_MISMATCH'],
    ['wildcard-not-two-labels', { san: ['dns:*.example.com'] }, 'a.b.example.com', 'CERT_NAME_MISMATCH'],
    ['wildcard-uppercase', { san: ['dns:*.EXAMPLE.com'] }, 'Foo.example.COM', 'ok'],
    ['wildcard-alone', { san: ['dns:*'] }, 'example.com', 'CERT_NAME_MISMATCH'],
    ['wildcard-alone-single-label', { san: ['dns:*'] }, 'localhost', 'CERT_NAME_MISMATCH'],
    [
      'wildcard-partial-prefix',
      { san: ['dns:f*.example.com'] },
      'foo.example.com',
      'CERT_NAME_MISMATCH',
      { ok: true, reason: 'partial-label wildcards are not allowed (RFC 9525 §6.3, CA/B BR); OpenSSL allows them by default' },
    ],
    [
      'wildcard-partial-suffix',
      { san: ['dns:*oo.example.com'] },
      'foo.example.com',
      'CERT_NAME_MISMATCH',
      { ok: true, reason: 'partial-label wildcards are not allowed (RFC 9525 §6.3, CA/B BR); OpenSSL allows them by default' },
    ],
    ['wildcard-not-leftmost', { san: ['dns:www.*.example.com'] }, 'www.foo.example.com', 'CERT_NAME_MISMATCH'],
    ['wildcard-double', { san: ['dns:*.*.example.com'] }, 'a.b.example.com', 'CERT_NAME_MISMATCH'],
    ['wildcard-tld', { san: ['dns:*.com'] }, 'example.com', 'CERT_NAME_MISMATCH'],
    ['wildcard-in-idn-label', { san: ['dns:xn--*-1b3c148a.example.com'] }, 'xn--bliss-1b3c148a.example.com', 'CERT_NAME_MISMATCH'],
    ['wildcard-matches-a-label', { san: ['dns:*.example.com'] }, 'xn--bcher-kva.example.com', 'ok'],
    ['idna-a-label', { san: ['dns:xn--bcher-kva.example'] }, 'xn--bcher-kva.example', 'ok'],
    ['idna-u-label-reference', { san: ['dns:xn--bcher-kva.example'] }, 'bücher.example', 'ok', undefined, 'xn--bcher-kva.example'],
    ['idna-u-label-mismatch', { san: ['dns:xn--bcher-kva.example'] }, 'bucher.example', 'CERT_NAME_MISMATCH'],
    [
      'trailing-dot-reference',
      { san: ['dns:example.com'] },
      'example.com.',
      'ok',
      { ok: false, reason: 'an absolute name ("example.com.") names the same host (RFC 9525 §6.3); OpenSSL compares it literally' },
    ],
    [
      'trailing-dot-presented',
      { san: ['dns:example.com.'] },
      'example.com',
      'ok',
      { ok: false, reason: 'an absolute name ("example.com.") names the same host (RFC 9525 §6.3); OpenSSL compares it literally' },
    ],
    [
      'cn-only-no-san',
      { subject: [['CN', 'example.com']], san: undefined },
      'example.com',
      'CERT_NAME_MISMATCH',
      { ok: true, reason: 'the subject CN is never used (RFC 9525 §6.1, CA/B BR); OpenSSL falls back to it without DNS SANs' },
    ],
    ['cn-ignored-with-san', { subject: [['CN', 'example.com']], san: ['dns:example.org'] }, 'example.com', 'CERT_NAME_MISMATCH'],
    ['ip-v4', { san: ['ip:127.0.0.1'] }, '127.0.0.1', 'ok'],
    ['ip-v4-mismatch', { san: ['ip:127.0.0.1'] }, '127.0.0.2', 'CERT_NAME_MISMATCH'],
    ['ip-v6', { san: ['ip:::1'] }, '::1', 'ok'],
    ['ip-v6-long-form', { san: ['ip:2001:db8::1'] }, '2001:0db8:0:0:0:0:0:1', 'ok'],
    ['ip-v6-bracketed', { san: ['ip:2001:db8::1'] }, '[2001:db8::1]', 'ok', undefined, '2001:db8::1'],
    ['ip-v6-mismatch', { san: ['ip:2001:db8::1'] }, '2001:db8::2', 'CERT_NAME_MISMATCH'],
    ['ip-reference-vs-dns-san', { san: ['dns:127.0.0.1'] }, '127.0.0.1', 'CERT_NAME_MISMATCH'],
    ['ip-reference-vs-cn', { subject: [['CN', '10.0.0.1']], san: ['dns:example.com'] }, '10.0.0.1', 'CERT_NAME_MISMATCH'],
    ['dns-reference-vs-ip-san', { san: ['ip:192.0.2.1'] }, 'example.com', 'CERT_NAME_MISMATCH'],
    ['ip-v4-mapped-v6-is-not-v4', { san: ['ip:::ffff:c000:201'] }, '192.0.2.1', 'CERT_NAME_MISMATCH'],
    ['email-san-not-a-host', { san: ['email:example.com'] }, 'example.com', 'CERT_NAME_MISMATCH'],
    ['uri-san-not-a-host', { san: ['uri:https://example.com/'] }, 'example.com', 'CERT_NAME_MISMATCH'],
  ];
  for (const [id, lo, name, expect, openssl, opensslName] of idCases) {
    const c = std({ leaf: lo });
    add(`name/${id}`, {
      chain: c.chain,
      roots: c.roots,
      name,
      expect,
      ...(openssl ? { openssl } : {}),
      ...(opensslName ? { opensslName } : {}),
    });
  }
  {
    const c = std({ leaf: { san: undefined, rawDnsSan: [new TextEncoder().encode('ü.example.com')] } });
    add('name/non-ascii-dnsname-rejected', { chain: c.chain, roots: c.roots, name: 'xn--tda.example.com', expect: 'CERT_INVALID' });
  }

  // ---------------------------------------------------------------- extensions
  {
    const unknown = { oid: '1.3.6.1.4.1.55555.1', value: new Uint8Array([0x05, 0x00]) };
    let c = std({ leaf: { extra: [{ ...unknown, critical: true }] } });
    add('ext/unknown-critical-leaf', { chain: c.chain, roots: c.roots, expect: 'CERT_INVALID' });
    c = std({ inter: { extra: [{ ...unknown, critical: true }] } });
    add('ext/unknown-critical-intermediate', { chain: c.chain, roots: c.roots, expect: 'CERT_INVALID' });
    c = std({ root: { extra: [{ ...unknown, critical: true }] } });
    add('ext/unknown-critical-anchor', {
      chain: c.chain,
      roots: c.roots,
      expect: 'CERT_INVALID',
    });
    c = std({ leaf: { extra: [{ ...unknown, critical: false }] } });
    add('ext/unknown-noncritical', { chain: c.chain, roots: c.roots, expect: 'ok' });
    // certificatePolicies { anyPolicy }, critical: understood (it cannot fail a path without explicit policy).
    const policies = new Uint8Array([0x30, 0x08, 0x30, 0x06, 0x06, 0x04, 0x55, 0x1d, 0x20, 0x00]);
    c = std({ inter: { extra: [{ oid: '2.5.29.32', critical: true, value: policies }] } });
    add('ext/critical-certificate-policies', { chain: c.chain, roots: c.roots, expect: 'ok' });
    // policyConstraints requireExplicitPolicy=0 is not processed: critical -> refused.
    const policyConstraints = new Uint8Array([0x30, 0x03, 0x80, 0x01, 0x00]);
    c = std({ inter: { extra: [{ oid: '2.5.29.36', critical: true, value: policyConstraints }] } });
    add('ext/critical-policy-constraints', {
      chain: c.chain,
      roots: c.roots,
      expect: 'CERT_INVALID',
      openssl: {
        ok: true,
        reason:
          'policy processing is not implemented, so critical policy extensions fail closed; OpenSSL enforces them only with -policy_check (and requireExplicitPolicy=0 with no policies fails RFC 5280 §6.1.5 anyway)',
      },
    });
    const dupSan = { oid: '2.5.29.17', critical: false, value: new Uint8Array([0x30, 0x0d, 0x82, 0x0b, ...new TextEncoder().encode('example.com')]) };
    c = std({ leaf: { extra: [dupSan] } });
    add('ext/duplicate-extension', { chain: c.chain, roots: c.roots, expect: 'CERT_INVALID' });
    const badAia = { oid: '1.3.6.1.5.5.7.1.1', critical: true, value: new Uint8Array([0x30, 0x00]) };
    c = std({ leaf: { extra: [badAia] } });
    add('ext/critical-aia', { chain: c.chain, roots: c.roots, expect: 'CERT_INVALID' });
  }

  // ---------------------------------------------------------------- path building
  {
    const r = root();
    const i1 = inter(r);
    const i2 = inter(i1, { name: 'Second Intermediate', key: key('inter2') });
    const l = leaf(i2);
    add('path/in-order', { chain: [l, i2, i1], roots: [r], expect: 'ok' });
    add('path/out-of-order', { chain: [l, i1, i2], roots: [r], expect: 'ok' });
    const junk1 = inter(root({ name: 'Other Root', key: key('other-root') }), { name: 'Unrelated CA', key: key('unrelated') });
    const junk2 = leaf(i1, { san: ['dns:other.example'], key: key('other-leaf') });
    add('path/superfluous-certificates', { chain: [l, junk1, i1, junk2, i2], roots: [r], expect: 'ok' });
    add('path/duplicates', { chain: [l, i2, i2, i1, i1, i2], roots: [r], expect: 'ok' });
    add('path/missing-intermediate', { chain: [l, i2], roots: [r], expect: 'CERT_UNTRUSTED_ROOT' });
    add('path/no-intermediates-sent', { chain: [l], roots: [r], expect: 'CERT_UNTRUSTED_ROOT' });
    add('path/untrusted-root', {
      chain: [l, i2, i1, r],
      roots: [root({ name: 'Some Other Root', key: key('other-root') })],
      expect: 'CERT_UNTRUSTED_ROOT',
    });
    add('path/intermediate-as-anchor', {
      chain: [l, i2, i1],
      roots: [i1],
      expect: 'ok',
      partialChain: true,
    });
    // Same name as the trusted root, different key.
    const impostor = root({ key: key('impostor') });
    const ii = inter(impostor);
    add('path/root-name-wrong-key', { chain: [leaf(ii), ii], roots: [r], expect: 'CERT_BAD_SIGNATURE' });
    // Issuer name chaining by RFC 5280 §7.1 rules: case, spaces and string type differ.
    const rn = root({ subject: [['C', 'XX'], ['O', 'Name Test', 'printable'], ['CN', 'Chaining Root']] });
    const ln = leaf(rn, { issuerName: [['C', 'XX'], ['O', 'name   TEST', 'utf8'], ['CN', 'chaining root']] });
    add('path/name-chaining-rfc5280-comparison', { chain: [ln], roots: [rn], expect: 'ok' });
    const lx = leaf(rn, { issuerName: [['C', 'XX'], ['O', 'Name Test'], ['CN', 'Another Root']] });
    add('path/issuer-name-mismatch', { chain: [lx], roots: [rn], expect: 'CERT_UNTRUSTED_ROOT' });
  }
  {
    const noBacktrack = { ok: false, reason: 'OpenSSL takes the first matching issuer among the untrusted certificates and does not backtrack; path building (RFC 4158) tries the other one' };
    // Cross-signing: one intermediate key, certified by an old (untrusted) and a new (trusted) root.
    const oldRoot = root({ name: 'Old Root', key: key('old-root') });
    const newRoot = root({ name: 'New Root', key: key('new-root') });
    const crossFromOld = inter(oldRoot, { name: 'Shared CA' });
    const crossFromNew = inter(newRoot, { name: 'Shared CA' });
    const l = leaf(crossFromNew);
    add('cross/new-root-trusted', { chain: [l, crossFromOld, crossFromNew], roots: [newRoot], expect: 'ok', openssl: noBacktrack });
    add('cross/old-root-trusted', { chain: [l, crossFromNew, crossFromOld], roots: [oldRoot], expect: 'ok', openssl: noBacktrack });
    add('cross/neither-trusted', {
      chain: [l, crossFromOld, crossFromNew],
      roots: [root({ name: 'Unrelated Root', key: key('other-root') })],
      expect: 'CERT_UNTRUSTED_ROOT',
    });
    // Only one of the two paths is valid: the other certificate of the intermediate has expired.
    const expiredCross = inter(oldRoot, { name: 'Shared CA', notBefore: days(-800), notAfter: days(-10) });
    add('cross/one-path-expired', {
      chain: [l, expiredCross, crossFromNew],
      roots: [oldRoot, newRoot],
      expect: 'ok',
    });
    add('cross/only-expired-path-trusted', {
      chain: [l, expiredCross, crossFromNew],
      roots: [oldRoot],
      expect: 'CERT_EXPIRED',
    });
    // The other path violates EKU.
    const clientOnly = inter(oldRoot, { name: 'Shared CA', eku: [EKU.clientAuth] });
    add('cross/one-path-wrong-eku', { chain: [l, clientOnly, crossFromNew], roots: [oldRoot, newRoot], expect: 'ok', openssl: noBacktrack });
    // The other path violates pathLen: old root allows no intermediates.
    const oldRoot0 = root({ name: 'Old Root', key: key('old-root'), pathLen: 0 });
    const via0 = inter(oldRoot0, { name: 'Shared CA' });
    add('cross/one-path-pathlen', { chain: [l, via0, crossFromNew], roots: [oldRoot0, newRoot], expect: 'ok', openssl: noBacktrack });
    // Cross-signed root: trusted old root signs the new root's key.
    const newRootCross = makeCert({ ...newRoot.spec, issuer: oldRoot, aki: true });
    const viaNew = inter(newRoot, { name: 'Issuing CA', key: key('issuing') });
    const l2 = leaf(viaNew);
    add('cross/cross-signed-root', { chain: [l2, viaNew, newRootCross], roots: [oldRoot], expect: 'ok' });
    add('cross/cross-signed-root-new-trusted', { chain: [l2, viaNew, newRootCross], roots: [newRoot], expect: 'ok' });
  }
  {
    // Re-keyed intermediate: two certificates with one name and different keys.
    const r = root();
    const oldKey = inter(r, { key: key('inter-old') });
    const newKey = inter(r, { key: key('inter-new') });
    const l = leaf(newKey);
    add('rekey/aki-picks-right-key', { chain: [l, oldKey, newKey], roots: [r], expect: 'ok' });
    const oldNoSki = inter(r, { key: key('inter-old'), ski: false });
    const newNoSki = inter(r, { key: key('inter-new'), ski: false });
    const lNoAki = leaf(newNoSki, { aki: false });
    add('rekey/no-identifiers-try-both', {
      chain: [lNoAki, oldNoSki, newNoSki],
      roots: [r],
      expect: 'ok',
      openssl: {
        ok: false,
        reason: 'x509_strict requires AKI/SKI (an issuance rule), and OpenSSL does not backtrack from the first same-named issuer',
      },
    });
    const misleading = leaf(newKey, { aki: key('inter-old').id });
    add('rekey/wrong-aki-still-verified-by-signature', {
      chain: [misleading, oldKey, newKey],
      roots: [r],
      expect: 'ok',
      openssl: { ok: false, reason: 'key identifiers only order the search (RFC 5280 §4.2.1.1); the signature decides the issuer' },
    });
  }
  {
    // Loops: two CAs certify each other, neither trusted.
    const a0 = makeCert({ subject: [['CN', 'Loop A']], key: key('loop-a'), notBefore: days(-100), notAfter: days(100), ca: true, ku: KU.keyCertSign });
    const b = makeCert({ subject: [['CN', 'Loop B']], key: key('loop-b'), issuer: a0, notBefore: days(-100), notAfter: days(100), ca: true, ku: KU.keyCertSign });
    const a = makeCert({ ...a0.spec, issuer: b, aki: true });
    const l = leaf(a);
    add('path/loop-untrusted', {
      chain: [l, a, b],
      roots: [root({ name: 'Unrelated Root', key: key('other-root') })],
      expect: 'CERT_UNTRUSTED_ROOT',
    });
    add('path/loop-with-trusted-exit', { chain: [l, b, a], roots: [a0], expect: 'ok' });
  }
  {
    // Depth limit: at most 10 certificates in a path, leaf and anchor included.
    const r = root();
    const make = (n: number): Cert[] => {
      const out: Cert[] = [];
      let issuer = r;
      for (let k = 0; k < n; k++) {
        issuer = inter(issuer, { name: `Level ${k + 1} CA`, key: key(`level-${k}`) });
        out.push(issuer);
      }
      return out;
    };
    const eight = make(8);
    add('path/eight-intermediates', { chain: [leaf(eight[7]!), ...eight.reverse()], roots: [r], expect: 'ok' });
    const nine = make(9);
    add('path/nine-intermediates-too-long', {
      chain: [leaf(nine[8]!), ...nine.reverse()],
      roots: [r],
      expect: 'CERT_CHAIN_TOO_LONG',
      openssl: { ok: true, reason: 'paths are limited to 10 certificates (OpenSSL allows 100)' },
    });
  }
  {
    // Direct trust: the leaf itself is the anchor.
    const self = makeCert({
      subject: [['CN', 'Self Signed']],
      key: key('self'),
      notBefore: days(-10),
      notAfter: days(10),
      ku: KU.digitalSignature,
      eku: [EKU.serverAuth],
      san: ['dns:example.com'],
    });
    add('trust/self-signed-leaf-trusted', {
      chain: [self],
      roots: [self],
      expect: 'ok',
    });
    add('trust/self-signed-leaf-untrusted', {
      chain: [self],
      roots: [root()],
      expect: 'CERT_UNTRUSTED_ROOT',
    });
    const selfCa = makeCert({ ...self.spec, ca: true, ku: KU.digitalSignature | KU.keyCertSign });
    add('trust/self-signed-ca-leaf-trusted', {
      chain: [selfCa],
      roots: [selfCa],
      expect: 'ok',
    });
    const expiredSelf = makeCert({ ...self.spec, notBefore: days(-20), notAfter: days(-5) });
    add('trust/self-signed-leaf-trusted-expired', { chain: [expiredSelf], roots: [expiredSelf], expect: 'CERT_EXPIRED' });
    add('trust/self-signed-leaf-wrong-name', {
      chain: [self],
      roots: [self],
      name: 'example.org',
      expect: 'CERT_NAME_MISMATCH',
    });
  }

  // ---------------------------------------------------------------- signatures and keys
  {
const weakHash = { ok: true, reason: 'SHA-1 and MD5 signatures are refused (CA/B BR §7.1.3.2); OpenSSL refuses them only with -auth_level 1 or more' };
    let c = std({ leaf: { sigAlg: 'rsa-sha1' }, inter: { key: key('inter', 'rsa2048') } });
    add('sig/sha1-rsa-leaf', { chain: c.chain, roots: c.roots, expect: 'CERT_UNSUPPORTED_ALGORITHM', openssl: weakHash });
    c = std({ inter: { sigAlg: 'rsa-sha1' }, root: { key: key('root', 'rsa2048') } });
    add('sig/sha1-rsa-intermediate', { chain: c.chain, roots: c.roots, expect: 'CERT_UNSUPPORTED_ALGORITHM', openssl: weakHash });
    c = std({ leaf: { sigAlg: 'ecdsa-sha1' } });
    add('sig/sha1-ecdsa-leaf', { chain: c.chain, roots: c.roots, expect: 'CERT_UNSUPPORTED_ALGORITHM', openssl: weakHash });
    c = std({ leaf: { sigAlg: 'rsa-md5' }, inter: { key: key('inter', 'rsa2048') } });
    add('sig/md5-rsa-leaf', { chain: c.chain, roots: c.roots, expect: 'CERT_UNSUPPORTED_ALGORITHM', openssl: weakHash });
    c = std({ root: { key: key('root', 'rsa2048'), sigAlg: 'rsa-sha1' } });
    add('sig/sha1-self-signature-of-anchor-ignored', { chain: c.chain, roots: c.roots, expect: 'ok' });
    c = std({ leaf: { sigAlg: 'pss-sha256-salt20' }, inter: { key: key('inter', 'rsa2048') } });
    add('sig/pss-nonstandard-salt', {
      chain: c.chain,
      roots: c.roots,
      expect: 'CERT_UNSUPPORTED_ALGORITHM',
      openssl: { ok: true, reason: 'only the CA/B BR RSASSA-PSS encodings are accepted (salt length = hash length)' },
    });
    c = std({ leaf: { signWith: key('someone-else') } });
    add('sig/leaf-signed-by-wrong-key', { chain: c.chain, roots: c.roots, expect: 'CERT_BAD_SIGNATURE' });
    c = std({ inter: { signWith: key('someone-else') } });
    add('sig/intermediate-signed-by-wrong-key', { chain: c.chain, roots: c.roots, expect: 'CERT_BAD_SIGNATURE' });
    c = std();
    const flipped = Uint8Array.from(c.l.der);
    flipped[flipped.length - 5]! ^= 0x01;
    cases.push({ id: 'sig/signature-bit-flipped', chain: [flipped, c.i.der], roots: [c.r.der], serverName: 'example.com', at: NOW, expect: 'CERT_BAD_SIGNATURE' });
    const tampered = Uint8Array.from(c.l.der);
    const at = Buffer.from(tampered).indexOf('example.com');
    tampered[at] = 'E'.charCodeAt(0); // "Example.com": same length, signature no longer matches
    cases.push({ id: 'sig/tbs-tampered', chain: [tampered, c.i.der], roots: [c.r.der], serverName: 'example.com', at: NOW, expect: 'CERT_BAD_SIGNATURE' });
    c = std({ leaf: { outerAlg: 'ecdsa-sha384' } });
    add('sig/outer-and-inner-algorithm-differ', { chain: c.chain, roots: c.roots, expect: 'CERT_INVALID' });
    c = std({ leaf: { key: key('leaf', 'rsa1024') } });
    add('key/rsa-1024-leaf', {
      chain: c.chain,
      roots: c.roots,
      expect: 'CERT_UNSUPPORTED_ALGORITHM',
      openssl: { ok: true, reason: 'RSA keys under 2048 bits are refused (CA/B BR §6.1.5); OpenSSL checks key sizes only with -auth_level' },
    });
    c = std({ inter: { key: key('inter', 'rsa1024') } });
    add('key/rsa-1024-intermediate', {
      chain: c.chain,
      roots: c.roots,
      expect: 'CERT_UNSUPPORTED_ALGORITHM',
      openssl: { ok: true, reason: 'RSA keys under 2048 bits are refused (CA/B BR §6.1.5); OpenSSL checks key sizes only with -auth_level' },
    });
    c = std({ leaf: { key: key('leaf', 'secp256k1') } });
    add('key/secp256k1-leaf', {
      chain: c.chain,
      roots: c.roots,
      expect: 'CERT_UNSUPPORTED_ALGORITHM',
      openssl: { ok: true, reason: 'only P-256, P-384 and P-521 curves are accepted (CA/B BR §6.1.5)' },
    });
    c = std({ inter: { key: key('inter', 'secp256k1') } });
    add('key/secp256k1-intermediate', {
      chain: c.chain,
      roots: c.roots,
      expect: 'CERT_UNSUPPORTED_ALGORITHM',
      openssl: { ok: true, reason: 'only P-256, P-384 and P-521 curves are accepted (CA/B BR §6.1.5)' },
    });
    c = std({ leaf: { sigAlg: 'rsa-sha256' } });
    add('sig/rsa-algorithm-with-ec-issuer-key', { chain: c.chain, roots: c.roots, expect: 'CERT_BAD_SIGNATURE' });
  }

  // ---------------------------------------------------------------- malformed input
  {
    const c = std();
    cases.push({
      id: 'malformed/truncated-leaf',
      chain: [c.l.der.subarray(0, c.l.der.length - 10), c.i.der],
      roots: [c.r.der],
      serverName: 'example.com',
      at: NOW,
      expect: 'CERT_INVALID',
    });
    cases.push({
      id: 'malformed/trailing-bytes',
      chain: [Uint8Array.from([...c.l.der, 0]), c.i.der],
      roots: [c.r.der],
      serverName: 'example.com',
      at: NOW,
      expect: 'CERT_INVALID',
      openssl: { ok: true, reason: 'bytes after the DER Certificate make it malformed; OpenSSL\'s PEM loader ignores them' },
    });
    const v1 = std({ leaf: { version: 1 } });
    add('malformed/v1-leaf-has-no-san', { chain: v1.chain, roots: v1.roots, expect: 'CERT_NAME_MISMATCH' });
    const emptySubject = std({ leaf: { subject: [], san: ['dns:example.com'] } });
    add('name/empty-subject-critical-san', { chain: emptySubject.chain, roots: emptySubject.roots, expect: 'ok' });
  }
  return cases;
}
