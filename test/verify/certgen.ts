/**
 * A small certificate factory for the verification corpus. @peculiar/x509
 * makes the extensions and the PEM, @peculiar/asn1-x509's schemas encode the
 * TBSCertificate and Certificate, node:crypto signs (synchronously, so the
 * corpus is built as its cases are declared). Every field can be overridden,
 * including ones a real CA would never get wrong, so that each rule of the
 * validator can be tested in isolation: that is why the signature algorithm
 * identifiers are exact bytes (some deliberately nonstandard) and why a
 * dNSName holding non-ASCII bytes is written by hand (docs/verify.md).
 */
import 'reflect-metadata'; // @peculiar/x509 needs it; test code may load it, src/ never does
import { createHash, generateKeyPairSync, sign as nodeSign, constants, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as x from '@peculiar/asn1-x509';
import { encodeTlv } from '../../src/crypto/der.js';

export type KeyType = 'p256' | 'p384' | 'p521' | 'ed25519' | 'rsa2048' | 'rsa1024' | 'secp256k1';

export interface Key {
  readonly type: KeyType;
  readonly priv: KeyObject;
  readonly spki: Uint8Array;
  /** Key identifier (RFC 7093 §2 method 1: SHA-256 of the key bits, truncated). */
  readonly id: Uint8Array;
}

const keyCache = new Map<string, Key>();

/** A named key, generated once per process and reused by every case that names it. */
export function key(name: string, type: KeyType = 'p256'): Key {
  const id = `${name}/${type}`;
  let k = keyCache.get(id);
  if (k) return k;
  let pair;
  switch (type) {
    case 'p256':
      pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      break;
    case 'p384':
      pair = generateKeyPairSync('ec', { namedCurve: 'P-384' });
      break;
    case 'p521':
      pair = generateKeyPairSync('ec', { namedCurve: 'P-521' });
      break;
    case 'secp256k1':
      pair = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
      break;
    case 'ed25519':
      pair = generateKeyPairSync('ed25519');
      break;
    case 'rsa2048':
      pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      break;
    case 'rsa1024':
      pair = generateKeyPairSync('rsa', { modulusLength: 1024 });
      break;
  }
  const spki = new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' }));
  const spkiInfo = AsnConvert.parse(spki, x.SubjectPublicKeyInfo);
  const keyId = createHash('sha256').update(new Uint8Array(spkiInfo.subjectPublicKey)).digest().subarray(0, 20);
  k = { type, priv: pair.privateKey, spki, id: new Uint8Array(keyId) };
  keyCache.set(id, k);
  return k;
}

export type SigAlg =
  | 'ecdsa-sha256'
  | 'ecdsa-sha384'
  | 'ecdsa-sha512'
  | 'ecdsa-sha1'
  | 'ed25519'
  | 'rsa-sha256'
  | 'rsa-sha384'
  | 'rsa-sha512'
  | 'rsa-sha256-noparams'
  | 'rsa-sha1'
  | 'rsa-md5'
  | 'pss-sha256'
  | 'pss-sha384'
  | 'pss-sha512'
  | 'pss-sha256-salt20';

function pssAlgId(hashOid: string, salt: number): string {
  // RSASSA-PSS-params with hash, MGF1(hash), salt; hash AlgorithmIdentifiers with NULL (CA/B BR §7.1.3.2).
  return `304106092a864886f70d01010a3034a00f300d0609${hashOid}0500a11c301a06092a864886f70d010108300d0609${hashOid}0500a2030201${salt.toString(16).padStart(2, '0')}`;
}

const ALG_IDS: Record<SigAlg, string> = {
  'ecdsa-sha256': '300a06082a8648ce3d040302',
  'ecdsa-sha384': '300a06082a8648ce3d040303',
  'ecdsa-sha512': '300a06082a8648ce3d040304',
  'ecdsa-sha1': '300906072a8648ce3d0401',
  ed25519: '300506032b6570',
  'rsa-sha256': '300d06092a864886f70d01010b0500',
  'rsa-sha384': '300d06092a864886f70d01010c0500',
  'rsa-sha512': '300d06092a864886f70d01010d0500',
  'rsa-sha256-noparams': '300b06092a864886f70d01010b',
  'rsa-sha1': '300d06092a864886f70d0101050500',
  'rsa-md5': '300d06092a864886f70d0101040500',
  'pss-sha256': pssAlgId('608648016503040201', 32),
  'pss-sha384': pssAlgId('608648016503040202', 48),
  'pss-sha512': pssAlgId('608648016503040203', 64),
  'pss-sha256-salt20': pssAlgId('608648016503040201', 20),
};

function hexBytes(h: string): Uint8Array {
  return new Uint8Array(h.match(/../g)!.map((b) => parseInt(b, 16)));
}

function signWith(alg: SigAlg, k: Key, tbs: Uint8Array): Uint8Array {
  const hash = /sha(1|256|384|512)/.exec(alg)?.[0] ?? (alg === 'rsa-md5' ? 'md5' : null);
  if (alg === 'ed25519') return new Uint8Array(nodeSign(null, tbs, k.priv));
  if (alg.startsWith('ecdsa')) return new Uint8Array(nodeSign(hash, tbs, { key: k.priv, dsaEncoding: 'der' }));
  if (alg.startsWith('pss')) {
    const salt = alg.endsWith('salt20') ? 20 : { sha256: 32, sha384: 48, sha512: 64 }[hash as 'sha256'];
    return new Uint8Array(
      nodeSign(hash, tbs, { key: k.priv, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: salt }),
    );
  }
  return new Uint8Array(nodeSign(hash, tbs, k.priv));
}

export function defaultSigAlg(k: Key): SigAlg {
  switch (k.type) {
    case 'p384':
      return 'ecdsa-sha384';
    case 'p521':
      return 'ecdsa-sha512';
    case 'ed25519':
      return 'ed25519';
    case 'rsa2048':
    case 'rsa1024':
      return 'rsa-sha256';
    default:
      return 'ecdsa-sha256';
  }
}

/** [attribute, value, encoding] triples, most general first (C, O, ..., CN). */
export type NameSpec = readonly (readonly [attr: string, value: string, enc?: 'utf8' | 'printable' | 'ia5'])[];

const ATTR_OIDS: Record<string, string> = {
  CN: '2.5.4.3',
  C: '2.5.4.6',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  DC: '0.9.2342.19200300.100.1.25',
  emailAddress: '1.2.840.113549.1.9.1',
};

function encodeName(spec: NameSpec): x.Name {
  return new x.Name(
    spec.map(([attr, value, enc]) => {
      const e = enc ?? (attr === 'C' ? 'printable' : attr === 'DC' || attr === 'emailAddress' ? 'ia5' : 'utf8');
      const v =
        e === 'printable'
          ? new x.AttributeValue({ printableString: value })
          : e === 'ia5'
            ? new x.AttributeValue({ ia5String: value })
            : new x.AttributeValue({ utf8String: value });
      return new x.RelativeDistinguishedName([new x.AttributeTypeAndValue({ type: ATTR_OIDS[attr]!, value: v })]);
    }),
  );
}

export const KU = {
  digitalSignature: x.KeyUsageFlags.digitalSignature,
  keyEncipherment: x.KeyUsageFlags.keyEncipherment,
  keyAgreement: x.KeyUsageFlags.keyAgreement,
  keyCertSign: x.KeyUsageFlags.keyCertSign,
  cRLSign: x.KeyUsageFlags.cRLSign,
} as const;

export const EKU = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  any: '2.5.29.37.0',
} as const;

