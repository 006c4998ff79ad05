/**
 * The client core's public face: the connection (conn.ts) and the types it
 * is configured with and reports (config.ts).
 */
export { ClientConnection } from './conn.js';
export type { ChainVerifier, ClientCertificateIdentity, ClientConfig, ClientSink, ConnectionInfo, TlsVersion } from './config.js';
export { handshakeName, isIpLiteral } from './client-hello.js';
export { checkSchemeMatchesKey } from './checks.js';
