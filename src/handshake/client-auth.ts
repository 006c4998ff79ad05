/**
 * Which CertificateVerify schemes a client key can sign with (RFC 8446 §4.4.3).
 */
import { parsePrivateKey } from '../crypto/der.js';
import { TlsError } from '../errors.js';
import { SIGNATURE_SCHEMES, type SignatureScheme, type SignatureSchemeName } from './constants.js';

const byName = (names: SignatureSchemeName[]): SignatureScheme[] =>
  names.map((n) => SIGNATURE_SCHEMES.find((s) => s.name === n)!);

/**
 * Parses a DER private key (PKCS#8, PKCS#1 or SEC1) and lists the schemes
 * it can sign with, best first. RSA keys sign with RSA-PSS only: TLS 1.3
 * forbids PKCS#1 v1.5 in CertificateVerify.
 */
export function clientKeySchemes(der: Uint8Array): { pkcs8: Uint8Array; schemes: SignatureScheme[] } {
  let key;
  try {
    key = parsePrivateKey(der);
  } catch (cause) {
    throw new TlsError('BAD_CONFIG', 'clientCertificate.key is not a supported private key', { cause });
  }
  switch (key.kind) {
    case 'ec':
      return {
        pkcs8: der,
        schemes: byName([
          key.curve === 'P-256' ? 'ecdsa_secp256r1_sha256' : key.curve === 'P-384' ? 'ecdsa_secp384r1_sha384' : 'ecdsa_secp521r1_sha512',
        ]),
      };
    case 'ed25519':
      return { pkcs8: der, schemes: byName(['ed25519']) };
    case 'rsa':
      return { pkcs8: der, schemes: byName(['rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512']) };
    case 'rsa-pss':
      return { pkcs8: der, schemes: byName(['rsa_pss_pss_sha256', 'rsa_pss_pss_sha384', 'rsa_pss_pss_sha512']) };
  }
}
