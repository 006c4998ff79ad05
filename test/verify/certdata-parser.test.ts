/**
 * Issue 14: the certdata.txt reader of scripts/nss/ on small hand-made inputs:
 * octal blocks, objects and attributes, UTCTime, the DER walk, and the
 * pairing of certificates with trust objects (every inconsistency refused).
 */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { decodeOctalLines, parseCertdata, parseUtcTime, serverRoots } from '../../scripts/nss/certdata.mjs';
import { certificateFields, readTlv } from '../../scripts/nss/x509.mjs';
import { parseCertificate } from '../../src/verify/cert.js';
import { key, makeCert, type Cert } from './certgen.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** certdata.txt's MULTILINE_OCTAL form: 16 escaped bytes a line, then END. */
function octal(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    lines.push([...bytes.subarray(i, i + 16)].map((b) => '\\' + b.toString(8).padStart(3, '0')).join(''));
  }
  return lines.join('\n') + '\nEND';
}

const day = (iso: string): Date => new Date(iso);

function makeRoot(name: string, notBefore = day('2020-01-01T00:00:00Z')): Cert {
  return makeCert({
    subject: [['CN', name]],
    key: key(`certdata-${name}`),
    notBefore,
    notAfter: day('2040-01-01T00:00:00Z'),
    ca: true,
  });
}

interface ObjOptions {
  label?: string;
  server?: string;
  email?: string;
  certDistrust?: string;
  trustDistrust?: string;
  trustLabel?: string;
  sha1?: Uint8Array | null;
  subject?: Uint8Array;
  cert?: boolean;
}

/** A certificate object and its trust object, as certdata.txt writes them. */
function objects(root: Cert, o: ObjOptions = {}): string {
  const f = certificateFields(root.der);
  const label = o.label ?? 'Test Root';
  const cert = [
    `# Certificate "${label}"`,
    'CKA_CLASS CK_OBJECT_CLASS CKO_CERTIFICATE',
    'CKA_TOKEN CK_BBOOL CK_TRUE',
    `CKA_LABEL UTF8 "${label}"`,
    'CKA_CERTIFICATE_TYPE CK_CERTIFICATE_TYPE CKC_X_509',
    `CKA_SUBJECT MULTILINE_OCTAL\n${octal(o.subject ?? f.subject)}`,
    `CKA_ISSUER MULTILINE_OCTAL\n${octal(f.issuer)}`,
    `CKA_SERIAL_NUMBER MULTILINE_OCTAL\n${octal(f.serial)}`,
    `CKA_VALUE MULTILINE_OCTAL\n${octal(root.der)}`,
    o.certDistrust ?? 'CKA_NSS_SERVER_DISTRUST_AFTER CK_BBOOL CK_FALSE',
    '',
  ];
  const sha1 = o.sha1 === undefined ? createHash('sha1').update(root.der).digest() : o.sha1;
  const trust = [
    `# Trust for "${label}"`,
    'CKA_CLASS CK_OBJECT_CLASS CKO_NSS_TRUST',
    `CKA_LABEL UTF8 "${o.trustLabel ?? label}"`,
    ...(sha1 ? [`CKA_CERT_SHA1_HASH MULTILINE_OCTAL\n${octal(sha1)}`] : []),
    `CKA_CERT_MD5_HASH MULTILINE_OCTAL\n${octal(createHash('md5').update(root.der).digest())}`,
    `CKA_ISSUER MULTILINE_OCTAL\n${octal(f.issuer)}`,
    `CKA_SERIAL_NUMBER MULTILINE_OCTAL\n${octal(f.serial)}`,
    ...(o.trustDistrust ? [o.trustDistrust] : []),
    `CKA_TRUST_SERVER_AUTH CK_TRUST ${o.server ?? 'CKT_NSS_TRUSTED_DELEGATOR'}`,
    `CKA_TRUST_EMAIL_PROTECTION CK_TRUST ${o.email ?? 'CKT_NSS_MUST_VERIFY_TRUST'}`,
    '',
  ];
  return [...(o.cert === false ? [] : cert), ...trust].join('\n');
}

const file = (...parts: string[]): string =>
  ['# header', '#  CKA_CLASS  CK_OBJECT_CLASS  (comment before BEGINDATA is ignored)', 'BEGINDATA', ...parts].join('\n');
const distrustLine = (utc: string): string => `CKA_NSS_SERVER_DISTRUST_AFTER MULTILINE_OCTAL\n${octal(ascii(utc))}`;
const roots = (text: string) => serverRoots(parseCertdata(text));

describe('MULTILINE_OCTAL', () => {
  test('three octal digits a byte, any number a line', () => {
    expect([...decodeOctalLines(['\\060\\202\\377', '\\000'])]).toEqual([0x30, 0x82, 0xff, 0x00]);
    expect([...decodeOctalLines([])]).toEqual([]);
  });

  test('anything else is refused, with its line', () => {
    expect(() => decodeOctalLines(['\\400'], 7)).toThrow(/line 7: .*not a byte/);
    expect(() => decodeOctalLines(['\\06'])).toThrow(/not an octal-escaped line/);
    expect(() => decodeOctalLines(['\\060 \\061'])).toThrow(/not an octal-escaped line/);
    expect(() => decodeOctalLines(['\\080'])).toThrow(/not an octal-escaped line/);
  });
});

