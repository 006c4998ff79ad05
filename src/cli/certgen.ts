/**
 * A throwaway PKI for `puretls demo`: a P-256 root and a localhost leaf,
 * encoded here (RFC 5280) and signed with node:crypto, so the demo needs
 * neither openssl nor the network.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { derToPem, encodeTlv, Tag } from '../crypto/der.js';

const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const seq = (...items: Uint8Array[]): Uint8Array => encodeTlv(Tag.SEQUENCE, cat(...items));

function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const bytes = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const b7: number[] = [];
    let v = arc;
    do {
      b7.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < b7.length - 1; i++) b7[i]! |= 0x80;
    bytes.push(...b7);
  }
  return encodeTlv(Tag.OID, new Uint8Array(bytes));
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
/** Name ::= SEQUENCE OF RDN, here one CN (and optionally one O). */
function name(cn: string, org?: string): Uint8Array {
  const rdn = (type: string, value: string) =>
    encodeTlv(Tag.SET, seq(oid(type), encodeTlv(Tag.UTF8_STRING, utf8(value))));
  return seq(...(org ? [rdn('2.5.4.10', org)] : []), rdn('2.5.4.3', cn));
}

/** UTCTime for years before 2050, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function time(d: Date): Uint8Array {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return d.getUTCFullYear() < 2050 ? encodeTlv(0x17, utf8(iso.slice(2))) : encodeTlv(0x18, utf8(iso));
}

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const TRUE = encodeTlv(Tag.BOOLEAN, new Uint8Array([0xff]));

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return seq(oid(id), ...(critical ? [TRUE] : []), encodeTlv(Tag.OCTET_STRING, value));
}

function bitString(bytes: Uint8Array, unused = 0): Uint8Array {
  return encodeTlv(Tag.BIT_STRING, cat(new Uint8Array([unused]), bytes));
}

interface CertSpec {
  subject: Uint8Array;
  issuer: Uint8Array;
  spki: Uint8Array;
  signer: KeyObject;
  notBefore: Date;
  notAfter: Date;
  extensions: Uint8Array[];
}

function certificate(spec: CertSpec): Uint8Array {
  const serial = randomBytes(16);
  serial[0]! &= 0x7f; // positive (RFC 5280 §4.1.2.2)
  serial[0]! |= 0x40; // and no leading zero octet
  const tbs = seq(
    encodeTlv(0xa0, encodeTlv(Tag.INTEGER, new Uint8Array([2]))), // v3
    encodeTlv(Tag.INTEGER, serial),
    ECDSA_SHA256,
    spec.issuer,
    seq(time(spec.notBefore), time(spec.notAfter)),
    spec.subject,
    spec.spki,
    encodeTlv(0xa3, seq(...spec.extensions)),
  );
  // node:crypto signs ECDSA as a DER Ecdsa-Sig-Value, as X.509 wants.
  const signature = sign('sha256', tbs, spec.signer);
  return seq(tbs, ECDSA_SHA256, bitString(new Uint8Array(signature)));
}

/** The throwaway PKI `puretls demo` trusts and serves: a P-256 root and a localhost leaf. */
export interface DemoPki {
  /** PEM of the root: the only trust anchor the demo client uses. */
  readonly caPem: string;
  readonly caDer: Uint8Array;
  /** PEM of the localhost leaf, and its PKCS#8 key. */
  readonly certPem: string;
  readonly keyPem: string;
}

/** A fresh root and localhost leaf (DNS:localhost, IP:127.0.0.1, IP:::1), valid for a day. */
export function generateDemoPki(): DemoPki {
  const now = Date.now();
  const notBefore = new Date(now - 60_000);
  const notAfter = new Date(now + 24 * 3600_000);
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spkiOf = (k: KeyObject) => new Uint8Array(k.export({ type: 'spki', format: 'der' }));
  const caName = name('puretls demo root (generated in-process)', 'puretls demo');
  const caDer = certificate({
    subject: caName,
    issuer: caName,
    spki: spkiOf(ca.publicKey),
    signer: ca.privateKey,
    notBefore,
    notAfter,
    extensions: [
      extension('2.5.29.19', true, seq(TRUE)), // basicConstraints: CA
      extension('2.5.29.15', true, bitString(new Uint8Array([0x06]), 1)), // keyCertSign, cRLSign
    ],
  });
  const sans = seq(
    encodeTlv(0x82, utf8('localhost')),
    encodeTlv(0x87, new Uint8Array([127, 0, 0, 1])),
    encodeTlv(0x87, new Uint8Array([...new Uint8Array(15), 1])),
  );
  const leafDer = certificate({
    subject: name('localhost'),
    issuer: caName,
    spki: spkiOf(leaf.publicKey),
    signer: ca.privateKey,
    notBefore,
    notAfter,
    extensions: [
      extension('2.5.29.19', true, seq()), // basicConstraints: not a CA
      extension('2.5.29.15', true, bitString(new Uint8Array([0x80]), 7)), // digitalSignature
      extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))), // serverAuth
      extension('2.5.29.17', false, sans),
    ],
  });
  const keyPem = leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    caPem: derToPem(caDer, 'CERTIFICATE'),
    caDer,
    certPem: derToPem(leafDer, 'CERTIFICATE'),
    keyPem,
  };
}
