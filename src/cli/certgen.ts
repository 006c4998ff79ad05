/**
 * A throwaway PKI for `puretls demo`: a P-256 root and a localhost leaf
 * (RFC 5280), made with @peculiar/x509 and WebCrypto, so the demo needs
 * neither openssl nor the network.
 *
 * @peculiar/x509 needs a Reflect metadata polyfill. The CLI is a program
 * that owns its process, so it loads one here; this module is imported
 * (dynamically) only by `puretls demo`, never by the library.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

/** The throwaway PKI `puretls demo` trusts and serves: a P-256 root and a localhost leaf. */
export interface DemoPki {
  /** PEM of the root: the only trust anchor the demo client uses. */
  readonly caPem: string;
  readonly caDer: Uint8Array;
  /** PEM of the localhost leaf, and its PKCS#8 key. */
  readonly certPem: string;
  readonly keyPem: string;
}

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** WebCrypto (globalThis.crypto in Node >= 19; node:crypto's webcrypto has other, older typings). */
const webcrypto = globalThis.crypto;

/** A positive serial number with no leading zero octet (RFC 5280 §4.1.2.2), as hex. */
function serial(): string {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0]! & 0x7f) | 0x40;
  return Buffer.from(b).toString('hex');
}

/** A fresh root and localhost leaf (DNS:localhost, IP:127.0.0.1, IP:::1), valid for a day. */
export async function generateDemoPki(): Promise<DemoPki> {
  const subtle = webcrypto.subtle;
  const now = Date.now();
  const notBefore = new Date(now - 60_000);
  const notAfter = new Date(now + 24 * 3600_000);
  const [ca, leaf] = await Promise.all([
    subtle.generateKey(EC_P256, true, ['sign', 'verify']),
    subtle.generateKey(EC_P256, true, ['sign', 'verify']),
  ]);
  const caName = 'O=puretls demo, CN=puretls demo root (generated in-process)';
  const root = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: caName,
      notBefore,
      notAfter,
      keys: ca,
      signingAlgorithm: ECDSA_SHA256,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(ca.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: 'CN=localhost',
      issuer: root.subjectName,
      notBefore,
      notAfter,
      publicKey: leaf.publicKey,
      signingKey: ca.privateKey,
      signingAlgorithm: ECDSA_SHA256,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: 'localhost' },
          { type: 'ip', value: '127.0.0.1' },
          { type: 'ip', value: '::1' },
        ]),
      ],
    },
    webcrypto,
  );
  const pkcs8 = await subtle.exportKey('pkcs8', leaf.privateKey);
  return {
    caPem: root.toString('pem') + '\n',
    caDer: new Uint8Array(root.rawData),
    certPem: cert.toString('pem') + '\n',
    keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') + '\n',
  };
}
