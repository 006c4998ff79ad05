/**
 * Trust anchors: the bundled Mozilla set, the runtime's set, or the
 * caller's own, each optionally with a label and a server distrust-after
 * date (NSS's CKA_NSS_SERVER_DISTRUST_AFTER). Anchors are indexed by subject
 * DER and subject key identifier and parsed only when a chain names them as
 * issuer, so one connection does not parse the whole store.
 */
import { TlsError } from '../errors.js';
import { base64Decode, base64Encode } from '../crypto/pem.js';
import { certificatesFrom, type CertificateInput, type CertificateInputs } from '../inputs.js';
import { parseCertificate, subjectOfCertificate, type ParsedCert } from './cert.js';
import { parseName } from './dn.js';
import type { RootEntry } from './mozilla-roots.js';

/**
 * A base trust store, the same shape wherever `roots` is taken: 'mozilla'
 * (bundled), 'system' (the runtime's), a TrustStore, or certificates.
 */
export type RootsInput = 'mozilla' | 'system' | TrustStore | CertificateInputs;

/**
 * One trust anchor with its constraints: `certificate` (DER, or PEM with
 * exactly one block), an optional `label`, and `distrustAfter`: paths ending
 * at this anchor are refused (CERT_DISTRUSTED_ROOT) for leaves whose
 * notBefore is later, as Firefox does for NSS's server distrust-after dates.
 */
export interface TrustAnchorInput {
  readonly certificate: CertificateInput;
  readonly label?: string;
  readonly distrustAfter?: Date;
}

/** What a store says about one of its anchors: subject, label, distrust-after date. */
export interface TrustAnchorInfo {
  /** The anchor's subject name (RFC 4514-style text). */
  readonly subject: string;
  /** The anchor's label (NSS's CKA_LABEL for the bundled roots), when it has one. */
  readonly label?: string;
  /** Leaves issued (notBefore) after this time are not trusted through this anchor. */
  readonly distrustAfter?: Date;
}

interface Entry {
  /** Base64 of the DER; also the identity of the entry. */
  readonly b64: string;
  /** Base64 of the subject Name DER. */
  readonly subjectB64: string;
  /** Hex subject key identifier, when known without parsing. */
  readonly ski?: string;
  readonly label?: string;
  readonly distrustAfter?: Date;
  /** Set once parsed; null if the certificate turned out unusable. */
  parsed?: ParsedCert | null;
  /** Comparison key of the subject name, computed on demand. */
  nameKey?: string;
}

