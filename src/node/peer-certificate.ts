/**
 * The server's certificate in the shape of Node's
 * `tlsSocket.getPeerCertificate()`, built with node:crypto's X509Certificate
 * (which formats names, dates and fingerprints the way Node's TLS does).
 */
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, PeerCertificate } from 'node:tls';

/** Node's `subject`/`issuer` object: one key per attribute, repeated ones as arrays. */
function nameObject(text: string): PeerCertificate['subject'] {
  const out: Record<string, string | string[]> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    const seen = out[key];
    out[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out as PeerCertificate['subject'];
}

/** Node's `infoAccess`: "OCSP - URI:http://..." lines grouped by method. */
function infoAccessObject(text: string | undefined): NodeJS.Dict<string[]> | undefined {
  if (!text) return undefined;
  const out: NodeJS.Dict<string[]> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    (out[line.slice(0, colon)] ??= []).push(line.slice(colon + 1));
  }
  return out;
}

const NIST_CURVES: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

const b64url = (s: string | undefined): Buffer => Buffer.from(s ?? '', 'base64url');

/** The key fields Node adds: bits, modulus/exponent (RSA), pubkey, curve names (EC). */
function keyFields(x: X509Certificate): Partial<PeerCertificate> {
  const key = x.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    const jwk = key.export({ format: 'jwk' });
    return {
      bits: details.modulusLength ?? 0,
      modulus: b64url(jwk.n).toString('hex').toUpperCase(),
      exponent: `0x${b64url(jwk.e).toString('hex').replace(/^0+(?=.)/, '')}`,
      pubkey: key.export({ type: 'spki', format: 'der' }),
    };
  }
  if (key.asymmetricKeyType === 'ec') {
    const jwk = key.export({ format: 'jwk' });
    const curve = details.namedCurve ?? '';
    const point = Buffer.concat([Buffer.from([4]), b64url(jwk.x), b64url(jwk.y)]);
    return {
      bits: { prime256v1: 256, secp384r1: 384, secp521r1: 521 }[curve] ?? 0,
      pubkey: point,
      asn1Curve: curve,
      ...(NIST_CURVES[curve] ? { nistCurve: NIST_CURVES[curve] } : {}),
    };
  }
  return { pubkey: key.export({ type: 'spki', format: 'der' }) };
}

function toObject(der: Uint8Array): PeerCertificate {
  const x = new X509Certificate(der);
  const cert: PeerCertificate = {
    ca: x.ca,
    subject: nameObject(x.subject),
    issuer: nameObject(x.issuer),
    valid_from: x.validFrom,
    valid_to: x.validTo,
    serialNumber: x.serialNumber,
    fingerprint: x.fingerprint,
    fingerprint256: x.fingerprint256,
    fingerprint512: x.fingerprint512,
    raw: x.raw,
    ...keyFields(x),
  };
  if (x.subjectAltName !== undefined) cert.subjectaltname = x.subjectAltName;
  const info = infoAccessObject(x.infoAccess);
  if (info) cert.infoAccess = info;
  if (x.keyUsage?.length) cert.ext_key_usage = x.keyUsage;
  return cert;
}

/**
 * The leaf of `chain` (DER, leaf first) as Node's getPeerCertificate()
 * returns it; `{}` for an empty chain (a resumed session). With
 * `detailed`, `issuerCertificate` links each certificate to its issuer
 * among those the server sent; a self-signed one links to itself.
 */
export function peerCertificate(chain: readonly Uint8Array[], detailed = false): PeerCertificate | DetailedPeerCertificate | Record<string, never> {
  if (chain.length === 0) return {};
  if (!detailed) return toObject(chain[0]!);
  const certs = chain.map((der) => ({ x: new X509Certificate(der), obj: toObject(der) as DetailedPeerCertificate }));
  for (const c of certs) {
    const issuer = certs.find((i) => c.x.checkIssued(i.x) && (i === c || c.x.verify(i.x.publicKey)));
    if (issuer) c.obj.issuerCertificate = issuer.obj;
  }
  return certs[0]!.obj;
}
