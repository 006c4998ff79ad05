// Reader for NSS's certdata.txt (lib/ckfw/builtins/certdata.txt): the
// object/attribute text format, MULTILINE_OCTAL values, and the selection of
// TLS server roots with their distrust-after dates. Format: the comment block
// at the top of certdata.txt; attribute meanings: NSS lib/util/pkcs11n.h.
import { createHash } from 'node:crypto';
import { certificateFields } from './x509.mjs';

const fail = (line, why) => {
  throw new Error(`certdata.txt line ${line}: ${why}`);
};

/** Bytes of a MULTILINE_OCTAL block's lines ("\060\202..."), each byte three octal digits. */
export function decodeOctalLines(lines, firstLine = 1) {
  const out = [];
  lines.forEach((text, i) => {
    if (!/^(\\[0-7]{3})+$/.test(text)) fail(firstLine + i, `not an octal-escaped line: ${JSON.stringify(text)}`);
    for (let p = 0; p < text.length; p += 4) {
      const v = parseInt(text.slice(p + 1, p + 4), 8);
      if (v > 255) fail(firstLine + i, `octal escape \\${text.slice(p + 1, p + 4)} is not a byte`);
      out.push(v);
    }
  });
  return new Uint8Array(out);
}

/**
 * The objects after BEGINDATA, in order: { line, attrs }, attrs mapping each
 * attribute name to { type, value } (value: bytes for MULTILINE_OCTAL, the
 * unquoted text for UTF8, the token otherwise, e.g. "CK_TRUE"). An object
 * starts at each CKA_CLASS line; '#' lines and blank lines are skipped.
 */
export function parseCertdata(text) {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const begin = lines.indexOf('BEGINDATA');
  if (begin < 0) throw new Error('certdata.txt: no BEGINDATA line');
  const objects = [];
  let current = null;
  for (let i = begin + 1; i < lines.length; i++) {
    const line = lines[i].trimEnd();
    const n = i + 1;
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(CKA_\w+) (\w+)(?: (.*))?$/.exec(line);
    if (!m) fail(n, `not an attribute: ${JSON.stringify(line)}`);
    const [, name, type, rest] = m;
    let value;
    if (type === 'MULTILINE_OCTAL') {
      if (rest !== undefined) fail(n, 'text after MULTILINE_OCTAL');
      const end = lines.indexOf('END', i + 1);
      if (end < 0) fail(n, `${name}: MULTILINE_OCTAL without END`);
      value = decodeOctalLines(lines.slice(i + 1, end), n + 1);
      i = end;
    } else if (type === 'UTF8') {
      const q = /^"(.*)"$/.exec(rest ?? '');
      if (!q) fail(n, `${name}: UTF8 value is not quoted`);
      value = q[1];
    } else {
      if (rest === undefined || /\s/.test(rest)) fail(n, `${name}: expected one value token`);
      value = rest;
    }
    if (name === 'CKA_CLASS') {
      current = { line: n, attrs: new Map() };
      objects.push(current);
    } else if (!current) {
      fail(n, `${name} before the first CKA_CLASS`);
    }
    if (current.attrs.has(name)) fail(n, `${name} given twice in one object`);
    current.attrs.set(name, { type, value });
  }
  return objects;
}

/**
 * A UTCTime's content ("YYMMDDHHMMSSZ", RFC 5280 §4.1.2.5.1: YY < 50 is
 * 20YY) as a Date. NSS reads CKA_NSS_*_DISTRUST_AFTER only in this 13-byte
 * form (Firefox's GetCertDistrustAfterValue), so nothing else is accepted.
 */
export function parseUtcTime(bytes) {
  const s = String.fromCharCode(...bytes);
  const m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
  if (!m) throw new Error(`not a UTCTime: ${JSON.stringify(s)}`);
  const [yy, mo, d, h, mi, sec] = m.slice(1).map(Number);
  const year = yy < 50 ? 2000 + yy : 1900 + yy;
  const t = new Date(Date.UTC(year, mo - 1, d, h, mi, sec));
  // Date.UTC rolls over (month 13, Feb 30); a real date survives the round trip.
  if (t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d || h > 23 || mi > 59 || sec > 59) {
    throw new Error(`not a valid UTCTime: ${JSON.stringify(s)}`);
  }
  return t;
}

const hex = (b) => Buffer.from(b).toString('hex');
const sameBytes = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

function attr(obj, name, type) {
  const a = obj.attrs.get(name);
  if (!a) return undefined;
  if (a.type !== type) fail(obj.line, `${name} is ${a.type}, expected ${type}`);
  return a.value;
}

function required(obj, name, type) {
  const v = attr(obj, name, type);
  if (v === undefined) fail(obj.line, `object has no ${name}`);
  return v;
}

