/**
 * Certificate and key inputs, taken the way Node's `tls` takes them: PEM
 * text, a Buffer/Uint8Array holding PEM or DER, or an array of those. PEM
 * (RFC 7468) is told apart from DER by its armour; bundles may hold several
 * blocks with comments and CRLF between them. Wrong inputs fail with
 * BAD_CONFIG saying what was expected and what was found.
 */
import { constantTimeEqual } from './codec.js';
import { DerReader, Tag } from './crypto/der.js';
import { parsePrivateKey } from './crypto/keys.js';
import { pemBlocks, type PemBlock } from './crypto/pem.js';
import { TlsError } from './errors.js';

/** One certificate or key: PEM text (any number of blocks), or bytes holding PEM or DER. */
export type CertificateInput = string | Uint8Array;

/** One {@link CertificateInput} or a list of them (Node's `ca` / `cert` shape). */
export type CertificateInputs = CertificateInput | readonly CertificateInput[];

/** A private key: PKCS#8, SEC1 or PKCS#1, PEM or DER; a list must hold exactly one key. */
export type PrivateKeyInput = CertificateInputs;

/** How DER certificates are checked: 'strict' for configuration, 'as-is' leaves them to the verifier. */
export type DerCheck = 'strict' | 'as-is';

const EXPECTED = 'PEM text, a Buffer/Uint8Array holding PEM or DER, or an array of those';

function bad(message: string, cause?: unknown): TlsError {
  return new TlsError('BAD_CONFIG', message, cause === undefined ? {} : { cause });
}

