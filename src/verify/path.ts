/**
 * Path building and validation (RFC 5280 §6, with the path discovery of
 * RFC 4158): from the leaf, try every certificate that could have issued
 * the current one (trust anchors first, then the server's extra
 * certificates in any order) until a path reaches an anchor with every
 * check passing. Checks run as each link is added, so a dead branch is
 * abandoned early; the most relevant failure is reported if none succeeds.
 */
import { TlsError } from '../errors.js';
import { type PublicKeyInfo } from '../crypto/keys.js';
import { base64Encode } from '../crypto/pem.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { nobleVerify } from '../crypto/signatures.js';
import { algorithmFitsKey, certSignatureAlgorithm, checkPublicKey } from './algorithms.js';
import { equalBytes } from './bytes.js';
import { parseCertificate, type ParsedCert } from './cert.js';
import { blame, certError, checkIssuer, checkLeaf, type Role } from './checks.js';
import { nameConstraintViolation } from './constraints.js';
import { describeNames, namesMatch, parseReferenceIdentity } from './names.js';
import { certificatesFrom, type CertificateInputs } from '../inputs.js';
import { TrustStore, type RootsInput, type TrustAnchor, type TrustAnchorInfo } from './trust-store.js';

/** The input of verifyServerChain: the server's chain, the name to check and optional policy. */
export interface VerifyServerChainOptions {
  /**
   * The server's certificates, leaf first (RFC 8446 §4.4.2), the rest in any
   * order: PEM text, bytes holding PEM or DER, or a list of those.
   */
  readonly chain: CertificateInputs;
  /** The DNS name or IP literal the client meant to reach. */
  readonly serverName: string;
  /** The time to validate at; defaults to now. */
  readonly at?: Date;
  /**
   * Trust anchors, as the connector's `roots` takes them; defaults to
   * 'mozilla' (the bundled roots, loaded on first use: TrustStore.loadMozilla()).
   */
  readonly roots?: RootsInput;
  /** Signature verifier; defaults to puretls's noble implementation. */
  readonly provider?: Pick<CryptoProvider, 'verify'>;
  /** Most certificates in a path, leaf and anchor included (default 10). */
  readonly maxPathLength?: number;
}

/** A successfully validated path (RFC 5280 §6) from the leaf to a trust anchor. */
export interface VerifiedChain {
  /** The validated path, DER, leaf first and trust anchor last. */
  readonly path: Uint8Array[];
  /** The anchor the path ends at: DER, subject, and its label and distrust-after date if it has them. */
  readonly anchor: TrustAnchorInfo & { readonly der: Uint8Array };
  /** The leaf's SubjectPublicKeyInfo (for CertificateVerify). */
  readonly leafSpki: Uint8Array;
}

/** Default for {@link VerifyServerChainOptions.maxPathLength}: certificates in a path, leaf and anchor included. */
export const DEFAULT_MAX_PATH_LENGTH = 10;
/** Work one verification may spend before giving up (RFC 4158 §5 warns of blow-ups). */
const SIGNATURE_BUDGET = 64;
const STEP_BUDGET = 256;

/**
 * Failure relevance, most relevant last: a certificate nobody issued, a
 * would-be issuer whose signature does not verify, a path cut for length,
 * and a concrete rule broken on an otherwise properly signed link.
 */
const Tier = { NoIssuer: 0, BadSignature: 1, TooLong: 2, Concrete: 3 } as const;
type Tier = (typeof Tier)[keyof typeof Tier];

interface Candidate {
  readonly cert: ParsedCert;
  /** Set when the candidate is a trust anchor. */
  readonly anchor?: TrustAnchor;
}

/**
 * NSS's distrust-after (CKA_NSS_SERVER_DISTRUST_AFTER), applied as Firefox's
 * IsDistrustedCertificateChain does: a path ending at `anchor` is refused
 * when the leaf's notBefore is later than the date (equal still passes).
 */
