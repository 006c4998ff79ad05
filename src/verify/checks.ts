/**
 * Per-certificate rules of RFC 5280 §6.1.3-§6.1.4 as the CA/Browser Forum
 * profile applies them to TLS server certificates. Each function returns
 * the first problem as a TlsError (not thrown) so the path builder can try
 * another path.
 */
import { TlsError, type ErrorCode } from '../errors.js';
import {
  KU_DIGITAL_SIGNATURE,
  KU_KEY_CERT_SIGN,
  OID_ANY_EKU,
  OID_SERVER_AUTH,
  type ParsedCert,
} from './cert.js';
import { checkPublicKey } from './algorithms.js';

/** A certificate's place in the path, which decides the rules it must meet. */
export type Role = 'leaf' | 'intermediate' | 'trust anchor';

/** A TlsError naming the offending certificate in `detail` (shown by toDebugString()). */
export function certError(code: ErrorCode, message: string, cert: ParsedCert, role: Role, cause?: unknown): TlsError {
  return new TlsError(code, message, { detail: `${role} certificate: ${cert.subject.text}`, cause });
}

/** Re-labels an error thrown while looking at `cert` with that certificate. */
export function blame(e: unknown, cert: ParsedCert, role: Role, fallback: ErrorCode): TlsError {
  if (e instanceof TlsError) return certError(e.code, e.message, cert, role, e.cause);
  return certError(fallback, 'certificate could not be processed', cert, role, e);
}

/** RFC 5280 §6.1.3 (a)(2): at must fall within notBefore..notAfter, inclusive (§4.1.2.5). */
export function checkValidity(cert: ParsedCert, role: Role, at: Date): TlsError | null {
  const t = at.getTime();
  if (t < cert.notBefore.getTime()) {
    return certError(
      'CERT_NOT_YET_VALID',
      `certificate is not valid before ${cert.notBefore.toISOString()} (checked at ${at.toISOString()})`,
      cert,
      role,
    );
  }
  if (t > cert.notAfter.getTime()) {
    return certError(
      'CERT_EXPIRED',
      `certificate expired at ${cert.notAfter.toISOString()} (checked at ${at.toISOString()})`,
      cert,
      role,
    );
  }
  return null;
}

/** RFC 5280 §6.1.4 (o): every critical extension must be understood. */
function checkCritical(cert: ParsedCert, role: Role): TlsError | null {
  if (cert.unknownCritical.length === 0) return null;
  return certError(
    'CERT_INVALID',
    `unsupported critical extension ${cert.unknownCritical.join(', ')}`,
    cert,
    role,
  );
}

/** RFC 5280 §4.2.1.12: serverAuth or anyExtendedKeyUsage, when the extension is present. */
function checkEku(cert: ParsedCert, role: Role): TlsError | null {
  const eku = cert.extKeyUsage;
  if (!eku || eku.includes(OID_SERVER_AUTH) || eku.includes(OID_ANY_EKU)) return null;
  return certError(
    'CERT_BAD_USAGE',
    `extendedKeyUsage (${eku.join(', ')}) does not allow TLS server authentication`,
    cert,
    role,
  );
}

/**
 * The end-entity rules. `directlyTrusted` is set when the leaf itself is in
 * the trust store: its CA bit is then the user's business, not a misissuance.
 */
export function checkLeaf(cert: ParsedCert, at: Date, directlyTrusted: boolean): TlsError | null {
  const role = 'leaf';
  const early = checkValidity(cert, role, at) ?? checkCritical(cert, role) ?? checkEku(cert, role);
  if (early) return early;
  // TLS 1.3 authenticates with a signature (RFC 8446 §4.4.3), so keyUsage, when present, must allow one.
  if (cert.keyUsage !== undefined && (cert.keyUsage & KU_DIGITAL_SIGNATURE) === 0) {
    return certError('CERT_BAD_USAGE', 'keyUsage does not include digitalSignature', cert, role);
  }
  // CA/B Forum BR §7.1.2.7.8: a subscriber certificate is not a CA.
  if (!directlyTrusted && cert.basicConstraints?.ca) {
    return certError('CERT_BAD_USAGE', 'a CA certificate (basicConstraints cA) cannot be a server certificate', cert, role);
  }
  try {
    checkPublicKey(cert.spki);
  } catch (e) {
    return blame(e, cert, role, 'CERT_UNSUPPORTED_ALGORITHM');
  }
  return null;
}

/**
 * The rules for a certificate that issues the next one down (§6.1.4):
 * `below` is the path so far, leaf first. Trust anchors skip the validity
 * period (see docs/verify.md) but keep every constraint they carry.
 */
export function checkIssuer(cert: ParsedCert, role: Role, below: readonly ParsedCert[], at: Date): TlsError | null {
  if (role !== 'trust anchor') {
    const v = checkValidity(cert, role, at);
    if (v) return v;
  }
  const crit = checkCritical(cert, role);
  if (crit) return crit;
  // §6.1.4 (k): an issuer must be a CA. A v1 anchor without extensions is accepted as one.
  const bc = cert.basicConstraints;
  const v1Anchor = role === 'trust anchor' && cert.version < 3;
  if (!v1Anchor && !bc?.ca) {
    return certError(
      'CERT_BAD_USAGE',
      bc ? 'issuer is not a CA (basicConstraints cA is false)' : 'issuer is not a CA (no basicConstraints)',
      cert,
      role,
    );
  }
  // §6.1.4 (l)-(m): pathLenConstraint counts the non-self-issued intermediates below.
  if (bc?.pathLen !== undefined) {
    const intermediates = below.slice(1).filter((c) => !c.selfIssued).length;
    if (intermediates > bc.pathLen) {
      return certError(
        'CERT_BAD_USAGE',
        `pathLenConstraint ${bc.pathLen} exceeded: ${intermediates} intermediate certificate(s) below`,
        cert,
        role,
      );
    }
  }
  // §6.1.4 (n): keyUsage, when present, must include keyCertSign.
  if (cert.keyUsage !== undefined && (cert.keyUsage & KU_KEY_CERT_SIGN) === 0) {
    return certError('CERT_BAD_USAGE', 'keyUsage does not include keyCertSign', cert, role);
  }
  return checkEku(cert, role);
}
