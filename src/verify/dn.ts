/**
 * Distinguished names: the comparison key used to chain issuer to subject
 * (RFC 5280 §7.1) and a readable rendering for error messages (RFC 4514).
 */
import { Tag } from '../crypto/der.js';
import { hex } from './bytes.js';
import { attributeValue, certReader, type AttributeValue } from './x509.js';

/** A distinguished name: its DER, comparison keys and readable text. */
export interface ParsedName {
  /** DER of the Name as it appears in the certificate. */
  readonly der: Uint8Array;
  /** Comparison key: equal keys mean the names match under RFC 5280 §7.1. */
  readonly key: string;
  /** Per-RDN keys, for directoryName constraints (RFC 5280 §4.2.1.10). */
  readonly rdnKeys: readonly string[];
  /** RFC 4514-style text, most specific RDN first. */
  readonly text: string;
  /** emailAddress attribute values (RFC 5280 §4.2.1.10: checked against rfc822Name constraints). */
  readonly emails: readonly string[];
}

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};
const EMAIL_OID = '1.2.840.113549.1.9.1';

/**
 * RFC 5280 §7.1 asks for RFC 4518 string preparation of DirectoryString
 * values; like Chromium we apply its practical core: fold ASCII case, trim,
 * and collapse runs of spaces. Other value types compare as bytes.
 */
function valueKey(v: AttributeValue): string {
  if (v.kind === 'directory') {
    const folded = v.text.replace(/[A-Z]/g, (c) => c.toLowerCase()).replace(/ +/g, ' ').trim();
    return 's:' + JSON.stringify(folded);
  }
  if (v.kind === 'ia5') return 'i:' + JSON.stringify(v.text);
  return 'x:' + hex(v.raw);
}

function valueText(v: AttributeValue): string {
  if (v.kind === 'other') return '#' + hex(v.raw);
  // RFC 4514 §2.4 escapes, enough to keep the text unambiguous in a log line.
  return v.text.replace(/[,+"\\<>;=]/g, (c) => '\\' + c).replace(/[\x00-\x1f\x7f]/g, '?');
}

interface Atv {
  readonly type: string;
  readonly value: AttributeValue;
}

/** Name ::= SEQUENCE OF RelativeDistinguishedName (SET SIZE (1..MAX) OF AttributeTypeAndValue), RFC 5280 §4.1.2.4. */
function readRdns(der: Uint8Array): Atv[][] {
  const top = certReader(der);
  const seq = top.sequence(Tag.SEQUENCE, 'Name');
  top.end('Name');
  const rdns: Atv[][] = [];
  while (seq.hasMore()) {
    const set = seq.sequence(Tag.SET, 'RelativeDistinguishedName');
    const rdn: Atv[] = [];
    while (set.hasMore()) {
      const atv = set.sequence(Tag.SEQUENCE, 'AttributeTypeAndValue');
      const type = atv.oid();
      const value = attributeValue(atv.read());
      atv.end('AttributeTypeAndValue');
      rdn.push({ type, value });
    }
    if (rdn.length === 0) set.fail('empty RelativeDistinguishedName');
    rdns.push(rdn);
  }
  return rdns;
}

/** Parses a DER Name; throws TlsError CERT_INVALID if it is malformed. */
export function parseName(der: Uint8Array): ParsedName {
  const rdnKeys: string[] = [];
  const parts: string[] = [];
  const emails: string[] = [];
  for (const rdn of readRdns(der)) {
    // An RDN is a SET: attribute order inside it carries no meaning.
    rdnKeys.push(
      rdn
        .map((atv) => `${atv.type}=${valueKey(atv.value)}`)
        .sort()
        .join('+'),
    );
    parts.push(rdn.map((atv) => `${SHORT_NAMES[atv.type] ?? atv.type}=${valueText(atv.value)}`).join('+'));
    for (const atv of rdn) {
      if (atv.type === EMAIL_OID && atv.value.kind !== 'other') emails.push(atv.value.text);
    }
  }
  return {
    der,
    key: rdnKeys.join('/'),
    rdnKeys,
    text: parts.length === 0 ? '(empty name)' : parts.reverse().join(', '),
    emails,
  };
}
