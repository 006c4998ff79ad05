/**
 * Issue 14: the bundled roots are NSS's certdata.txt (the pinned copy in
 * scripts/nss/), no more and no less: the same TLS server roots, labels and
 * distrust-after dates, no e-mail-only root, and every certificate in the
 * file readable by the generator's DER walk and by puretls's parser.
 */
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseCertdata, serverRoots, type CertdataObject } from '../../scripts/nss/certdata.mjs';
import { certificateFields } from '../../scripts/nss/x509.mjs';
import { base64Decode } from '../../src/crypto/pem.js';
import { parseCertificate } from '../../src/verify/cert.js';
import { TrustStore } from '../../src/verify/index.js';
import { MOZILLA_ROOTS, MOZILLA_ROOTS_ORIGIN } from '../../src/verify/mozilla-roots.js';

// The bundled roots are a module of their own, loaded on first use.
beforeAll(() => TrustStore.loadMozilla());

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CERTDATA = join(REPO, 'scripts/nss/certdata.txt');
const text = readFileSync(CERTDATA, 'utf8');
const objects = parseCertdata(text);
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const bytesOf = (o: CertdataObject, name: string): Uint8Array => {
  const v = o.attrs.get(name)?.value;
  if (!(v instanceof Uint8Array)) throw new Error(`${name} missing at line ${o.line}`);
  return v;
};
const tokenOf = (o: CertdataObject, name: string): string | undefined => {
  const v = o.attrs.get(name)?.value;
  return typeof v === 'string' ? v : undefined;
};
const certs = objects.filter((o) => tokenOf(o, 'CKA_CLASS') === 'CKO_CERTIFICATE');
const trusts = objects.filter((o) => tokenOf(o, 'CKA_CLASS') === 'CKO_NSS_TRUST');
const idOf = (o: CertdataObject): string =>
  Buffer.from(bytesOf(o, 'CKA_ISSUER')).toString('hex') + '/' + Buffer.from(bytesOf(o, 'CKA_SERIAL_NUMBER')).toString('hex');
const certById = new Map(certs.map((c) => [idOf(c), c]));

/** The bundled roots by SHA-256: [label, distrust-after or ""]. */
const bundled = new Map(MOZILLA_ROOTS.map(([label, , , b64, distrust]) => [sha256(base64Decode(b64)), [label, distrust]]));

describe('the pinned certdata.txt', () => {
  test('is the copy SOURCE.json and the README name', () => {
    const source = JSON.parse(readFileSync(join(REPO, 'scripts/nss/SOURCE.json'), 'utf8')) as Record<string, string>;
    expect(sha256(new Uint8Array(readFileSync(CERTDATA)))).toBe(source.sha256);
    expect(source.commit).toBe('9d75dfde2e791c38fdf5ea7f3da9609c46d8a4f8');
    expect(MOZILLA_ROOTS_ORIGIN).toMatchObject({ commit: source.commit, date: source.date, sha256: source.sha256 });
    const readme = readFileSync(join(REPO, 'scripts/nss/README.md'), 'utf8');
    expect(readme).toContain(`commit ${source.commit} of ${source.date}`);
  });

  test('holds 167 certificates, each with one trust object', () => {
    expect(certs).toHaveLength(167);
    expect(trusts).toHaveLength(167);
    expect(new Set(trusts.map(idOf))).toEqual(new Set(certs.map(idOf)));
  });
});