describe('objects and attributes', () => {
  test('an object per CKA_CLASS; comments and blank lines skipped; values by type', () => {
    const objs = parseCertdata(
      file(
        'CKA_CLASS CK_OBJECT_CLASS CKO_NSS_BUILTIN_ROOT_LIST',
        'CKA_LABEL UTF8 "Mozilla Builtin Roots"',
        '',
        '# a comment',
        'CKA_CLASS CK_OBJECT_CLASS CKO_CERTIFICATE',
        'CKA_LABEL UTF8 "NetLock Arany (Class Gold) Főtanúsítvány"',
        'CKA_VALUE MULTILINE_OCTAL',
        '\\060\\003',
        '\\002\\001\\001',
        'END',
        'CKA_NSS_SERVER_DISTRUST_AFTER CK_BBOOL CK_FALSE\r',
      ),
    );
    expect(objs).toHaveLength(2);
    expect(objs[1]!.line).toBe(8);
    expect(objs[0]!.attrs.get('CKA_LABEL')).toEqual({ type: 'UTF8', value: 'Mozilla Builtin Roots' });
    expect(objs[1]!.attrs.get('CKA_LABEL')!.value).toBe('NetLock Arany (Class Gold) Főtanúsítvány');
    expect(objs[1]!.attrs.get('CKA_VALUE')).toEqual({ type: 'MULTILINE_OCTAL', value: new Uint8Array([0x30, 3, 2, 1, 1]) });
    expect(objs[1]!.attrs.get('CKA_NSS_SERVER_DISTRUST_AFTER')).toEqual({ type: 'CK_BBOOL', value: 'CK_FALSE' });
  });

  test('malformed files are refused with the line', () => {
    expect(() => parseCertdata('CKA_CLASS CK_OBJECT_CLASS CKO_CERTIFICATE\n')).toThrow(/no BEGINDATA/);
    expect(() => parseCertdata(file('CKA_LABEL UTF8 "x"'))).toThrow(/line 4: CKA_LABEL before the first CKA_CLASS/);
    expect(() => parseCertdata(file('CKA_CLASS CK_OBJECT_CLASS CKO_CERTIFICATE', 'CKA_VALUE MULTILINE_OCTAL', '\\060'))).toThrow(
      /without END/,
    );
    expect(() => parseCertdata(file('CKA_CLASS CK_OBJECT_CLASS X', 'CKA_LABEL UTF8 "a"', 'CKA_LABEL UTF8 "b"'))).toThrow(
      /line 6: CKA_LABEL given twice/,
    );
    expect(() => parseCertdata(file('CKA_CLASS CK_OBJECT_CLASS X', 'CKA_LABEL UTF8 unquoted'))).toThrow(/not quoted/);
    expect(() => parseCertdata(file('CKA_CLASS CK_OBJECT_CLASS X', 'CKA_TOKEN CK_BBOOL CK_TRUE extra'))).toThrow(/one value token/);
    expect(() => parseCertdata(file('CKA_CLASS CK_OBJECT_CLASS X', 'garbage'))).toThrow(/line 5: not an attribute/);
    expect(() => parseCertdata(file('CKA_CLASS CK_OBJECT_CLASS X', 'CKA_VALUE MULTILINE_OCTAL', 'zz', 'END'))).toThrow(
      /line 6: not an octal-escaped line/,
    );
  });
});