/** GeneralName shorthand: "dns:x", "ip:1.2.3.4", "ip:10.0.0.0/8", "email:a@b", "uri:...", or a DN. */
export type NameItem = string | { dn: NameSpec };

function generalName(item: NameItem): x.GeneralName {
  if (typeof item !== 'string') return new x.GeneralName({ directoryName: encodeName(item.dn) });
  const i = item.indexOf(':');
  const kind = item.slice(0, i);
  const value = item.slice(i + 1);
  switch (kind) {
    case 'dns':
      return new x.GeneralName({ dNSName: value });
    case 'ip':
      return new x.GeneralName({ iPAddress: value });
    case 'email':
      return new x.GeneralName({ rfc822Name: value });
    case 'uri':
      return new x.GeneralName({ uniformResourceIdentifier: value });
    default:
      throw new Error(`bad name item ${item}`);
  }
}

export interface RawExtension {
  readonly oid: string;
  readonly critical?: boolean;
  readonly value: Uint8Array;
}

export interface CertSpec {
  readonly subject: NameSpec;
  readonly key: Key;
  /** The issuing certificate; omitted for a self-signed one. */
  readonly issuer?: Cert;
  /** Overrides the issuer name written into this certificate. */
  readonly issuerName?: NameSpec;
  readonly serial?: number;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly version?: 1 | 3;
  /** basicConstraints: undefined = absent. */
  readonly ca?: boolean;
  readonly pathLen?: number;
  readonly ku?: number;
  readonly eku?: readonly string[];
  readonly san?: readonly NameItem[];
  /** SAN entries as raw dNSName bytes (for non-ASCII). */
  readonly rawDnsSan?: readonly Uint8Array[];
  readonly permitted?: readonly NameItem[];
  readonly excluded?: readonly NameItem[];
  readonly ski?: boolean;
  readonly aki?: boolean | Uint8Array;
  readonly extra?: readonly RawExtension[];
  readonly sigAlg?: SigAlg;
  /** Signature made with this key instead of the issuer's. */
  readonly signWith?: Key;
  /** Algorithm written in the outer signatureAlgorithm only (mismatch test). */
  readonly outerAlg?: SigAlg;
}

export interface Cert {
  readonly der: Uint8Array;
  readonly spec: CertSpec;
  readonly name: NameSpec;
  readonly key: Key;
}

let serialCounter = 1000;

function ext(oid: string, critical: boolean, value: Uint8Array | ArrayBuffer): x.Extension {
  return new x.Extension({ extnID: oid, critical, extnValue: new OctetString(value) });
}

