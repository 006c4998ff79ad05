/**
 * Trust anchors: the bundled Mozilla set, the runtime's set, or the
 * caller's own. Anchors are indexed by subject DER and subject key
 * identifier and parsed only when a chain names them as issuer, so one
 * connection does not parse the whole store.
 */
import { TlsError } from '../errors.js';
import { base64Decode, base64Encode } from '../crypto/der.js';
import { certificatesFrom, type CertificateInput, type CertificateInputs } from '../inputs.js';
import { parseCertificate, subjectOfCertificate, type ParsedCert } from './cert.js';
import { parseName } from './dn.js';
import { MOZILLA_ROOTS } from './mozilla-roots.js';

/**
 * A base trust store, the same shape wherever `roots` is taken: 'mozilla'
 * (bundled), 'system' (the runtime's), a TrustStore, or certificates.
 */
export type RootsInput = 'mozilla' | 'system' | TrustStore | CertificateInputs;

interface Entry {
  /** Base64 of the DER; also the identity of the entry. */
  readonly b64: string;
  /** Base64 of the subject Name DER. */
  readonly subjectB64: string;
  /** Hex subject key identifier, when known without parsing. */
  readonly ski?: string;
  /** Set once parsed; null if the certificate turned out unusable. */
  parsed?: ParsedCert | null;
  /** Comparison key of the subject name, computed on demand. */
  nameKey?: string;
}

/** A trust anchor certificate (RFC 5280 §6.1.1 (d)), parsed. */
export interface TrustAnchor {
  readonly der: Uint8Array;
  readonly cert: ParsedCert;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Iterables (other than strings and bytes) become lists; anything else goes on, for certificatesFrom to name. */
function listOf(input: CertificateInputs | Iterable<CertificateInput>): CertificateInputs {
  const iterable = typeof input === 'object' && input !== null && Symbol.iterator in input;
  return iterable && !(input instanceof Uint8Array) && !Array.isArray(input)
    ? [...(input as Iterable<CertificateInput>)]
    : (input as CertificateInputs);
}

/**
 * Entries by DER: certificatesFrom() returns the same (cached, never
 * changed) arrays for the same input, so stores built again from one `ca`
 * reuse the entries and what they have parsed.
 */
const entries = new WeakMap<Uint8Array, Entry>();

function entryFromDer(der: Uint8Array, field: string, i: number): Entry {
  const hit = entries.get(der);
  if (hit) return hit;
  try {
    const e: Entry = { b64: base64Encode(der), subjectB64: base64Encode(subjectOfCertificate(der)) };
    entries.set(der, e);
    return e;
  } catch (cause) {
    throw new TlsError('BAD_CONFIG', `malformed trust anchor certificate (${field}, certificate ${i + 1})`, { cause });
  }
}

function entriesOf(input: CertificateInputs | Iterable<CertificateInput>, field: string): Entry[] {
  return certificatesFrom(listOf(input), field).map((der, i) => entryFromDer(der, field, i));
}

interface NodeTls {
  readonly rootCertificates?: readonly string[];
  readonly getCACertificates?: (type?: string) => string[];
}

/**
 * node:tls through process.getBuiltinModule (Node >= 20.16, Bun, Deno), so
 * that nothing here imports a Node built-in and browser bundles stay clean.
 */
function nodeTls(): NodeTls | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') return null;
  const mod = proc.getBuiltinModule('node:tls');
  return typeof mod === 'object' && mod !== null ? (mod as NodeTls) : null;
}

let mozillaStore: TrustStore | undefined;

/** A set of trust anchors, indexed by subject and key identifier and parsed on first use. */
export class TrustStore {
  private readonly entries: readonly Entry[];
  private readonly byDer = new Map<string, Entry>();
  private readonly bySubject = new Map<string, Entry[]>();
  private readonly bySki = new Map<string, Entry[]>();
  private byNameKey: Map<string, Entry[]> | undefined;

  private constructor(entries: readonly Entry[]) {
    const unique: Entry[] = [];
    for (const e of entries) {
      if (this.byDer.has(e.b64)) continue;
      this.byDer.set(e.b64, e);
      unique.push(e);
      push(this.bySubject, e.subjectB64, e);
      if (e.ski) push(this.bySki, e.ski, e);
    }
    this.entries = unique;
  }

  /** A store of the given certificates: PEM text, or bytes holding PEM or DER (one input or a list). */
  static fromCertificates(certificates: CertificateInputs | Iterable<CertificateInput>, field = 'certificates'): TrustStore {
    return new TrustStore(entriesOf(certificates, field));
  }