/** What a non-input value is, for messages ("a number (5)", "null", "an ArrayBuffer"). */
function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof ArrayBuffer) return 'an ArrayBuffer (wrap it: new Uint8Array(buffer))';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} (only Uint8Array/Buffer bytes are read)`;
  if (typeof v === 'object') {
    const name = (v as { constructor?: { name?: string } }).constructor?.name;
    if (name === 'KeyObject') return 'a KeyObject (export it: key.export({ type: "pkcs8", format: "der" }))';
    return name && name !== 'Object' ? `a ${name}` : 'an object';
  }
  if (typeof v === 'number' || typeof v === 'boolean') return `a ${typeof v} (${String(v)})`;
  return `a ${typeof v}`;
}

/** Whether `input` has one of the {@link CertificateInputs} shapes (contents unchecked). */
export function isCertificateInputs(input: unknown): input is CertificateInputs {
  const one = (v: unknown) => typeof v === 'string' || v instanceof Uint8Array;
  return one(input) || (Array.isArray(input) && input.every(one));
}

/** Bytes that are exactly one DER SEQUENCE (X.690 §10) are DER; anything else is not. */
function isDerSequence(bytes: Uint8Array): boolean {
  if (bytes[0] !== Tag.SEQUENCE) return false;
  try {
    const r = new DerReader(bytes);
    r.read();
    return !r.hasMore();
  } catch {
    return false;
  }
}

/** Bytes as Latin-1 text: PEM armour and base64 are ASCII, and this needs no TextDecoder (QuickJS has none). */
function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

const hexStart = (b: Uint8Array): string =>
  Array.from(b.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join('');

/** One item as PEM blocks or DER bytes; `field` names it in errors. */
type Decoded = { kind: 'der'; der: Uint8Array } | { kind: 'pem'; blocks: PemBlock[] };

function decodeItem(item: unknown, field: string, wants: string, check: DerCheck = 'strict'): Decoded {
  let text: string;
  if (typeof item === 'string') {
    text = item;
    if (!text.includes('-----BEGIN ')) {
      const found = text.trim() === '' ? 'an empty string' : 'a string with no PEM block';
      const hint = /^[^\r\n]{1,255}\.(pem|crt|cer|key|der)$/i.test(text.trim()) ? ' (a file name? pass the file\'s contents)' : '';
      throw bad(`${field} is ${found}${hint}; expected PEM text ("-----BEGIN ${wants}-----")`);
    }
  } else if (item instanceof Uint8Array) {
    if (isDerSequence(item)) return { kind: 'der', der: item };
    text = latin1(item);
    if (!text.includes('-----BEGIN ')) {
      if (check === 'as-is') return { kind: 'der', der: item };
      const found = item.length === 0 ? 'empty' : `${item.length} bytes starting ${hexStart(item)}`;
      throw bad(`${field} is neither PEM nor DER (${found}); expected ${wants} PEM text or DER`);
    }
  } else {
    throw bad(`${field} is ${describeValue(item)}; expected ${EXPECTED}`);
  }
  try {
    return { kind: 'pem', blocks: pemBlocks(text) };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw bad(`${field} is not readable PEM: ${why}`, e);
  }
}

/** What a PEM label holds ("a private key"), for messages. */
function describeLabel(label: string): string {
  if (label === 'CERTIFICATE') return 'a certificate';
  if (label === 'ENCRYPTED PRIVATE KEY') return 'an encrypted private key';
  if (/PRIVATE KEY$/.test(label)) return 'a private key';
  if (/PUBLIC KEY$/.test(label)) return 'a public key';
  if (/CERTIFICATE REQUEST$/.test(label)) return 'a certificate signing request';
  if (label === 'X509 CRL') return 'a certificate revocation list';
  if (label === 'TRUSTED CERTIFICATE') return 'an OpenSSL "TRUSTED CERTIFICATE" (use plain CERTIFICATE PEM)';
  return `a "${label}" PEM block`;
}

/**
 * What DER bytes hold, by shape: Certificate, TBSCertList and
 * CertificationRequest are all SEQUENCE { info, AlgorithmIdentifier, BIT
 * STRING } (RFC 5280 §4.1, §5.1; RFC 2986 §4); their info parts differ.
 */
function describeDer(der: Uint8Array): string {
  try {
    parsePrivateKey(der);
    return 'a private key';
  } catch {
    // not a key
  }
  try {
    const s = new DerReader(der).sequence();
    const first = s.read();
    if (first.tag === Tag.SEQUENCE) {
      const second = s.read();
      if (second.tag === Tag.BIT_STRING && !s.hasMore()) return 'a public key';
      if (second.tag === Tag.OCTET_STRING && !s.hasMore()) return 'an encrypted private key';
      if (second.tag === Tag.SEQUENCE && s.read().tag === Tag.BIT_STRING && !s.hasMore()) {
        const info = new DerReader(first.value);
        if (info.peekTag() === 0xa0) return 'a certificate';
        info.read(); // version or serial number
        const next = new DerReader(info.read().value).peekTag();
        if (next === Tag.SET || next === -1) return 'a certificate signing request';
        info.read(); // issuer
        const after = info.peekTag();
        return after === 0x17 || after === 0x18 ? 'a certificate revocation list' : 'a certificate';
      }
    }
  } catch {
    // fall through
  }
  return 'malformed DER';
}

function itemName(field: string, index: number, listed: boolean): string {
  return listed ? `${field}[${index}]` : field;
}

function asList(input: unknown): { items: readonly unknown[]; listed: boolean } {
  return Array.isArray(input) ? { items: input, listed: true } : { items: [input], listed: false };
}

/**
 * Certificates read (strictly) from one item, so that connections made with
 * the same `ca` (a Node Agent passes the same Buffer every time) do not read
 * a bundle again. Strings are immutable; bytes are kept with a copy and
 * compared with it on every use, so a changed Buffer is read afresh. The
 * DER returned is the cache's own (callers only read it).
 */
const stringItems = new Map<string, readonly Uint8Array[]>();
const byteItems = new WeakMap<Uint8Array, { readonly copy: Uint8Array; readonly ders: readonly Uint8Array[] }>();
const STRING_ITEMS_KEPT = 32;

function cachedItem(item: unknown): readonly Uint8Array[] | undefined {
  if (typeof item === 'string') return stringItems.get(item);
  if (!(item instanceof Uint8Array)) return undefined;
  const hit = byteItems.get(item);
  return hit && constantTimeEqual(hit.copy, item) ? hit.ders : undefined;
}

function remember(item: unknown, ders: readonly Uint8Array[]): void {
  if (typeof item === 'string') {
    stringItems.set(item, ders);
    if (stringItems.size > STRING_ITEMS_KEPT) stringItems.delete(stringItems.keys().next().value!);
  } else if (item instanceof Uint8Array) {
    // new Uint8Array(), not slice(): Buffer#slice() is a view of the same memory.
    byteItems.set(item, { copy: new Uint8Array(item), ders });
  }
}

/**
 * DER certificates from one input or a list, in order. PEM blocks other
 * than CERTIFICATE are refused. With 'strict', DER must have a
 * certificate's shape; with 'as-is' it goes to the verifier unchanged.
 */
export function certificatesFrom(input: unknown, field: string, check: DerCheck = 'strict'): Uint8Array[] {
  if (input === undefined) return [];
  const { items, listed } = asList(input);
  const out: Uint8Array[] = [];
  items.forEach((item, i) => {
    const cached = check === 'strict' ? cachedItem(item) : undefined;
    if (cached) {
      out.push(...cached);
      return;
    }
    const start = out.length;
    readItem(item, itemName(field, i, listed), check, out);
    if (check === 'strict') remember(item, out.slice(start));
  });
  return out;
}

/** Reads one item's certificates into `out`. */
function readItem(item: unknown, name: string, check: DerCheck, out: Uint8Array[]): void {
  {
    const d = decodeItem(item, name, 'CERTIFICATE', check);
    if (d.kind === 'der') {
      const kind = check === 'strict' ? describeDer(d.der) : 'a certificate';
      if (kind !== 'a certificate') throw bad(`${name} is ${kind}, not a certificate`);
      // Strict reads are cached: keep a copy of our own, not the caller's buffer.
      out.push(check === 'strict' ? new Uint8Array(d.der) : d.der);
      return;
    }
    if (d.blocks.length === 0) throw bad(`${name} holds no complete PEM block; expected "-----BEGIN CERTIFICATE-----"`);
    d.blocks.forEach((b, j) => {
      const where = d.blocks.length > 1 ? `${name} (PEM block ${j + 1})` : name;
      if (b.label !== 'CERTIFICATE') throw bad(`${where} is ${describeLabel(b.label)}, not a certificate`);
      if (check === 'strict') {
        const kind = describeDer(b.der);
        if (kind !== 'a certificate') throw bad(`${where} is labelled CERTIFICATE but holds ${kind}`);
      }
      out.push(b.der);
    });
  }
}

const KEY_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY']);

function checkedKey(der: Uint8Array, where: string): Uint8Array {
  try {
    parsePrivateKey(der);
    return der;
  } catch (e) {
    const kind = describeDer(der);
    if (kind !== 'malformed DER' && kind !== 'a private key') throw bad(`${where} is ${kind}, not a private key`);
    const why = e instanceof Error ? e.message : String(e);
    throw bad(`${where} is not a usable private key (PKCS#8, SEC1 or PKCS#1): ${why}`, e);
  }
}