/** An @peculiar/x509 extension as the schema's Extension, to sit in a TBSCertificate. */
function fromX509(e: x509.Extension): x.Extension {
  return AsnConvert.parse(e.rawData, x.Extension);
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** SAN entries @peculiar/x509 can write; directory names and raw bytes go through the schema. */
function x509GeneralName(item: NameItem): x509.JsonGeneralName | null {
  if (typeof item !== 'string') return null;
  const i = item.indexOf(':');
  const type = { dns: 'dns', ip: 'ip', email: 'email', uri: 'url' }[item.slice(0, i)] as x509.GeneralNameType | undefined;
  return type ? { type, value: item.slice(i + 1) } : null;
}

export function makeCert(spec: CertSpec): Cert {
  const issuerKey = spec.issuer?.key ?? spec.key;
  const issuerName = spec.issuerName ?? spec.issuer?.name ?? spec.subject;
  const sigAlg = spec.sigAlg ?? defaultSigAlg(spec.signWith ?? issuerKey);
  const algId = AsnConvert.parse(hexBytes(ALG_IDS[sigAlg]), x.AlgorithmIdentifier);

  const exts: x.Extension[] = [];
  if (spec.version !== 1) {
    if (spec.ca !== undefined) exts.push(fromX509(new x509.BasicConstraintsExtension(spec.ca, spec.pathLen, true)));
    if (spec.ku !== undefined) exts.push(fromX509(new x509.KeyUsagesExtension(spec.ku, true)));
    if (spec.eku) exts.push(fromX509(new x509.ExtendedKeyUsageExtension([...spec.eku], false)));
    if (spec.san || spec.rawDnsSan) {
      // A SAN with an empty subject must be critical (RFC 5280 §4.2.1.6).
      const critical = spec.subject.length === 0;
      const names = (spec.san ?? []).map(x509GeneralName);
      if (!spec.rawDnsSan && names.every((n) => n !== null)) {
        exts.push(fromX509(new x509.SubjectAlternativeNameExtension(names as x509.JsonGeneralName[], critical)));
      } else {
        // Directory names via the schema; a dNSName of non-ASCII bytes (invalid IA5String) by hand.
        const encoded = (spec.san ?? []).map((n) => new Uint8Array(AsnConvert.serialize(generalName(n))));
        const raw = (spec.rawDnsSan ?? []).map((b) => encodeTlv(0x82, b));
        const body = new Uint8Array([...encoded, ...raw].flatMap((b) => [...b]));
        exts.push(ext(x.id_ce_subjectAltName, critical, encodeTlv(0x30, body)));
      }
    }
    if (spec.permitted || spec.excluded) {
      const subtrees = (items: readonly NameItem[] | undefined) =>
        items ? new x.GeneralSubtrees(items.map((i) => new x.GeneralSubtree({ base: generalName(i) }))) : undefined;
      const nc = new x.NameConstraints({
        permittedSubtrees: subtrees(spec.permitted),
        excludedSubtrees: subtrees(spec.excluded),
      });
      exts.push(ext(x.id_ce_nameConstraints, true, AsnConvert.serialize(nc)));
    }
    if (spec.ski ?? true) exts.push(fromX509(new x509.SubjectKeyIdentifierExtension(hex(spec.key.id))));
    const aki = spec.aki ?? spec.issuer !== undefined;
    if (aki) exts.push(fromX509(new x509.AuthorityKeyIdentifierExtension(hex(aki === true ? issuerKey.id : aki))));
    for (const e of spec.extra ?? []) exts.push(ext(e.oid, e.critical ?? false, e.value));
  }

  const serial = spec.serial ?? serialCounter++;
  const tbs = new x.TBSCertificate({
    version: spec.version === 1 ? x.Version.v1 : x.Version.v3,
    serialNumber: new Uint8Array([0x01, (serial >> 16) & 0xff, (serial >> 8) & 0xff, serial & 0xff]).buffer,
    signature: algId,
    issuer: encodeName(issuerName),
    validity: new x.Validity({ notBefore: spec.notBefore, notAfter: spec.notAfter }),
    subject: encodeName(spec.subject),
    subjectPublicKeyInfo: AsnConvert.parse(spec.key.spki, x.SubjectPublicKeyInfo),
    extensions: exts.length ? new x.Extensions(exts) : undefined,
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = signWith(sigAlg, spec.signWith ?? issuerKey, tbsDer);
  // The outer algorithm may differ from the inner one on purpose (a mismatch case).
  const outer = AsnConvert.parse(hexBytes(ALG_IDS[spec.outerAlg ?? sigAlg]), x.AlgorithmIdentifier);
  const cert = new x.Certificate({ tbsCertificate: tbs, signatureAlgorithm: outer, signatureValue: signature.slice().buffer });
  const der = new Uint8Array(AsnConvert.serialize(cert));
  return { der, spec, name: spec.subject, key: spec.key };
}

/** PEM text for one certificate. */
export function pem(der: Uint8Array): string {
  return x509.PemConverter.encode(new Uint8Array(der).buffer, 'CERTIFICATE') + '\n';
}