function distrustError(leaf: ParsedCert, anchor: TrustAnchor): TlsError | null {
  const after = anchor.distrustAfter;
  if (!after || leaf.notBefore.getTime() <= after.getTime()) return null;
  const name = anchor.label ?? anchor.cert.subject.text;
  return certError(
    'CERT_DISTRUSTED_ROOT',
    `${name} is not trusted for certificates issued after ${after.toISOString()}; ` +
      `the leaf's notBefore is ${leaf.notBefore.toISOString()}`,
    anchor.cert,
    'trust anchor',
  );
}

class PathBuilder {
  private best: { error: TlsError; tier: Tier; depth: number } | undefined;
  private signatures = 0;
  private steps = 0;
  private readonly sigCache = new Map<ParsedCert, Map<ParsedCert, TlsError | null>>();

  constructor(
    private readonly pool: readonly ParsedCert[],
    private readonly roots: TrustStore,
    private readonly at: Date,
    private readonly maxLength: number,
    private readonly verify: CryptoProvider['verify'],
  ) {}

  /** Keeps the most relevant failure: higher tier, then longer path, then first seen. */
  private fail(error: TlsError, tier: Tier, depth: number): void {
    const b = this.best;
    if (!b || tier > b.tier || (tier === b.tier && depth > b.depth)) this.best = { error, tier, depth };
  }

  error(leaf: ParsedCert): TlsError {
    return (
      this.best?.error ??
      certError('CERT_UNTRUSTED_ROOT', 'no path to a trusted root', leaf, 'leaf')
    );
  }

  /** Possible issuers of `child`, best first; certificates already on the path are skipped (loops). */
  private candidates(child: ParsedCert, path: readonly ParsedCert[]): Candidate[] {
    const onPath = (c: ParsedCert): boolean =>
      path.some((p) => p.subject.key === c.subject.key && equalBytes(p.spki, c.spki));
    const list: Candidate[] = [];
    for (const a of this.roots.issuersOf(child)) if (!onPath(a.cert)) list.push({ cert: a.cert, anchor: a });
    for (const c of this.pool) {
      if (c.subject.key === child.issuer.key && !onPath(c)) list.push({ cert: c });
    }
    // Key identifiers only order the search (RFC 5280 §4.2.1.1); signatures decide.
    const aki = child.authorityKeyId;
    const t = this.at.getTime();
    const score = (c: Candidate): number =>
      (c.anchor ? 8 : 0) +
      (aki && c.cert.subjectKeyId === aki ? 4 : 0) +
      (aki && c.cert.subjectKeyId !== undefined && c.cert.subjectKeyId !== aki ? 0 : 2) +
      (c.cert.notBefore.getTime() <= t && t <= c.cert.notAfter.getTime() ? 1 : 0);
    return list
      .map((c, i) => ({ c, i, s: score(c) }))
      .sort((x, y) => y.s - x.s || y.c.cert.notBefore.getTime() - x.c.cert.notBefore.getTime() || x.i - y.i)
      .map((x) => x.c);
  }

  /** Verifies `child`'s signature with `issuer`'s key (RFC 5280 §6.1.3 (a)(1)), cached per pair. */
  private async signatureError(child: ParsedCert, childRole: Role, issuer: Candidate): Promise<TlsError | null> {
    let perChild = this.sigCache.get(child);
    if (!perChild) this.sigCache.set(child, (perChild = new Map()));
    const cached = perChild.get(issuer.cert);
    if (cached !== undefined) return cached;
    const issuerRole: Role = issuer.anchor ? 'trust anchor' : 'intermediate';
    let result: TlsError | null = null;
    try {
      const alg = certSignatureAlgorithm(child.sigAlg);
      let key: PublicKeyInfo;
      try {
        key = checkPublicKey(issuer.cert.spki);
      } catch (e) {
        throw blame(e, issuer.cert, issuerRole, 'CERT_UNSUPPORTED_ALGORITHM');
      }
      if (!algorithmFitsKey(alg, key)) {
        result = certError(
          'CERT_BAD_SIGNATURE',
          `signed with ${alg.kind} but the issuer's key is ${key.kind} (issuer: ${issuer.cert.subject.text})`,
          child,
          childRole,
        );
      } else {
        if (++this.signatures > SIGNATURE_BUDGET) {
          throw certError('CERT_CHAIN_TOO_LONG', `gave up building a path after ${SIGNATURE_BUDGET} signature checks`, child, childRole);
        }
        const ok = await this.verify(alg, issuer.cert.spki, child.tbs, child.signature);
        if (!ok) {
          result = certError(
            'CERT_BAD_SIGNATURE',
            `signature does not verify with the key of ${issuer.cert.subject.text}`,
            child,
            childRole,
          );
        }
      }
    } catch (e) {
      if (e instanceof TlsError && e.code === 'CERT_CHAIN_TOO_LONG') throw e;
      result = e instanceof TlsError && e.detail !== undefined ? e : blame(e, child, childRole, 'CERT_BAD_SIGNATURE');
    }
    perChild.set(issuer.cert, result);
    return result;
  }