/**
 * The one private key in `input` (PKCS#8, SEC1 or PKCS#1; PEM or DER), as
 * DER. EC PARAMETERS blocks (as `openssl ecparam -genkey` writes) are
 * skipped; encrypted keys, certificates and more than one key are refused.
 */
export function privateKeyFrom(input: unknown, field: string): Uint8Array {
  const { items, listed } = asList(input);
  const keys: Uint8Array[] = [];
  items.forEach((item, i) => {
    const name = itemName(field, i, listed);
    const d = decodeItem(item, name, 'PRIVATE KEY');
    if (d.kind === 'der') {
      keys.push(checkedKey(d.der, name));
      return;
    }
    const blocks = d.blocks.filter((b) => b.label !== 'EC PARAMETERS');
    blocks.forEach((b, j) => {
      const where = blocks.length > 1 ? `${name} (PEM block ${j + 1})` : name;
      if (b.label === 'ENCRYPTED PRIVATE KEY') {
        throw bad(`${where} is an encrypted private key; puretls takes it decrypted (in Node: crypto.createPrivateKey({ key, passphrase }).export({ type: 'pkcs8', format: 'pem' }))`);
      }
      if (!KEY_LABELS.has(b.label)) throw bad(`${where} is ${describeLabel(b.label)}, not a private key`);
      keys.push(checkedKey(b.der, where));
    });
  });
  if (keys.length === 0) throw bad(`${field} holds no private key; expected "-----BEGIN PRIVATE KEY-----" PEM or DER`);
  if (keys.length > 1) throw bad(`${field} holds ${keys.length} private keys; expected one`);
  return keys[0]!;
}

/** The certificate and key options of a connection, as checkCertificateOptions() reads them. */
export interface CertificateOptions {
  readonly ca?: unknown;
  readonly roots?: unknown;
  readonly clientCertificate?: { readonly chain: unknown; readonly key: unknown };
}

/**
 * Reads `ca`, `roots` (when certificates) and `clientCertificate`, so that
 * a wrong one fails before any network I/O; `names` renames the client
 * certificate's fields in errors (tls.connect's `cert` and `key`).
 */
export function checkCertificateOptions(options: CertificateOptions, names = { chain: 'clientCertificate.chain', key: 'clientCertificate.key' }): void {
  certificatesFrom(options.ca, 'ca');
  const roots = options.roots;
  // Strings that are not PEM are names ('mozilla', 'system', or a wrong one TrustStore.from() reports).
  if (roots !== undefined && !(typeof roots === 'string' && !roots.includes('-----BEGIN '))) {
    if (isCertificateInputs(roots) || typeof roots !== 'object' || roots === null || Array.isArray(roots)) certificatesFrom(roots, 'roots');
  }
  const cc = options.clientCertificate;
  if (cc) {
    certificatesFrom(cc.chain, names.chain);
    privateKeyFrom(cc.key, names.key);
  }
}
