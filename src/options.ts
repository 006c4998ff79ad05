/**
 * Connector options and their resolution into the core's ClientConfig.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, toHex, utf8 } from './codec.js';
import { selectProvider, type ProviderChoice } from './crypto/index.js';
// Registers 'webcrypto', which 'auto' then picks where crypto.subtle exists.
import './crypto/webcrypto.js';
import { systemRandom, type GroupName, type RandomSource } from './crypto/provider.js';
import { TlsError } from './errors.js';
import type { ClientCertificateIdentity, ClientConfig, ChainVerifier } from './handshake/client.js';
import type { TlsVersion } from './handshake/config.js';
import {
  CIPHER_SUITES,
  SIGNATURE_SCHEMES,
  TLS12_CIPHER_SUITES,
  type CipherSuiteName,
  type SignatureScheme,
  type SignatureSchemeName,
} from './handshake/constants.js';
import { defaultSessionStore, type SessionStore } from './handshake/session.js';
import { clientKeySchemes } from './handshake/client-auth.js';
import { certificatesFrom, privateKeyFrom, type CertificateInputs, type PrivateKeyInput } from './inputs.js';
import { spkiOfCertificate, TrustStore, verifyDerChain, type RootsInput, type TrustAnchorInfo } from './verify/index.js';

export type { CertificateInput, CertificateInputs, PrivateKeyInput } from './inputs.js';

/** What a caller-supplied verifier receives. */
export interface VerifyContext {
  /** The server's certificates, DER, leaf first. */
  readonly chain: readonly Uint8Array[];
  readonly serverName: string;
  /** Runs puretls's own verification with the configured roots. */
  readonly defaultVerify: () => Promise<void>;
}

/** Caps on what a server can make a connection hold or do (the `limits` option); each must be a positive integer. */
export interface Limits {
  /** Largest handshake message accepted (bytes). Default 131072. */
  maxHandshakeMessage?: number;
  /** Most certificates in the server's chain. Default 10. */
  maxCertificateChain?: number;
  /** Most post-handshake messages (NewSessionTicket, KeyUpdate) per second. Default 32. */
  maxPostHandshakePerSecond?: number;
  /** Decrypted bytes queued for a slow reader before we stop reading the network. Default 65536. */
  maxBufferedPlaintext?: number;
  /** Encrypted bytes queued for a slow network before we stop taking cleartext. Default 65536. */
  maxBufferedCiphertext?: number;
}