  /** Depth-first search upward from the last certificate of `path`. */
  async extend(path: ParsedCert[]): Promise<{ path: ParsedCert[]; anchor: TrustAnchor } | null> {
    const child = path[path.length - 1]!;
    const childRole: Role = path.length === 1 ? 'leaf' : 'intermediate';
    const depth = path.length;
    if (++this.steps > STEP_BUDGET) {
      throw certError('CERT_CHAIN_TOO_LONG', `gave up building a path after ${STEP_BUDGET} steps`, child, childRole);
    }
    const candidates = this.candidates(child, path);
    if (candidates.length === 0) {
      this.fail(
        certError(
          'CERT_UNTRUSTED_ROOT',
          `issuer "${child.issuer.text}" is not a trusted root and was not among the server's certificates`,
          child,
          childRole,
        ),
        Tier.NoIssuer,
        depth,
      );
      return null;
    }
    for (const cand of candidates) {
      const role: Role = cand.anchor ? 'trust anchor' : 'intermediate';
      if (depth + 1 > this.maxLength) {
        this.fail(
          certError('CERT_CHAIN_TOO_LONG', `certificate path longer than ${this.maxLength} certificates`, cand.cert, role),
          Tier.TooLong,
          depth,
        );
        continue;
      }
      const sig = await this.signatureError(child, childRole, cand);
      if (sig) {
        const weak = sig.code === 'CERT_BAD_SIGNATURE';
        this.fail(sig, weak ? Tier.BadSignature : Tier.Concrete, depth);
        continue;
      }
      const problem = checkIssuer(cand.cert, role, path, this.at) ?? this.constraintsError(cand.cert, role, path);
      if (problem) {
        this.fail(problem, Tier.Concrete, depth + 1);
        continue;
      }
      if (cand.anchor) {
        // Checked last, per anchor, so that another path (a cross-signed one) can still win.
        const distrust = distrustError(path[0]!, cand.anchor);
        if (distrust) {
          this.fail(distrust, Tier.Concrete, depth + 1);
          continue;
        }
        return { path, anchor: cand.anchor };
      }
      const found = await this.extend([...path, cand.cert]);
      if (found) return found;
    }
    return null;
  }

  /** RFC 5280 §6.1.3 (b)-(c): `issuer`'s name constraints over every certificate below it. */
  private constraintsError(issuer: ParsedCert, role: Role, below: readonly ParsedCert[]): TlsError | null {
    const nc = issuer.nameConstraints;
    if (!nc) return null;
    for (let i = 0; i < below.length; i++) {
      const c = below[i]!;
      // Self-issued intermediates are exempt; the leaf never is.
      if (i > 0 && c.selfIssued) continue;
      const violation = nameConstraintViolation(nc, c);
      if (violation) {
        return certError(
          'CERT_NAME_CONSTRAINTS',
          `${violation}, by the name constraints of ${issuer.subject.text} (${role})`,
          c,
          i === 0 ? 'leaf' : 'intermediate',
        );
      }
    }
    return null;
  }
}

