/**
 * Which CertificateVerify schemes a client key can sign with (RFC 8446 §4.4.3).
 */
import { parsePrivateKey } from '../crypto/keys.js';
import { TlsError } from '../errors.js';
import { SIGNATURE_SCHEMES, type SignatureScheme, type SignatureSchemeName } from './constants.js';

const byName = (names: SignatureSchemeName[]): SignatureScheme[] =>
  names.map((n) => SIGNATURE_SCHEMES.find((s) => s.name === n)!);

/**
 * Parses a DER private key (PKCS#8, PKCS#1 or SEC1) and lists the schemes
 * it can sign with, best first. RSA keys sign with RSA-PSS only: TLS 1.3
 * forbids PKCS#1 v1.5 in CertificateVerify.
 */
export function clientKeySchemes(der: Uint8Array): {
  pkcs8: Uint8Array;
  schemes: SignatureScheme[];
  schemes12: SignatureScheme[];
} {
  let key;
  try {
    key = parsePrivateKey(der);
  } catch (cause) {
    throw new TlsError('BAD_CONFIG', 'clientCertificate.key is not a supported private key', { cause });
  }
  const ecdsa: SignatureSchemeName[] = ['ecdsa_secp256r1_sha256', 'ecdsa_secp384r1_sha384', 'ecdsa_secp521r1_sha512'];
  switch (key.kind) {
    case 'ec': {
      const own = ecdsa[['P-256', 'P-384', 'P-521'].indexOf(key.curve)]!;
      // RFC 5246 §7.4.1.4.1: in TLS 1.2 an ECDSA scheme names the hash, not the curve.
      return { pkcs8: der, schemes: byName([own]), schemes12: byName([own, ...ecdsa.filter((n) => n !== own)]) };
    }
    case 'ed25519':
      return { pkcs8: der, schemes: byName(['ed25519']), schemes12: byName(['ed25519']) };
    case 'rsa': {
      const pss = byName(['rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512']);
      // TLS 1.2 servers may accept only PKCS#1 v1.5 (RFC 5246 §7.4.8).
      return { pkcs8: der, schemes: pss, schemes12: [...pss, ...byName(['rsa_pkcs1_sha256', 'rsa_pkcs1_sha384', 'rsa_pkcs1_sha512'])] };
    }
    case 'rsa-pss': {
      const pss = byName(['rsa_pss_pss_sha256', 'rsa_pss_pss_sha384', 'rsa_pss_pss_sha512']);
      return { pkcs8: der, schemes: pss, schemes12: pss };
    }
  }
}
