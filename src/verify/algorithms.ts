/**
 * Which signature algorithms and public keys a certificate may use.
 *
 * Signature AlgorithmIdentifiers are matched byte for byte against the
 * encodings the CA/Browser Forum Baseline Requirements allow (§7.1.3.2), as
 * rustls-webpki does: a table is easier to audit than a parameter parser,
 * and anything else (SHA-1, MD5, odd PSS parameters) is refused.
 */
import { TlsError } from '../errors.js';
import { DerReader, Tag } from '../crypto/der.js';
import { parsePssParams, parseSpki, type PublicKeyInfo } from '../crypto/keys.js';
import type { SignatureAlgorithm } from '../crypto/provider.js';
import { hex } from './bytes.js';

const PSS_SHA256 =
  '304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120';
const PSS_SHA384 =
  '304106092a864886f70d01010a3034a00f300d06096086480165030402020500a11c301a06092a864886f70d010108300d06096086480165030402020500a203020130';
const PSS_SHA512 =
  '304106092a864886f70d01010a3034a00f300d06096086480165030402030500a11c301a06092a864886f70d010108300d06096086480165030402030500a203020140';

const SIGNATURE_ALGORITHMS = new Map<string, SignatureAlgorithm>([
  // RFC 4055 §5: NULL parameters, but absent ones MUST be accepted too.
  ['300d06092a864886f70d01010b0500', { kind: 'rsa-pkcs1', hash: 'SHA-256' }],
  ['300b06092a864886f70d01010b', { kind: 'rsa-pkcs1', hash: 'SHA-256' }],
  ['300d06092a864886f70d01010c0500', { kind: 'rsa-pkcs1', hash: 'SHA-384' }],
  ['300b06092a864886f70d01010c', { kind: 'rsa-pkcs1', hash: 'SHA-384' }],
  ['300d06092a864886f70d01010d0500', { kind: 'rsa-pkcs1', hash: 'SHA-512' }],
  ['300b06092a864886f70d01010d', { kind: 'rsa-pkcs1', hash: 'SHA-512' }],
  [PSS_SHA256, { kind: 'rsa-pss', hash: 'SHA-256', saltLength: 32 }],
  [PSS_SHA384, { kind: 'rsa-pss', hash: 'SHA-384', saltLength: 48 }],
  [PSS_SHA512, { kind: 'rsa-pss', hash: 'SHA-512', saltLength: 64 }],
  // RFC 5758 §3.2: ECDSA parameters MUST be absent.
  ['300a06082a8648ce3d040302', { kind: 'ecdsa', hash: 'SHA-256' }],
  ['300a06082a8648ce3d040303', { kind: 'ecdsa', hash: 'SHA-384' }],
  ['300a06082a8648ce3d040304', { kind: 'ecdsa', hash: 'SHA-512' }],
  // RFC 8410 §3: Ed25519 parameters MUST be absent.
  ['300506032b6570', { kind: 'ed25519' }],
]);

/** Names of algorithms we recognise only to refuse them clearly. */
const REFUSED = new Map<string, string>([
  ['1.2.840.113549.1.1.2', 'md2WithRSAEncryption'],
  ['1.2.840.113549.1.1.4', 'md5WithRSAEncryption'],
  ['1.2.840.113549.1.1.5', 'sha1WithRSAEncryption (SHA-1)'],
  ['1.3.14.3.2.29', 'sha1WithRSASignature (SHA-1)'],
  ['1.2.840.10045.4.1', 'ecdsa-with-SHA1 (SHA-1)'],
  ['1.2.840.10040.4.3', 'dsa-with-sha1 (SHA-1)'],
  ['1.2.840.113549.1.1.14', 'sha224WithRSAEncryption'],
  ['1.2.840.10045.4.3.1', 'ecdsa-with-SHA224'],
]);

/** A readable name for an AlgorithmIdentifier we refuse. */
function describe(algId: Uint8Array): string {
  try {
    const r = new DerReader(algId, 'CERT_INVALID').sequence(Tag.SEQUENCE);
    const oid = r.oid();
    const known = REFUSED.get(oid);
    if (known) return known;
    if (oid === '1.2.840.113549.1.1.10' && r.hasMore()) {
      const p = parsePssParams(r.read().raw, 'CERT_INVALID');
      return `RSASSA-PSS with ${p.hash}, MGF1-${p.mgfHash}, salt ${p.saltLength}`;
    }
    return oid;
  } catch {
    return 'malformed AlgorithmIdentifier';
  }
}

/**
 * The signature algorithm of a certificate, or TlsError
 * CERT_UNSUPPORTED_ALGORITHM for anything outside the table above.
 */
export function certSignatureAlgorithm(algId: Uint8Array): SignatureAlgorithm {
  const alg = SIGNATURE_ALGORITHMS.get(hex(algId));
  if (alg) return alg;
  throw new TlsError('CERT_UNSUPPORTED_ALGORITHM', `signature algorithm ${describe(algId)} is not accepted`);
}

/** CA/Browser Forum BR §6.1.5: RSA moduli of at least 2048 bits. */
export const MIN_RSA_BITS = 2048;

/**
 * Parses and vets a SubjectPublicKeyInfo: RSA (rsaEncryption) of at least
 * 2048 bits, ECDSA on P-256/P-384/P-521, or Ed25519. id-RSASSA-PSS keys are
 * refused like the BRs (§7.1.3.1) and browsers do.
 */
export function checkPublicKey(spki: Uint8Array): PublicKeyInfo {
  let key: PublicKeyInfo;
  try {
    key = parseSpki(spki);
  } catch (e) {
    if (e instanceof TlsError && e.code === 'CERT_UNSUPPORTED_ALGORITHM') throw e;
    throw new TlsError('CERT_INVALID', 'malformed subjectPublicKeyInfo', { cause: e });
  }
  if (key.kind === 'rsa-pss') {
    throw new TlsError('CERT_UNSUPPORTED_ALGORITHM', 'id-RSASSA-PSS public keys are not accepted');
  }
  if (key.kind === 'rsa' && key.modulusBits < MIN_RSA_BITS) {
    throw new TlsError(
      'CERT_UNSUPPORTED_ALGORITHM',
      `RSA key of ${key.modulusBits} bits is too small (minimum ${MIN_RSA_BITS})`,
    );
  }
  return key;
}

/** Whether a signature algorithm can be made by a key of this type. */
export function algorithmFitsKey(alg: SignatureAlgorithm, key: PublicKeyInfo): boolean {
  switch (alg.kind) {
    case 'rsa-pkcs1':
    case 'rsa-pss':
      return key.kind === 'rsa';
    case 'ecdsa':
      return key.kind === 'ec';
    case 'ed25519':
      return key.kind === 'ed25519';
  }
}