  /**
   * The store a `roots` option names (BAD_CONFIG for anything else);
   * `field` names the option in errors.
   */
  static from(roots: RootsInput, field = 'roots'): TrustStore {
    if (roots instanceof TrustStore) return roots;
    if (roots === 'mozilla') return TrustStore.mozilla();
    if (roots === 'system') return TrustStore.system();
    if (typeof roots === 'string' && !roots.includes('-----BEGIN ')) {
      const hint = /\.(pem|crt|cer|der)$/i.test(roots) ? " (a file name? pass the file's contents)" : '';
      throw new TlsError('BAD_CONFIG', `${field} is ${JSON.stringify(roots.slice(0, 40))}; expected 'mozilla', 'system', a TrustStore, or certificates${hint}`);
    }
    return new TrustStore(entriesOf(roots, field));
  }

  /**
   * Mozilla's TLS server-authentication roots as bundled with puretls
   * (src/verify/mozilla-roots.ts names the source and date).
   */
  static mozilla(): TrustStore {
    mozillaStore ??= new TrustStore(
      MOZILLA_ROOTS.map(([, subjectB64, ski, b64]) => (ski ? { b64, subjectB64, ski } : { b64, subjectB64 })),
    );
    return mozillaStore;
  }

  /**
   * The runtime's roots: Node's tls.getCACertificates('default') where it
   * exists (bundled roots plus --use-system-ca and NODE_EXTRA_CA_CERTS),
   * else tls.rootCertificates. Throws BAD_CONFIG where there is no node:tls.
   */
  static system(): TrustStore {
    const tls = nodeTls();
    const pems =
      typeof tls?.getCACertificates === 'function' ? tls.getCACertificates('default') : tls?.rootCertificates;
    if (!pems) {
      throw new TlsError('BAD_CONFIG', 'this runtime exposes no root certificates; use TrustStore.mozilla() or TrustStore.fromCertificates()');
    }
    // One unreadable certificate in the platform's store should not disable the rest.
    const entries: Entry[] = [];
    for (const p of pems) {
      try {
        entries.push(...entriesOf(p, 'system'));
      } catch {
        // skipped
      }
    }
    return new TrustStore(entries);
  }

  /** A new store with these anchors added (certificates as fromCertificates() takes them, or another store). */
  with(more: CertificateInputs | Iterable<CertificateInput> | TrustStore, field = 'certificates'): TrustStore {
    const added = more instanceof TrustStore ? more.entries : entriesOf(more, field);
    return new TrustStore([...this.entries, ...added]);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The DER of every anchor (decodes them all; meant for tools, not the handshake). */
  certificates(): Uint8Array[] {
    return this.entries.map((e) => base64Decode(e.b64));
  }

  /** Whether this exact certificate is an anchor. */
  has(der: Uint8Array): boolean {
    return this.byDer.has(base64Encode(der));
  }

  private load(e: Entry): ParsedCert | null {
    if (e.parsed === undefined) {
      try {
        e.parsed = parseCertificate(base64Decode(e.b64));
      } catch {
        // An anchor we cannot parse can vouch for nothing; skip it.
        e.parsed = null;
      }
    }
    return e.parsed;
  }

  private nameKey(e: Entry): string {
    e.nameKey ??= parseName(base64Decode(e.subjectB64)).key;
    return e.nameKey;
  }

  /**
   * Anchors whose subject names `cert`'s issuer (RFC 5280 §7.1). Exact DER
   * matches and AKI/SKI matches are found without parsing; only when both
   * find nothing are all subject names parsed and compared by the §7.1 rules.
   */
  issuersOf(cert: ParsedCert): TrustAnchor[] {
    const found = new Set<Entry>(this.bySubject.get(base64Encode(cert.issuer.der)) ?? []);
    if (cert.authorityKeyId) {
      for (const e of this.bySki.get(cert.authorityKeyId) ?? []) {
        if (this.nameKey(e) === cert.issuer.key) found.add(e);
      }
    }
    if (found.size === 0) {
      if (!this.byNameKey) {
        this.byNameKey = new Map();
        for (const e of this.entries) {
          try {
            push(this.byNameKey, this.nameKey(e), e);
          } catch {
            // unparsable subject: never an issuer
          }
        }
      }
      for (const e of this.byNameKey.get(cert.issuer.key) ?? []) found.add(e);
    }
    const out: TrustAnchor[] = [];
    for (const e of found) {
      const parsed = this.load(e);
      if (parsed) out.push({ der: parsed.der, cert: parsed });
    }
    return out;
  }
}