describe('UTCTime (RFC 5280 §4.1.2.5.1)', () => {
  test('YYMMDDHHMMSSZ, YY < 50 in the 2000s', () => {
    expect(parseUtcTime(ascii('241130235959Z')).toISOString()).toBe('2024-11-30T23:59:59.000Z');
    expect(parseUtcTime(ascii('491231235959Z')).toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(parseUtcTime(ascii('500101000000Z')).toISOString()).toBe('1950-01-01T00:00:00.000Z');
  });

  test('other forms and impossible dates are refused', () => {
    for (const bad of ['20241130235959Z', '241130235959', '2411302359Z', '241130235959+0100', '241330000000Z', '240230000000Z', '241130240000Z', '241130236000Z']) {
      expect(() => parseUtcTime(ascii(bad)), bad).toThrow(/UTCTime/);
    }
  });
});

describe('the DER walk', () => {
  test('serial, issuer, subject and SKI agree with the full parser', () => {
    const root = makeRoot('Walk Root');
    const leaf = makeCert({ subject: [['CN', 'leaf']], key: key('walk-leaf'), issuer: root, notBefore: day('2021-01-01T00:00:00Z'), notAfter: day('2022-01-01T00:00:00Z'), ski: false });
    const v1 = makeCert({ subject: [['CN', 'v1']], key: key('walk-v1'), notBefore: day('2021-01-01T00:00:00Z'), notAfter: day('2022-01-01T00:00:00Z'), version: 1 });
    for (const c of [root, leaf, v1]) {
      const f = certificateFields(c.der);
      const p = parseCertificate(c.der);
      expect(f.subject).toEqual(p.subject.der);
      expect(f.issuer).toEqual(p.issuer.der);
      expect(f.ski).toBe(p.subjectKeyId ?? '');
      expect(f.serial[0]).toBe(0x02);
    }
    expect(certificateFields(leaf.der).ski).toBe('');
    expect(certificateFields(root.der).ski).not.toBe('');
  });

  test('truncated, overlong and non-minimal encodings are refused', () => {
    expect(() => readTlv(new Uint8Array([0x30, 0x05, 0x00]), 0)).toThrow(/overruns/);
    expect(() => readTlv(new Uint8Array([0x30, 0x81, 0x05, 0, 0, 0, 0, 0]), 0)).toThrow(/non-minimal/);
    expect(() => readTlv(new Uint8Array([0x30, 0x80, 0x00, 0x00]), 0)).toThrow(/unsupported length/);
    expect(() => readTlv(new Uint8Array([0x30]), 0)).toThrow(/truncated/);
    const root = makeRoot('Trailing Root');
    expect(() => certificateFields(new Uint8Array([...root.der, 0]))).toThrow(/not one Certificate/);
    expect(() => certificateFields(root.der.subarray(0, root.der.length - 1))).toThrow(/overruns/);
  });
});

describe('server roots', () => {
  const a = makeRoot('Root A');
  const b = makeRoot('Root B');
  const c = makeRoot('Root C');

  test('only CKT_NSS_TRUSTED_DELEGATOR for server auth; e-mail-only roots are left out', () => {
    const got = roots(
      file(
        objects(a, { label: 'A' }),
        objects(b, { label: 'B', server: 'CKT_NSS_MUST_VERIFY_TRUST', email: 'CKT_NSS_TRUSTED_DELEGATOR' }),
        objects(c, { label: 'C', server: 'CKT_NSS_NOT_TRUSTED' }),
      ),
    );
    expect(got.map((r) => r.label)).toEqual(['A']);
    expect(got[0]!.der).toEqual(a.der);
    expect(got[0]!.subject).toEqual(parseCertificate(a.der).subject.der);
    expect(got[0]!.sha256).toBe(createHash('sha256').update(a.der).digest('hex'));
    expect(got[0]!.distrustAfter).toBeNull();
  });

  test('distrust-after from the certificate or the trust object; CK_FALSE is none', () => {
    const got = roots(
      file(
        objects(a, { label: 'A', certDistrust: distrustLine('241130235959Z') }),
        objects(b, { label: 'B', trustDistrust: distrustLine('260415235959Z') }),
        objects(c, { label: 'C', certDistrust: distrustLine('250415235959Z'), trustDistrust: distrustLine('250415235959Z') }),
      ),
    );
    expect(got.map((r) => [r.label, r.distrustAfter?.toISOString()])).toEqual([
      ['A', '2024-11-30T23:59:59.000Z'],
      ['B', '2026-04-15T23:59:59.000Z'],
      ['C', '2025-04-15T23:59:59.000Z'],
    ]);
  });

  test('inconsistencies are errors, not silently skipped roots', () => {
    const wrongHash = new Uint8Array(20);
    expect(() => roots(file(objects(a, { sha1: wrongHash })))).toThrow(/CKA_CERT_SHA1_HASH does not match/);
    expect(() => roots(file(objects(a, { sha1: null })))).not.toThrow(); // MD5 still given
    expect(() => roots(file(objects(a, { cert: false })))).toThrow(/no certificate has this issuer and serial/);
    expect(roots(file(objects(a, { cert: false, server: 'CKT_NSS_NOT_TRUSTED' })))).toEqual([]);
    expect(() => roots(file(objects(a, { trustLabel: 'Other' })))).toThrow(/label differs/);
    expect(() => roots(file(objects(a, { subject: parseCertificate(b.der).subject.der })))).toThrow(/CKA_SUBJECT differs/);
    expect(() =>
      roots(file(objects(a, { certDistrust: distrustLine('241130235959Z'), trustDistrust: distrustLine('251130235959Z') }))),
    ).toThrow(/two different distrust-after dates/);
    expect(() => roots(file(objects(a, { certDistrust: distrustLine('20241130235959Z') })))).toThrow(/not a UTCTime/);
    expect(() => roots(file(objects(a, { certDistrust: 'CKA_NSS_SERVER_DISTRUST_AFTER CK_BBOOL CK_TRUE' })))).toThrow(
      /CK_BBOOL CK_TRUE/,
    );
    expect(() => roots(file(objects(a), objects(a)))).toThrow(/second certificate with the same issuer and serial/);
  });
});
