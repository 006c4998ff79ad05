/**
 * Checks both handshakes make of what the server chose: which extensions
 * are known, ALPN (RFC 7301 §3.2) and whether a signature scheme fits the
 * certificate's key (RFC 8446 §4.2.3, RFC 5246 §7.4.1.4.1).
 */
import { utf8Decode } from '../codec.js';
import { parseSpki } from '../crypto/keys.js';
import { TlsError } from '../errors.js';
import { ExtensionType as ET, type SignatureScheme } from './constants.js';
import { decodeServerAlpn } from './extensions.js';

/** Extensions defined by RFC 8446 and the RFCs it names: a known one in the wrong message is illegal_parameter. */
export const KNOWN_EXTENSIONS = new Set<number>(Object.values(ET));

/** RFC 7301 §3.2: the server's one protocol, which must be one we offered. */
export function checkAlpn(offered: readonly string[], data: Uint8Array): string {
  const name = utf8Decode(decodeServerAlpn(data));
  if (name === undefined || !offered.includes(name)) {
    const shown = name === undefined ? '(not UTF-8)' : JSON.stringify(name);
    throw new TlsError('ILLEGAL_PARAMETER', `server chose ALPN protocol ${shown} we did not offer`);
  }
  return name;
}

/**
 * RFC 8446 §4.2.3: in TLS 1.3 an ECDSA scheme names its curve, and
 * rsa_pss_rsae_* / rsa_pss_pss_* name the key's algorithm identifier. In
 * TLS 1.2 (`anyCurve`) an ECDSA scheme names only its hash (RFC 5246 §7.4.1.4.1).
 */
export function checkSchemeMatchesKey(scheme: SignatureScheme, spki: Uint8Array, anyCurve = false): void {
  const key = parseSpki(spki);
  const ok =
    (scheme.alg.kind === 'ecdsa' && key.kind === 'ec' && (anyCurve || key.curve === scheme.curve)) ||
    (scheme.alg.kind === 'ed25519' && key.kind === 'ed25519') ||
    (scheme.alg.kind === 'rsa-pss' && key.kind === (scheme.rsaKey === 'pss' ? 'rsa-pss' : 'rsa')) ||
    (scheme.alg.kind === 'rsa-pkcs1' && key.kind === 'rsa');
  if (!ok) {
    throw new TlsError('ILLEGAL_PARAMETER', `signature scheme ${scheme.name} does not match the certificate key`);
  }
}