/** A trust anchor certificate (RFC 5280 §6.1.1 (d)), parsed, with its label and distrust-after date if any. */
export interface TrustAnchor {
  readonly der: Uint8Array;
  readonly cert: ParsedCert;
  readonly label?: string;
  readonly distrustAfter?: Date;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Entries by DER: certificatesFrom() returns the same (cached, never
 * changed) arrays for the same input, so stores built again from one `ca`
 * reuse the entries and what they have parsed. Anchors with a label or a
 * date are not cached (the same certificate may carry other constraints).
 */
const cachedEntries = new WeakMap<Uint8Array, Entry>();

function entryFromDer(der: Uint8Array, where: string, label?: string, distrustAfter?: Date): Entry {
  const plain = label === undefined && distrustAfter === undefined;
  const hit = plain ? cachedEntries.get(der) : undefined;
  if (hit) return hit;
  let subjectB64: string;
  try {
    subjectB64 = base64Encode(subjectOfCertificate(der));
  } catch (cause) {
    throw new TlsError('BAD_CONFIG', `malformed trust anchor certificate (${where})`, { cause });
  }
  const e: Entry = {
    b64: base64Encode(der),
    subjectB64,
    ...(label !== undefined ? { label } : {}),
    ...(distrustAfter !== undefined ? { distrustAfter } : {}),
  };
  if (plain) cachedEntries.set(der, e);
  return e;
}

function isAnchorInput(x: unknown): x is TrustAnchorInput {
  return typeof x === 'object' && x !== null && !(x instanceof Uint8Array) && 'certificate' in x;
}

/** Iterables (other than strings and bytes) become lists; anything else goes on, for certificatesFrom to name. */
function listOf<T>(input: T | Iterable<T>): unknown {
  const iterable = typeof input === 'object' && input !== null && Symbol.iterator in input;
  return iterable && !(input instanceof Uint8Array) && !Array.isArray(input) ? [...(input as Iterable<T>)] : input;
}

/** Entries for certificates (the shapes of inputs.ts) and anchor objects; `field` names the option in errors. */
function toEntries(input: CertificateInputs | Iterable<CertificateInput | TrustAnchorInput>, field: string): Entry[] {
  const list = listOf(input);
  if (!Array.isArray(list) || !list.some(isAnchorInput)) {
    return certificatesFrom(list, field).map((der, i) => entryFromDer(der, `${field}, certificate ${i + 1}`));
  }
  const out: Entry[] = [];
  list.forEach((item: unknown, i: number) => {
    const where = `${field}[${i}]`;
    if (!isAnchorInput(item)) {
      out.push(...certificatesFrom(item, where).map((der) => entryFromDer(der, where)));
      return;
    }
    const ders = certificatesFrom(item.certificate, `${where}.certificate`);
    if (ders.length !== 1) throw new TlsError('BAD_CONFIG', `${where}: a trust anchor object takes exactly one certificate`);
    const { label, distrustAfter } = item;
    if (label !== undefined && typeof label !== 'string') throw new TlsError('BAD_CONFIG', `${where}.label must be a string`);
    // A date that is not a date must not silently lift the restriction.
    if (distrustAfter !== undefined && !(distrustAfter instanceof Date && !Number.isNaN(distrustAfter.getTime()))) {
      throw new TlsError('BAD_CONFIG', `${where}.distrustAfter must be a valid Date`);
    }
    out.push(entryFromDer(ders[0]!, where, label, distrustAfter));
  });
  return out;
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

/**
 * The bundled Mozilla roots as a module: what `import('puretls/roots/mozilla')`
 * resolves to (src/verify/mozilla-roots.ts, generated from NSS).
 */
export interface MozillaRootsModule {
  /** The roots, one {@link RootEntry} each. */
  readonly MOZILLA_ROOTS: readonly RootEntry[];
  /** Where they come from (NSS commit, date, count). */
  readonly MOZILLA_ROOTS_SOURCE: string;
}

let mozillaStore: TrustStore | undefined;
let mozillaLoading: Promise<TrustStore> | undefined;

/** A set of trust anchors, indexed by subject and key identifier and parsed on first use. */
export class TrustStore {
  private readonly entries: readonly Entry[];
  private readonly byDer = new Map<string, Entry>();
  private readonly bySubject = new Map<string, Entry[]>();
  private readonly bySki = new Map<string, Entry[]>();
  private byNameKey: Map<string, Entry[]> | undefined;
  /** Where the anchors come from, e.g. the NSS commit of the bundled roots. */
  readonly source: string;

  private constructor(entries: readonly Entry[], source: string) {
    this.source = source;
    const unique: Entry[] = [];
    for (const e of entries) {
      // The first copy of a certificate wins, with its label and distrust-after date.
      if (this.byDer.has(e.b64)) continue;
      this.byDer.set(e.b64, e);
      unique.push(e);
      push(this.bySubject, e.subjectB64, e);
      if (e.ski) push(this.bySki, e.ski, e);
    }
    this.entries = unique;
  }

  /**
   * A store of the given anchors: PEM text, bytes holding PEM or DER (one
   * input or a list), or {@link TrustAnchorInput} objects carrying a label
   * and a distrust-after date. `field` names the option in errors.
   */
  static fromCertificates(
    certificates: CertificateInputs | Iterable<CertificateInput | TrustAnchorInput>,
    field = 'certificates',
  ): TrustStore {
    return new TrustStore(toEntries(certificates, field), 'caller-supplied certificates');
  }

  /**
   * The store a `roots` option names (BAD_CONFIG for anything else); `field`
   * names the option in errors. 'mozilla' needs the bundled roots loaded
   * ({@link TrustStore.loadMozilla}).
   */
  static from(roots: RootsInput, field = 'roots'): TrustStore {
    if (roots instanceof TrustStore) return roots;
    if (roots === 'mozilla') return TrustStore.mozilla();
    if (roots === 'system') return TrustStore.system();
    if (typeof roots === 'string' && !roots.includes('-----BEGIN ')) {
      const hint = /\.(pem|crt|cer|der)$/i.test(roots) ? " (a file name? pass the file's contents)" : '';
      throw new TlsError('BAD_CONFIG', `${field} is ${JSON.stringify(roots.slice(0, 40))}; expected 'mozilla', 'system', a TrustStore, or certificates${hint}`);
    }
    return TrustStore.fromCertificates(roots, field);
  }

  /**
   * Mozilla's TLS server-authentication roots as bundled with puretls, with
   * NSS's labels and server distrust-after dates (src/verify/mozilla-roots.ts
   * names the NSS commit; {@link TrustStore.source} repeats it).
   *
   * The roots are a separate module (`puretls/roots/mozilla`, about 190 KiB)
   * that the engine loads only when a connection needs them:
   * {@link TrustStore.loadMozilla} loads it, after which this returns the
   * store synchronously. Passing the module (`TrustStore.mozilla(await
   * import('puretls/roots/mozilla'))`, or a static import where a runtime or
   * bundle has no dynamic import) installs it. Before either, this throws
   * BAD_CONFIG.
   */
  static mozilla(roots?: MozillaRootsModule): TrustStore {
    if (!mozillaStore && roots) {
      mozillaStore = new TrustStore(
        roots.MOZILLA_ROOTS.map(([label, subjectB64, ski, b64, distrust]) => ({
          b64,
          subjectB64,
          label,
          ...(ski ? { ski } : {}),
          ...(distrust ? { distrustAfter: new Date(distrust) } : {}),
        })),
        roots.MOZILLA_ROOTS_SOURCE,
      );
    }
    if (!mozillaStore) {
      throw new TlsError(
        'BAD_CONFIG',
        "the bundled Mozilla roots are not loaded: await TrustStore.loadMozilla(), or pass the module: TrustStore.mozilla(await import('puretls/roots/mozilla'))",
      );
    }
    return mozillaStore;
  }

  /**
   * Loads the bundled Mozilla roots (a dynamic import of
   * `puretls/roots/mozilla`; in the browser bundle, the file next to it)
   * once, and resolves to {@link TrustStore.mozilla}'s store. A failed load
   * rejects with BAD_CONFIG and is tried again on the next call.
   */
  static loadMozilla(): Promise<TrustStore> {
    if (mozillaStore) return Promise.resolve(mozillaStore);
    mozillaLoading ??= import('./mozilla-roots.js').then(
      (mod) => TrustStore.mozilla(mod),
      (cause: unknown) => {
        mozillaLoading = undefined;
        throw new TlsError('BAD_CONFIG', 'could not load the bundled Mozilla roots (puretls/roots/mozilla)', { cause });
      },
    );
    return mozillaLoading;
  }

  /**
   * The runtime's roots: Node's tls.getCACertificates('default') where it
   * exists (bundled roots plus --use-system-ca and NODE_EXTRA_CA_CERTS),
   * else tls.rootCertificates. Throws BAD_CONFIG where there is no node:tls.
   */
  static system(): TrustStore {
    const tls = nodeTls();
    const modern = typeof tls?.getCACertificates === 'function';
    const pems = modern ? tls.getCACertificates!('default') : tls?.rootCertificates;
    if (!pems) {
      throw new TlsError('BAD_CONFIG', 'this runtime exposes no root certificates; use TrustStore.mozilla() or TrustStore.fromCertificates()');
    }
    // One unreadable certificate in the platform's store should not disable the rest.
    const entries: Entry[] = [];
    for (const p of pems) {
      try {
        entries.push(...toEntries(p, 'system'));
      } catch {
        // skipped
      }
    }
    // Node's roots carry no distrust-after dates (its bundle drops them).
    return new TrustStore(entries, `the runtime's roots (node:tls ${modern ? "getCACertificates('default')" : 'rootCertificates'})`);
  }

  /**
   * A new store with these anchors added (certificates, anchor objects, or
   * another store). A certificate already here keeps its label and date.
   */
  with(more: CertificateInputs | Iterable<CertificateInput | TrustAnchorInput> | TrustStore, field = 'certificates'): TrustStore {
    const added = more instanceof TrustStore ? more.entries : toEntries(more, field);
    const fresh = new Set<string>();
    for (const e of added) if (!this.byDer.has(e.b64)) fresh.add(e.b64);
    return new TrustStore([...this.entries, ...added], fresh.size ? `${this.source}, plus ${fresh.size} added` : this.source);
  }

  /** How many anchors the store holds. */
  get size(): number {
    return this.entries.length;
  }

  /**
   * The anchors that carry a distrust-after date, in store order (parses
   * only their subject names).
   */
  distrusted(): (TrustAnchorInfo & { readonly der: Uint8Array; readonly distrustAfter: Date })[] {
    const out: (TrustAnchorInfo & { readonly der: Uint8Array; readonly distrustAfter: Date })[] = [];
    for (const e of this.entries) {
      if (!e.distrustAfter) continue;
      let subject: string;
      try {
        subject = parseName(base64Decode(e.subjectB64)).text;
      } catch {
        subject = '(unreadable name)';
      }
      out.push({ der: base64Decode(e.b64), subject, distrustAfter: e.distrustAfter, ...(e.label !== undefined ? { label: e.label } : {}) });
    }
    return out;
  }

  /** The DER of every anchor (decodes them all; meant for tools, not the handshake). */
  certificates(): Uint8Array[] {
    return this.entries.map((e) => base64Decode(e.b64));
  }

  /** Whether this exact certificate is an anchor. */
  has(der: Uint8Array): boolean {
    return this.byDer.has(base64Encode(der));
  }

  /** This exact certificate as an anchor (parsed, with label and date), or undefined if absent or unusable. */
  anchor(der: Uint8Array): TrustAnchor | undefined {
    const e = this.byDer.get(base64Encode(der));
    return e && this.toAnchor(e);
  }

  private toAnchor(e: Entry): TrustAnchor | undefined {
    const parsed = this.load(e);
    if (!parsed) return undefined;
    return {
      der: parsed.der,
      cert: parsed,
      ...(e.label !== undefined ? { label: e.label } : {}),
      ...(e.distrustAfter !== undefined ? { distrustAfter: e.distrustAfter } : {}),
    };
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
      const a = this.toAnchor(e);
      if (a) out.push(a);
    }
    return out;
  }
}
