/**
 * X.509 certificate verification for TLS servers: RFC 5280 path building
 * and validation under the web PKI profile, RFC 9525 server identity, and
 * trust stores (docs/verify.md describes the policy).
 */
export { verifyServerChain, verifyDerChain, DEFAULT_MAX_PATH_LENGTH } from './path.js';
export type { VerifyServerChainOptions, VerifiedChain } from './path.js';
export { TrustStore } from './trust-store.js';
export type { MozillaRootsModule, RootsInput, TrustAnchor, TrustAnchorInfo, TrustAnchorInput } from './trust-store.js';
export type { CertificateInput, CertificateInputs } from '../inputs.js';
export { spkiOfCertificate } from './cert.js';
export { matchServerName } from './names.js';
// The roots themselves (MOZILLA_ROOTS, _SOURCE, _ORIGIN) are puretls/roots/mozilla:
// importing them here would put them in every bundle (TrustStore.loadMozilla).
export type { RootEntry } from './mozilla-roots.js';