/** Parses chain[i], naming its position when it is too malformed to name by subject. */
function parseAt(chain: readonly Uint8Array[], i: number): ParsedCert {
  try {
    return parseCertificate(chain[i]!);
  } catch (e) {
    if (!(e instanceof TlsError) || e.detail !== undefined) throw e;
    const where = i === 0 ? 'leaf certificate' : `certificate #${i} of the server's chain`;
    throw new TlsError(e.code, e.message, { detail: `${where}: (unreadable)`, cause: e.cause });
  }
}

/**
 * Verifies a TLS server's certificate chain for `serverName`: builds a path
 * to a trust anchor, validates it (RFC 5280 §6) under the web PKI rules, and
 * checks the leaf's identity (RFC 9525). Resolves with the path, or rejects
 * with a TlsError (CERT_* codes) naming the offending certificate in
 * `detail`.
 */
export async function verifyServerChain(options: VerifyServerChainOptions): Promise<VerifiedChain> {
  const chain = certificatesFrom(options.chain, 'chain', 'as-is');
  const given = options.roots;
  const roots = given === undefined || given === 'mozilla' ? await TrustStore.loadMozilla() : TrustStore.from(given);
  return verifyDerChain({ ...options, chain, roots });
}

/**
 * verifyServerChain() for a handshake: the chain is DER exactly as the
 * server sent it (never read as PEM) and the roots are already a store.
 */
export async function verifyDerChain(
  options: Omit<VerifyServerChainOptions, 'chain' | 'roots'> & {
    readonly chain: readonly Uint8Array[];
    readonly roots: TrustStore;
  },
): Promise<VerifiedChain> {
  const { chain, serverName, roots } = options;
  const at = options.at ?? new Date();
  const provider = options.provider;
  const verify: CryptoProvider['verify'] = provider ? (a, k, m, s) => provider.verify(a, k, m, s) : nobleVerify;
  const maxLength = options.maxPathLength ?? DEFAULT_MAX_PATH_LENGTH;

  const ref = parseReferenceIdentity(serverName);
  if (!ref) throw new TlsError('BAD_CONFIG', `"${serverName}" is neither a DNS name nor an IP address`);
  if (chain.length === 0) throw new TlsError('BAD_CERTIFICATE', 'the server sent no certificate');
  if (Number.isNaN(at.getTime())) throw new TlsError('BAD_CONFIG', 'invalid validation time');

  const leaf = parseAt(chain, 0);
  const pinned = roots.has(leaf.der) ? roots.anchor(leaf.der) ?? { der: leaf.der, cert: leaf } : undefined;
  const leafProblem = checkLeaf(leaf, at, pinned !== undefined);
  if (leafProblem) throw leafProblem;

  let path: ParsedCert[];
  let anchor: TrustAnchor;
  if (pinned) {
    // The user trusted this very certificate: there is nothing above it to check.
    const distrust = distrustError(leaf, pinned);
    if (distrust) throw distrust;
    path = [];
    anchor = pinned;
  } else {
    // Duplicates and copies of anchors add nothing to the search.
    const seen = new Set<string>();
    const pool: ParsedCert[] = [];
    for (const der of chain.slice(1)) {
      const id = base64Encode(der);
      if (seen.has(id) || roots.has(der) || equalBytes(der, leaf.der)) continue;
      seen.add(id);
      pool.push(parseAt(chain, chain.indexOf(der)));
    }
    const builder = new PathBuilder(pool, roots, at, maxLength, verify);
    const found = await builder.extend([leaf]);
    if (!found) throw builder.error(leaf);
    ({ path, anchor } = found);
  }

  if (!namesMatch(leaf.subjectAltNames, ref)) {
    throw certError(
      'CERT_NAME_MISMATCH',
      `certificate is not valid for "${serverName}"; it is valid for ${describeNames(leaf.subjectAltNames)}`,
      leaf,
      'leaf',
    );
  }
  return {
    path: [...path.map((c) => c.der), anchor.der],
    anchor: {
      der: anchor.der,
      subject: anchor.cert.subject.text,
      ...(anchor.label !== undefined ? { label: anchor.label } : {}),
      ...(anchor.distrustAfter !== undefined ? { distrustAfter: anchor.distrustAfter } : {}),
    },
    leafSpki: leaf.spki,
  };
}
