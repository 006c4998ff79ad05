// Just enough DER (X.690 §8.1, definite lengths only) to take an X.509
// certificate's serial number, issuer, subject and subject key identifier
// (RFC 5280 §4.1, §4.2.1.2) without a full parser.

/** One TLV at `p`: { tag, start, body (content offset), end }. Throws if it overruns `end`. */
export function readTlv(buf, p, end = buf.length) {
  if (p + 2 > end) throw new Error(`DER: truncated header at ${p}`);
  const tag = buf[p];
  if ((tag & 0x1f) === 0x1f) throw new Error(`DER: multi-byte tag at ${p}`);
  let len = buf[p + 1];
  let body = p + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error(`DER: unsupported length form at ${p}`);
    if (body + n > end) throw new Error(`DER: truncated length at ${p}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[body + i];
    if (len < 0x80 || buf[body] === 0) throw new Error(`DER: non-minimal length at ${p}`);
    body += n;
  }
  if (body + len > end) throw new Error(`DER: content overruns its container at ${p}`);
  return { tag, start: p, body, end: body + len };
}

/** The TLVs directly inside a constructed TLV. */
export function children(buf, tlv) {
  const out = [];
  for (let p = tlv.body; p < tlv.end; ) {
    const c = readTlv(buf, p, tlv.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

const SKI_OID = [0x55, 0x1d, 0x0e]; // 2.5.29.14

/**
 * { serial, issuer, subject } as complete DER TLVs (the form of NSS's
 * CKA_SERIAL_NUMBER, CKA_ISSUER, CKA_SUBJECT) and `ski`, the hex subject key
 * identifier or "" when the certificate has none.
 */
export function certificateFields(der) {
  const cert = readTlv(der, 0);
  if (cert.tag !== 0x30 || cert.end !== der.length) throw new Error('DER: not one Certificate SEQUENCE');
  const [tbs] = children(der, cert);
  if (!tbs || tbs.tag !== 0x30) throw new Error('DER: no TBSCertificate');
  const f = children(der, tbs);
  const at = f[0]?.tag === 0xa0 ? 1 : 0; // version is optional ([0] EXPLICIT)
  const [serial, , issuer, , subject] = f.slice(at, at + 5);
  if (serial?.tag !== 0x02 || issuer?.tag !== 0x30 || subject?.tag !== 0x30) {
    throw new Error('DER: TBSCertificate fields are not serial, signature, issuer, validity, subject');
  }
  let ski = '';
  const exts = f.slice(at + 6).find((x) => x.tag === 0xa3); // [3] EXPLICIT Extensions
  if (exts) {
    const [seq] = children(der, exts);
    for (const ext of seq ? children(der, seq) : []) {
      const [oid, ...rest] = children(der, ext);
      const value = rest[rest.length - 1];
      const isSki = oid?.tag === 0x06 && oid.end - oid.body === 3 && SKI_OID.every((b, i) => der[oid.body + i] === b);
      if (!isSki || value?.tag !== 0x04) continue;
      const keyId = readTlv(der, value.body, value.end); // extnValue wraps KeyIdentifier ::= OCTET STRING
      if (keyId.tag !== 0x04 || keyId.end !== value.end) throw new Error('DER: malformed subjectKeyIdentifier');
      ski = Buffer.from(der.subarray(keyId.body, keyId.end)).toString('hex');
    }
  }
  const slice = (t) => der.subarray(t.start, t.end);
  return { serial: slice(serial), issuer: slice(issuer), subject: slice(subject), ski };
}