/** CKA_NSS_SERVER_DISTRUST_AFTER of one object: a Date, null for CK_FALSE, undefined when absent. */
function distrustAfter(obj) {
  const a = obj.attrs.get('CKA_NSS_SERVER_DISTRUST_AFTER');
  if (!a) return undefined;
  if (a.type === 'CK_BBOOL' && a.value === 'CK_FALSE') return null;
  if (a.type !== 'MULTILINE_OCTAL') fail(obj.line, `CKA_NSS_SERVER_DISTRUST_AFTER ${a.type} ${a.value}`);
  try {
    return parseUtcTime(a.value);
  } catch (e) {
    fail(obj.line, `CKA_NSS_SERVER_DISTRUST_AFTER: ${e.message}`);
  }
}

const HASHES = [
  ['CKA_CERT_SHA1_HASH', 'sha1'],
  ['CKA_CERT_MD5_HASH', 'md5'],
];

/**
 * The roots NSS trusts for TLS servers: each CKO_NSS_TRUST object whose
 * CKA_TRUST_SERVER_AUTH is CKT_NSS_TRUSTED_DELEGATOR, paired with its
 * CKO_CERTIFICATE by CKA_ISSUER + CKA_SERIAL_NUMBER. Returns, in file order,
 * { label, der, subject, ski, distrustAfter (Date or null), sha256 }.
 * Throws on anything inconsistent: a trusted root without its certificate,
 * a hash that does not match, issuer/serial/subject attributes that disagree
 * with the certificate, two conflicting distrust-after dates.
 */
export function serverRoots(objects) {
  const classOf = (o) => required(o, 'CKA_CLASS', 'CK_OBJECT_CLASS');
  const keyOf = (o) => `${hex(required(o, 'CKA_ISSUER', 'MULTILINE_OCTAL'))}/${hex(required(o, 'CKA_SERIAL_NUMBER', 'MULTILINE_OCTAL'))}`;
  const certs = new Map();
  for (const o of objects) {
    if (classOf(o) !== 'CKO_CERTIFICATE') continue;
    const k = keyOf(o);
    if (certs.has(k)) fail(o.line, 'a second certificate with the same issuer and serial');
    certs.set(k, o);
  }
  const seen = new Set();
  const roots = [];
  for (const t of objects) {
    if (classOf(t) !== 'CKO_NSS_TRUST') continue;
    const k = keyOf(t);
    if (seen.has(k)) fail(t.line, 'a second trust object for the same issuer and serial');
    seen.add(k);
    if (attr(t, 'CKA_TRUST_SERVER_AUTH', 'CK_TRUST') !== 'CKT_NSS_TRUSTED_DELEGATOR') continue;
    const c = certs.get(k);
    if (!c) fail(t.line, 'trusted for servers, but no certificate has this issuer and serial');
    if (required(c, 'CKA_CERTIFICATE_TYPE', 'CK_CERTIFICATE_TYPE') !== 'CKC_X_509') fail(c.line, 'not an X.509 certificate');
    const der = required(c, 'CKA_VALUE', 'MULTILINE_OCTAL');
    const label = required(c, 'CKA_LABEL', 'UTF8');
    if (attr(t, 'CKA_LABEL', 'UTF8') !== label) fail(t.line, `label differs from the certificate's (${JSON.stringify(label)})`);
    let hashes = 0;
    for (const [name, alg] of HASHES) {
      const want = attr(t, name, 'MULTILINE_OCTAL');
      if (want === undefined) continue;
      hashes++;
      if (!sameBytes(createHash(alg).update(der).digest(), want)) fail(t.line, `${name} does not match the certificate`);
    }
    if (hashes === 0) fail(t.line, 'trust object carries no certificate hash');
    let fields;
    try {
      fields = certificateFields(der);
    } catch (e) {
      fail(c.line, `${label}: ${e.message}`);
    }
    for (const [name, got] of [
      ['CKA_ISSUER', fields.issuer],
      ['CKA_SERIAL_NUMBER', fields.serial],
      ['CKA_SUBJECT', fields.subject],
    ]) {
      if (!sameBytes(got, required(c, name, 'MULTILINE_OCTAL'))) fail(c.line, `${label}: ${name} differs from the certificate's`);
    }
    // Mozilla puts the date on the certificate object; this reader also takes
    // it from the trust object (one root in the pinned copy has it there).
    const [onCert, onTrust] = [distrustAfter(c), distrustAfter(t)];
    if (onCert && onTrust && onCert.getTime() !== onTrust.getTime()) fail(t.line, `${label}: two different distrust-after dates`);
    roots.push({
      label,
      der,
      subject: fields.subject,
      ski: fields.ski,
      distrustAfter: onCert ?? onTrust ?? null,
      sha256: createHash('sha256').update(der).digest('hex'),
    });
  }
  return roots;
}
