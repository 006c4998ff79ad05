/**
 * puretls: a pure-TypeScript TLS 1.3 and 1.2 client shaped like wasi:tls's `client`.
 */
export { Connector } from './connector.js';
export type { TlsConnection } from './connection.js';
export { connectStreams, type ByteStreamTransport, type StreamsConnectOptions } from './streams.js';
export { missingRuntimeFeatures } from './runtime.js';
export type { ConnectorOptions, CertificateInput, VerifyContext, Limits } from './options.js';
export { TlsError, ErrorCodes, AlertDescription, type ErrorCode, type AlertName } from './errors.js';
export type { ConnectionInfo, TlsVersion } from './handshake/client.js';
export { ClientConnection, type ClientConfig, type ClientSink } from './handshake/client.js';
export { clientConfig } from './core.js';
export type { CipherSuiteName, SignatureSchemeName, Tls12CipherSuiteName, Tls13CipherSuiteName } from './handshake/constants.js';
export { MemorySessionStore, type SessionStore, type StoredSession, type StoredSession12, type StoredSession13 } from './handshake/session.js';
export type { CryptoProvider, GroupName, RandomSource } from './crypto/provider.js';
export { nobleProvider, selectProvider, type ProviderChoice } from './crypto/index.js';
export { webcryptoProvider } from './crypto/webcrypto.js';
export { webcryptoSupport } from './crypto/webcrypto-probes.js';
// Registers 'node' where node:crypto exists; 'auto' then picks it. The browser build leaves it out.
import './crypto/node.js';
export { verifyServerChain, TrustStore } from './verify/index.js';
export type { MozillaRootsModule, RootEntry, TrustAnchorInfo, TrustAnchorInput, VerifiedChain } from './verify/index.js';