/** Options of a Connector, and so of connect() and connectWebSocket(): trust, algorithms, resumption, limits and debugging. */
export interface ConnectorOptions {
  /**
   * Trust anchors as Node's `ca` takes them (PEM, or bytes holding PEM or DER,
   * or a list). They replace the bundled Mozilla roots unless `roots` is also
   * given, in which case both are trusted.
   */
  ca?: CertificateInputs;
  /** The base trust store: 'mozilla' (bundled, default), 'system', a TrustStore or certificates. */
  roots?: RootsInput;
  /**
   * Replaces puretls's verification of the server's chain. It must throw to
   * refuse; call `ctx.defaultVerify()` to add checks (e.g. pinning) on top.
   */
  verify?: (ctx: VerifyContext) => void | Promise<void>;
  /** The time certificates are checked at (default: now). */
  verifyTime?: Date | (() => Date);
  /**
   * Cipher suites in preference order (IANA names): TLS 1.3 suites and TLS 1.2
   * ECDHE suites. Default: all three TLS 1.3 suites, then all six TLS 1.2 ones.
   */
  cipherSuites?: readonly CipherSuiteName[];
  /** The oldest version to negotiate, as Node names it. Default 'TLSv1.2'. */
  minVersion?: TlsVersion;
  /** The newest version to offer. Default 'TLSv1.3'. */
  maxVersion?: TlsVersion;
  /** Refuse a full TLS 1.2 handshake without extended master secret (RFC 7627). Default true; resumption always requires it. */
  requireExtendedMasterSecret?: boolean;
  /** Key exchange groups in preference order. */
  groups?: readonly GroupName[];
  /** How many of `groups` get a key share in the first ClientHello (default 2 when the first is X25519MLKEM768, else 1). */
  keyShares?: number;
  /** Signature schemes we accept from the server, in preference order. */
  signatureSchemes?: readonly SignatureSchemeName[];
  /** ALPN protocols to offer (RFC 7301). */
  alpn?: readonly string[];
  /** Session tickets: a store, or false to disable resumption. Default: a process-wide memory cache. */
  sessions?: SessionStore | false;
  /** Port of the server, part of the session cache key. */
  port?: number;
  /** Send early data (0-RTT) when a ticket allows it. `{ retry: false }` drops rejected early data. */
  earlyData?: boolean | { retry?: boolean };
  /** Client certificate for mutual TLS: chain leaf first, and its key (PKCS#8, SEC1 or PKCS#1; PEM or DER). */
  clientCertificate?: { chain: CertificateInputs; key: PrivateKeyInput };
  /** Offer post-handshake client authentication (RFC 8446 §4.6.2). */
  postHandshakeAuth?: boolean;
  /** Middlebox compatibility mode (RFC 8446 §D.4). Default true. */
  middleboxCompat?: boolean;
  /** record_size_limit to advertise (RFC 8449), 64..16385. Default 16385; 0 sends none. */
  recordSizeLimit?: number;
  /** Pad our records to a multiple of this many bytes (0: no padding). */
  padding?: number;
  /** Crypto provider: 'noble', 'webcrypto', 'auto' (default) or an object. */
  crypto?: ProviderChoice;
  /** Random source; tests inject one to reproduce a handshake. */
  random?: RandomSource;
  /** Receives SSLKEYLOGFILE lines. Only set this when you mean to log secrets. */
  keyLog?: (line: string) => void;
  /** Every handshake message and derived secret (debugging; prints secrets). */
  trace?: (label: string, value: Uint8Array) => void;
  /** Ends the handshake (and the connection) when aborted. */
  signal?: AbortSignal;
  /** Milliseconds the handshake may take before it fails with TIMEOUT. */
  handshakeTimeout?: number;
  limits?: Limits;
  /** Records sent under one key before an automatic KeyUpdate. Default 2^24. */
  keyUpdateAfterRecords?: number;
}

/** Key exchange groups offered by default, in preference order (hybrid X25519MLKEM768 first); also every group puretls knows. */
export const DEFAULT_GROUPS: readonly GroupName[] = ['X25519MLKEM768', 'x25519', 'secp256r1', 'secp384r1', 'secp521r1'];
const DEFAULT_SCHEMES: readonly SignatureSchemeName[] = [
  'ecdsa_secp256r1_sha256',
  'ecdsa_secp384r1_sha384',
  'ed25519',
  'rsa_pss_rsae_sha256',
  'rsa_pss_rsae_sha384',
  'rsa_pss_rsae_sha512',
  'rsa_pss_pss_sha256',
  'rsa_pss_pss_sha384',
  'rsa_pss_pss_sha512',
  'ecdsa_secp521r1_sha512',
  'rsa_pkcs1_sha256',
  'rsa_pkcs1_sha384',
  'rsa_pkcs1_sha512',
];

/** Every limit is a positive integer (BAD_CONFIG otherwise). */
export function checkLimits(limits: Limits | undefined): void {
  for (const [k, v] of Object.entries(limits ?? {})) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw badConfig(`limits.${k} must be a positive integer`);
  }
}

