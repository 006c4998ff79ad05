/**
 * What the client core is configured with and what it reports: the types
 * shared by the connection (conn.ts) and both handshakes (tls13.ts, tls12.ts).
 */
import type { CryptoProvider, GroupName, RandomSource } from '../crypto/provider.js';
import type {
  CipherSuite,
  CipherSuiteName,
  SignatureScheme,
  SignatureSchemeName,
  Tls12CipherSuite,
} from './constants.js';
import type { TrustAnchorInfo } from '../verify/trust-store.js';
import type { ClientHello } from './messages.js';
import type { StoredSession } from './session.js';

/** The protocol version a connection negotiated, named as Node names it. */
export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/** What the application learns once the handshake is done. */
export interface ConnectionInfo {
  readonly version: TlsVersion;
  readonly cipherSuite: CipherSuiteName;
  /** The key exchange group (IANA name); for a resumed TLS 1.2 session, the group of its full handshake. */
  readonly group: GroupName;
  /** The server's CertificateVerify (TLS 1.3) or ServerKeyExchange (TLS 1.2) scheme; null when resumed (no certificate). */
  readonly signatureScheme: SignatureSchemeName | null;
  readonly serverName: string;
  /** The ALPN protocol the server chose, or null. */
  readonly alpn: string | null;
  /** The server's certificates, DER, leaf first (empty when resumed). */
  readonly peerCertificates: readonly Uint8Array[];
  readonly resumed: boolean;
  readonly helloRetryRequest: boolean;
  readonly earlyDataAccepted: boolean;
  /** Whether we sent a client certificate. */
  readonly clientCertificateSent: boolean;
  /** The trust anchor puretls's verifier ended the server's chain at (absent when resumed or when a custom `verify` did not run the default). */
  readonly trustAnchor?: TrustAnchorInfo;
  /** TLS 1.2: whether RFC 7627's extended master secret is in use. Always true in TLS 1.3, whose key schedule binds the transcript. */
  readonly extendedMasterSecret: boolean;
}

/** Where the core's output goes. Implementations must not throw. */
export interface ClientSink {
  /**
   * Bytes for the network, in order. `more` says another record usually
   * follows at once (change_cipher_spec before Finished): a sink may hold
   * these bytes briefly (until its next send, or the end of the tick) to
   * send both in one piece.
   */
  send(data: Uint8Array, more?: boolean): void;
  /**
   * Optional: memory for a batch of `length` bytes of records the core is
   * about to seal and hand to send(), or undefined for a fresh allocation.
   * It need not be zeroed (every byte is written before send()), and the
   * sink may reuse it once the network took what send() was given.
   */
  allocate?(length: number): Uint8Array | undefined;
  /** Decrypted application data. */
  data(data: Uint8Array): void;
  handshakeComplete(info: ConnectionInfo): void;
  /** The server sent close_notify: no more data will arrive. */
  peerClosed(): void;
  /** A session to resume later: a TLS 1.3 NewSessionTicket (RFC 8446 §4.6.1) or a TLS 1.2 session (RFC 5077, RFC 5246 §7.4.1.2). */
  ticket?(session: StoredSession): void;
}

/** A client certificate chain and its private key for client authentication (RFC 8446 §4.4.2), with the schemes the key can sign. */
export interface ClientCertificateIdentity {
  /** DER certificates, leaf first. */
  readonly chain: readonly Uint8Array[];
  /** DER PKCS#8 private key. */
  readonly key: Uint8Array;
  /** Schemes this key can sign with in TLS 1.3, in preference order. */
  readonly schemes: readonly SignatureScheme[];
  /** Schemes this key can sign with in TLS 1.2 (adds rsa_pkcs1_* for RSA keys); defaults to `schemes`. */
  readonly schemes12?: readonly SignatureScheme[];
}

/** Chain verification: resolves (with the anchor, when known) or throws a TlsError (CERT_* codes). */
export type ChainVerifier = (chain: readonly Uint8Array[], serverName: string) => Promise<TrustAnchorInfo | void>;

/** Everything the client core needs for one connection, fully resolved (options.ts builds it from ConnectorOptions). */
export interface ClientConfig {
  /** The name to verify and, unless an IP literal, to send as SNI. */
  readonly serverName: string;
  readonly provider: CryptoProvider;
  readonly random: RandomSource;
  /** TLS 1.3 suites; empty means TLS 1.3 is not offered. */
  readonly cipherSuites: readonly CipherSuite[];
  /** TLS 1.2 suites, offered after the TLS 1.3 ones; absent or empty means TLS 1.2 is not offered. */
  readonly tls12CipherSuites?: readonly Tls12CipherSuite[] | undefined;
  /** RFC 7627: refuse a full TLS 1.2 handshake without extended master secret (default true). */
  readonly requireExtendedMasterSecret?: boolean | undefined;
  /** supported_groups, in preference order. */
  readonly groups: readonly GroupName[];
  /** Groups to send key shares for in the first ClientHello. */
  readonly keyShareGroups: readonly GroupName[];
  readonly signatureSchemes: readonly SignatureScheme[];
  readonly alpn: readonly string[];
  readonly verifyChain: ChainVerifier;
  /** Returns the leaf's SubjectPublicKeyInfo (DER) to check CertificateVerify. */
  readonly leafPublicKey: (leafDer: Uint8Array) => Uint8Array;
  readonly session?: StoredSession | undefined;
  /** Send early data when the ticket allows it (RFC 8446 §4.2.10). */
  readonly earlyData: boolean;
  /** Resend rejected early data after the handshake (default true). */
  readonly retryRejectedEarlyData: boolean;
  readonly clientCertificate?: ClientCertificateIdentity | undefined;
  readonly postHandshakeAuth: boolean;
  /** RFC 8446 Appendix D.4. */
  readonly middleboxCompat: boolean;
  /** RFC 8449 limit we advertise, 64..16385; undefined sends none. */
  readonly recordSizeLimit?: number | undefined;
  /** Pad every TLS 1.3 record we send to a multiple of this many bytes (0: none). */
  readonly padding: number;
  readonly maxHandshakeMessage: number;
  readonly maxCertificateChain: number;
  /** Most post-handshake messages (tickets, KeyUpdates, HelloRequests) accepted per second. */
  readonly maxPostHandshakePerSecond: number;
  /** Records sealed under one key before we update it (RFC 8446 §5.5). */
  readonly keyUpdateAfterRecords: number;
  readonly now: () => number;
  /** SSLKEYLOGFILE lines; only called when the caller asked for a key log. */
  readonly keyLog?: ((line: string) => void) | undefined;
  /** Every handshake message and derived value, for --trace and vectors. */
  readonly trace?: ((label: string, value: Uint8Array) => void) | undefined;
  /** Lets trace reproductions shape the first ClientHello (test use). */
  readonly customizeClientHello?: ((hello: ClientHello) => void) | undefined;
}