describe('the bundled store against certdata.txt', () => {
  // Read straight from the trust objects, not through serverRoots().
  const serverTrusted = trusts.filter((t) => tokenOf(t, 'CKA_TRUST_SERVER_AUTH') === 'CKT_NSS_TRUSTED_DELEGATOR');

  test('the same roots as the trust objects mark CKT_NSS_TRUSTED_DELEGATOR for servers, with their labels', () => {
    const lines = text.split('\n').filter((l) => l === 'CKA_TRUST_SERVER_AUTH CK_TRUST CKT_NSS_TRUSTED_DELEGATOR');
    expect(serverTrusted).toHaveLength(lines.length);
    expect(TrustStore.mozilla().size).toBe(lines.length);
    const expected = new Map(
      serverTrusted.map((t) => {
        const c = certById.get(idOf(t))!;
        return [sha256(bytesOf(c, 'CKA_VALUE')), tokenOf(c, 'CKA_LABEL')];
      }),
    );
    expect(new Map([...bundled].map(([h, [label]]) => [h, label]))).toEqual(expected);
  });

  test('no e-mail-only root is included', () => {
    const emailOnly = trusts.filter(
      (t) =>
        tokenOf(t, 'CKA_TRUST_EMAIL_PROTECTION') === 'CKT_NSS_TRUSTED_DELEGATOR' &&
        tokenOf(t, 'CKA_TRUST_SERVER_AUTH') !== 'CKT_NSS_TRUSTED_DELEGATOR',
    );
    expect(emailOnly.length).toBeGreaterThan(40);
    const store = TrustStore.mozilla();
    for (const t of emailOnly) expect(store.has(bytesOf(certById.get(idOf(t))!, 'CKA_VALUE'))).toBe(false);
  });

  test('the same server distrust-after dates, checked against the comments NSS writes next to them', () => {
    // "# For Server Distrust After: Sat Nov 30 23:59:59 2024" precedes each date.
    const lines = text.split('\n');
    const fromComments = new Map<string, number>();
    lines.forEach((l, i) => {
      const m = /^# For Server Distrust After: \w{3} (\w{3}) (\d\d) (\d\d:\d\d:\d\d) (\d{4})$/.exec(l);
      if (!m) return;
      expect(lines[i + 1]).toBe('CKA_NSS_SERVER_DISTRUST_AFTER MULTILINE_OCTAL');
      // The object this line belongs to starts at the last CKA_CLASS above it.
      const owner = objects.filter((o) => o.line <= i + 1).at(-1)!;
      fromComments.set(idOf(owner), Date.parse(`${m[2]} ${m[1]} ${m[4]} ${m[3]} GMT`));
    });
    expect(fromComments.size).toBe(6); // as scripts/nss/README.md says
    const expected = new Map<string, string>();
    for (const t of serverTrusted) {
      const when = fromComments.get(idOf(t)); // the certificate and its trust object share the id
      const c = certById.get(idOf(t))!;
      if (when !== undefined) expected.set(sha256(bytesOf(c, 'CKA_VALUE')), new Date(when).toISOString());
    }
    const got = new Map([...bundled].filter(([, [, d]]) => d !== '').map(([h, [, d]]) => [h, d]));
    expect(got).toEqual(expected);
    expect([...got.values()].sort()).toEqual([
      '2024-11-30T23:59:59.000Z',
      '2025-04-15T23:59:59.000Z',
      '2026-04-15T23:59:59.000Z',
    ]);
  });

  test('serverRoots() agrees, and the generator reproduces the committed module byte for byte', () => {
    expect(new Set(serverRoots(objects).map((r) => r.sha256))).toEqual(new Set(bundled.keys()));
    const dir = mkdtempSync(join(tmpdir(), 'puretls-roots-'));
    try {
      const out = join(dir, 'mozilla-roots.ts');
      execFileSync(process.execPath, [join(REPO, 'scripts/gen-trust-store.mjs'), '--out', out], { stdio: 'pipe' });
      expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(REPO, 'src/verify/mozilla-roots.ts'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('every certificate in certdata.txt', () => {
  test('parses with the DER walk and with puretls, matching its attributes and hashes', () => {
    const fingerprint = new Map<number, string>(); // line of CKA_CLASS -> "# Fingerprint (SHA-256)" above it
    const lines = text.split('\n');
    for (const c of certs) {
      for (let i = c.line - 2; i >= 0 && lines[i]!.startsWith('#'); i--) {
        const m = /^# Fingerprint \(SHA-256\): ([0-9A-F:]+)$/.exec(lines[i]!);
        if (m) fingerprint.set(c.line, m[1]!.replace(/:/g, '').toLowerCase());
      }
    }
    for (const c of certs) {
      const der = bytesOf(c, 'CKA_VALUE');
      const label = tokenOf(c, 'CKA_LABEL');
      const walked = certificateFields(der);
      const parsed = parseCertificate(der);
      const node = new X509Certificate(der);
      expect(walked.subject, label).toEqual(bytesOf(c, 'CKA_SUBJECT'));
      expect(walked.issuer, label).toEqual(bytesOf(c, 'CKA_ISSUER'));
      expect(walked.serial, label).toEqual(bytesOf(c, 'CKA_SERIAL_NUMBER'));
      expect(walked.subject, label).toEqual(parsed.subject.der);
      expect(walked.ski, label).toBe(parsed.subjectKeyId ?? '');
      expect(walked.serial[1], label).toBeLessThan(0x80); // short form: the value follows two header bytes
      expect(BigInt('0x' + node.serialNumber), label).toBe(BigInt('0x' + Buffer.from(walked.serial.subarray(2)).toString('hex')));
      expect(sha256(der), label).toBe(fingerprint.get(c.line));
      const t = trusts.find((x) => idOf(x) === idOf(c))!;
      expect(createHash('sha1').update(der).digest(), label).toEqual(Buffer.from(bytesOf(t, 'CKA_CERT_SHA1_HASH')));
      expect(createHash('md5').update(der).digest(), label).toEqual(Buffer.from(bytesOf(t, 'CKA_CERT_MD5_HASH')));
    }
    expect(fingerprint.size).toBe(certs.length);
  });
});