/** DER certificates from one input or a list (src/inputs.ts); `field` names the option in errors. */
export function toDerList(input: CertificateInputs | undefined, field = 'certificates'): Uint8Array[] {
  return certificatesFrom(input, field);
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;
const idOf = (o: object): number => {
  let id = objectIds.get(o);
  if (id === undefined) objectIds.set(o, (id = nextObjectId++));
  return id;
};

/** SHA-256 of each certificate or key, by (cached, never changed) DER array: a bundle is hashed once. */
const derDigests = new WeakMap<Uint8Array, Uint8Array>();
const derDigest = (der: Uint8Array): Uint8Array => {
  let d = derDigests.get(der);
  if (!d) derDigests.set(der, (d = sha256(der)));
  return d;
};

/** The first 12 bytes of SHA-256 over the certificates' own digests, as hex. */
const digestOf = (list: readonly Uint8Array[]): string => toHex(sha256(concat(...list.map(derDigest))).subarray(0, 12));

/** Digests of certificate inputs given as PEM text, by the text: a connection need not parse and hash it again. */
const textDigests = new Map<string, string>();

/** digestOf() the certificates in `input`, remembered for PEM text (16 texts at most). */
function certificatesDigest(input: CertificateInputs, what: string): string {
  if (typeof input !== 'string') return digestOf(toDerList(input, what));
  let d = textDigests.get(input);
  if (d === undefined) {
    d = digestOf(toDerList(input, what));
    textDigests.set(input, d);
    if (textDigests.size > 16) textDigests.delete(textDigests.keys().next().value!);
  }
  return d;
}

/**
 * Names the trust a session was established under. A ticket carries its
 * connection's authentication (RFC 8446 §2.2), so a connection resumes only
 * tickets from connections that verified (and authenticated) the same way:
 * the cache key includes this.
 */
export function trustPolicyKey(options: ConnectorOptions): string {
  const parts: string[] = [];
  if (options.verify) parts.push(`verify#${idOf(options.verify)}`);
  const roots = options.roots;
  if (roots instanceof TrustStore) parts.push(`roots#${idOf(roots)}`);
  else if (roots === 'mozilla' || roots === 'system') parts.push(`roots=${roots}`);
  else if (roots) parts.push(`roots=${certificatesDigest(roots, 'roots')}`);
  if (options.ca !== undefined) parts.push(`ca=${certificatesDigest(options.ca, 'ca')}`);
  const at = options.verifyTime;
  if (at instanceof Date) parts.push(`at=${at.getTime()}`);
  else if (at) parts.push(`at#${idOf(at)}`);
  const cc = options.clientCertificate;
  if (cc) {
    // The key is hashed afresh: it may be the caller's own buffer.
    const key = sha256(privateKeyFrom(cc.key, 'clientCertificate.key'));
    parts.push(`client=${digestOf(toDerList(cc.chain, 'clientCertificate.chain'))}.${toHex(key.subarray(0, 12))}`);
  }
  return parts.join(',') || 'default';
}

function badConfig(message: string): TlsError {
  return new TlsError('BAD_CONFIG', message);
}

/**
 * Trust stores by their (string) inputs: a store parses its anchors lazily
 * and keeps them, so connections with the same `ca` should share one.
 */
const storeCache = new Map<string, TrustStore | Promise<TrustStore>>();

/**
 * The last (roots, ca) pair and its cache key, so a connection with the same
 * strings reuses one key string, hashed once, rather than building and
 * hashing a new concatenation of the PEM text (tens of µs per connection).
 */
let lastKey: { roots: string | undefined; ca: string | undefined; key: string } | null = null;
function storeKey(roots: string | undefined, ca: string | undefined): string {
  let k = lastKey;
  if (!k || k.roots !== roots || k.ca !== ca) lastKey = k = { roots, ca, key: `${roots ?? ''}\0${ca ?? ''}` };
  return k.key;
}

/**
 * The trust anchors for `ca` and `roots`; stores built from string inputs are
 * shared (last 16 kept). A promise when the bundled Mozilla roots are part of
 * it and not loaded yet (TrustStore.loadMozilla): a caller that brings its
 * own `ca` or `roots` never loads them. Invalid anchors throw at once.
 */
export function resolveTrustStore(options: ConnectorOptions): TrustStore | Promise<TrustStore> {
  const { ca, roots } = options;
  const key =
    (ca === undefined || typeof ca === 'string') && (roots === undefined || typeof roots === 'string')
      ? storeKey(roots, ca)
      : null;
  const hit = key === null ? undefined : storeCache.get(key);
  if (hit) return hit;
  const store = buildTrustStore(options);
  // Loading starts now, while the handshake runs; a failure is reported by the
  // verification that awaits it (and is not cached).
  if (store instanceof Promise) store.catch(() => undefined);
  if (key !== null) {
    storeCache.set(key, store);
    if (store instanceof Promise) {
      store.then(
        (s) => storeCache.get(key) === store && storeCache.set(key, s),
        () => storeCache.get(key) === store && storeCache.delete(key),
      );
    }
    if (storeCache.size > 16) storeCache.delete(storeCache.keys().next().value!);
  }
  return store;
}

function buildTrustStore(options: ConnectorOptions): TrustStore | Promise<TrustStore> {
  const ca = toDerList(options.ca, 'ca');
  const roots = options.roots;
  if (roots === undefined && ca.length) return TrustStore.fromCertificates(ca, 'ca');
  if (roots === undefined || roots === 'mozilla') {
    // Checked now, so a bad `ca` is a BAD_CONFIG before any I/O.
    const extra = ca.length ? TrustStore.fromCertificates(ca, 'ca') : null;
    return TrustStore.loadMozilla().then((base) => (extra ? base.with(extra) : base));
  }
  const base = TrustStore.from(roots);
  return ca.length ? base.with(ca, 'ca') : base;
}

function resolveClientIdentity(options: ConnectorOptions): ClientCertificateIdentity | undefined {
  const cc = options.clientCertificate;
  if (!cc) return undefined;
  const chain = toDerList(cc.chain, 'clientCertificate.chain');
  if (!chain.length) throw badConfig('clientCertificate.chain is empty');
  const { pkcs8, schemes, schemes12 } = clientKeySchemes(privateKeyFrom(cc.key, 'clientCertificate.key'));
  return { chain, key: pkcs8, schemes, schemes12 };
}

const VERSIONS: readonly TlsVersion[] = ['TLSv1.2', 'TLSv1.3'];

/** The suites of each version that `cipherSuites`, `minVersion` and `maxVersion` allow (BAD_CONFIG if none). */
function resolveSuites(options: ConnectorOptions): Pick<ClientConfig, 'cipherSuites' | 'tls12CipherSuites'> {
  const min = options.minVersion ?? 'TLSv1.2';
  const max = options.maxVersion ?? 'TLSv1.3';
  for (const [k, v] of [['minVersion', min], ['maxVersion', max]] as const) {
    if (!VERSIONS.includes(v)) throw badConfig(`${k} must be 'TLSv1.2' or 'TLSv1.3', not ${JSON.stringify(v)}`);
  }
  if (min === 'TLSv1.3' && max === 'TLSv1.2') throw badConfig('minVersion is newer than maxVersion');
  const names = options.cipherSuites ?? [...CIPHER_SUITES, ...TLS12_CIPHER_SUITES].map((s) => s.name);
  const suites13 = [];
  const suites12 = [];
  for (const n of names) {
    const s13 = CIPHER_SUITES.find((c) => c.name === n);
    const s12 = TLS12_CIPHER_SUITES.find((c) => c.name === n);
    if (s13) suites13.push(s13);
    else if (s12) suites12.push(s12);
    else throw badConfig(`unknown cipher suite ${n}`);
  }
  const cipherSuites = max === 'TLSv1.3' ? suites13 : [];
  const tls12CipherSuites = min === 'TLSv1.2' ? suites12 : [];
  if (!cipherSuites.length && !tls12CipherSuites.length) {
    throw badConfig(`no cipher suite for ${min === max ? min : `${min} to ${max}`}`);
  }
  // RFC 8446 §4.2.10: 0-RTT exists only in TLS 1.3.
  if (options.earlyData && !cipherSuites.length) throw badConfig('earlyData needs TLS 1.3');
  return { cipherSuites, tls12CipherSuites };
}

/** Builds the core's configuration; throws BAD_CONFIG for invalid options. */
export function resolveConfig(
  options: ConnectorOptions,
  serverName: string,
): Omit<ClientConfig, 'session'> & { sessions: SessionStore | null; sessionKey: string } {
  const provider = selectProvider(options.crypto);
  const { cipherSuites, tls12CipherSuites } = resolveSuites(options);
  const groups = [...(options.groups ?? DEFAULT_GROUPS)];
  for (const g of groups) {
    if (!DEFAULT_GROUPS.includes(g)) throw badConfig(`unknown group ${g}`);
  }
  if (!groups.length) throw badConfig('no groups');
  const shareCount = options.keyShares ?? (groups[0] === 'X25519MLKEM768' && groups[1] === 'x25519' ? 2 : 1);
  const schemeNames = options.signatureSchemes ?? DEFAULT_SCHEMES;
  const signatureSchemes: SignatureScheme[] = schemeNames.map((n) => {
    const s = SIGNATURE_SCHEMES.find((x) => x.name === n);
    if (!s) throw badConfig(`unknown signature scheme ${n}`);
    return s;
  });
  const alpn = [...(options.alpn ?? [])];
  for (const p of alpn) {
    const len = utf8(p).length;
    if (len < 1 || len > 255) throw badConfig(`invalid ALPN protocol ${JSON.stringify(p)}`);
  }
  const limitSize = options.recordSizeLimit ?? 16385;
  if (limitSize !== 0 && (limitSize < 64 || limitSize > 16385)) throw badConfig('recordSizeLimit must be 64..16385');

  const trust = options.verify ? null : resolveTrustStore(options);
  const at = options.verifyTime;
  const timeOf = (): Date => (at === undefined ? new Date() : typeof at === 'function' ? at() : at);
  const defaultVerify = async (chain: readonly Uint8Array[], name: string): Promise<TrustAnchorInfo> => {
    const roots = await (trust ?? resolveTrustStore(options));
    const { anchor } = await verifyDerChain({ chain: [...chain], serverName: name, at: timeOf(), roots, provider });
    // ConnectionInfo.trustAnchor: the anchor's name, label and date, not its certificate.
    const { der: _der, ...info } = anchor;
    return info;
  };
  const custom = options.verify;
  const verifyChain: ChainVerifier = custom
    ? async (chain, name) => {
        // The anchor is known only if the custom verifier ran the default one.
        let anchor: TrustAnchorInfo | undefined;
        try {
          await custom({
            chain,
            serverName: name,
            defaultVerify: async () => {
              anchor = await defaultVerify(chain, name);
            },
          });
        } catch (e) {
          if (e instanceof TlsError) throw e;
          throw new TlsError('BAD_CERTIFICATE', 'custom verifier refused the certificate', { cause: e });
        }
        return anchor;
      }
    : defaultVerify;

  const early = options.earlyData;
  const limits = options.limits ?? {};
  checkLimits(limits);
  const sessions = options.sessions === false ? null : (options.sessions ?? defaultSessionStore);
  return {
    serverName,
    provider,
    random: options.random ?? systemRandom,
    cipherSuites,
    tls12CipherSuites,
    requireExtendedMasterSecret: options.requireExtendedMasterSecret ?? true,
    groups,
    keyShareGroups: groups.slice(0, Math.max(1, Math.min(shareCount, groups.length))),
    signatureSchemes,
    alpn,
    verifyChain,
    leafPublicKey: spkiOfCertificate,
    earlyData: !!early,
    retryRejectedEarlyData: typeof early === 'object' ? early.retry !== false : true,
    clientCertificate: resolveClientIdentity(options),
    postHandshakeAuth: !!options.postHandshakeAuth,
    middleboxCompat: options.middleboxCompat ?? true,
    recordSizeLimit: limitSize === 0 ? undefined : limitSize,
    padding: options.padding ?? 0,
    maxHandshakeMessage: limits.maxHandshakeMessage ?? 131072,
    maxCertificateChain: limits.maxCertificateChain ?? 10,
    maxPostHandshakePerSecond: limits.maxPostHandshakePerSecond ?? 32,
    keyUpdateAfterRecords: options.keyUpdateAfterRecords ?? 2 ** 24,
    now: Date.now,
    keyLog: options.keyLog,
    trace: options.trace,
    sessions,
    sessionKey: `${serverName.toLowerCase()}:${options.port ?? 443}|${trustPolicyKey(options)}`,
  };
}
