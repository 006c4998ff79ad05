/** Code points from the IANA TLS registries used by RFC 8446. */
import type { AeadName, GroupName, HashName, SignatureAlgorithm } from '../crypto/provider.js';

/** RFC 8446 §5.1 ContentType. */
export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
} as const;

/** RFC 8446 §4 HandshakeType, with the TLS 1.2 messages of RFC 5246 §7.4. */
export const HandshakeType = {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
  key_update: 24,
  message_hash: 254,
} as const;

/** RFC 8446 §4.2 ExtensionType (and RFC 7301, RFC 8449; RFC 8422, 7627, 5077, 5746 for TLS 1.2). */
export const ExtensionType = {
  server_name: 0,
  max_fragment_length: 1,
  status_request: 5,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  use_srtp: 14,
  heartbeat: 15,
  application_layer_protocol_negotiation: 16,
  signed_certificate_timestamp: 18,
  client_certificate_type: 19,
  server_certificate_type: 20,
  padding: 21,
  encrypt_then_mac: 22,
  extended_master_secret: 23,
  record_size_limit: 28,
  session_ticket: 35,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  oid_filters: 48,
  post_handshake_auth: 49,
  signature_algorithms_cert: 50,
  key_share: 51,
  renegotiation_info: 0xff01,
} as const;

/** ProtocolVersion 0x0304, TLS 1.3, as offered in supported_versions (RFC 8446 §4.2.1). */
export const TLS13 = 0x0304;
/** ProtocolVersion 0x0303, TLS 1.2: the legacy_version a TLS 1.3 ClientHello carries (RFC 8446 §4.1.2). */
export const TLS12 = 0x0303;

/** A TLS 1.3 cipher suite: code point, AEAD, key length and HKDF hash (RFC 8446 §B.4). */
export interface CipherSuite {
  readonly name: Tls13CipherSuiteName;
  readonly code: number;
  readonly aead: AeadName;
  readonly keyLength: number;
  readonly hash: HashName;
}

/** IANA names of the TLS 1.3 cipher suites puretls implements. */
export type Tls13CipherSuiteName =
  | 'TLS_AES_128_GCM_SHA256'
  | 'TLS_AES_256_GCM_SHA384'
  | 'TLS_CHACHA20_POLY1305_SHA256';

/** IANA names of the TLS 1.2 cipher suites puretls implements: ECDHE with AEAD only. */
export type Tls12CipherSuiteName =
  | 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'
  | 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'
  | 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'
  | 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'
  | 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'
  | 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256';

/** IANA name of any cipher suite puretls implements, TLS 1.3 or TLS 1.2. */
export type CipherSuiteName = Tls13CipherSuiteName | Tls12CipherSuiteName;

/** RFC 8446 §B.4. */
export const CIPHER_SUITES: readonly CipherSuite[] = [
  { name: 'TLS_AES_128_GCM_SHA256', code: 0x1301, aead: 'AES-128-GCM', keyLength: 16, hash: 'SHA-256' },
  { name: 'TLS_AES_256_GCM_SHA384', code: 0x1302, aead: 'AES-256-GCM', keyLength: 32, hash: 'SHA-384' },
  { name: 'TLS_CHACHA20_POLY1305_SHA256', code: 0x1303, aead: 'CHACHA20-POLY1305', keyLength: 32, hash: 'SHA-256' },
];

/**
 * A TLS 1.2 ECDHE cipher suite: code point, the certificate key it needs, the
 * AEAD, key length, IV lengths and PRF hash (RFC 5289, RFC 7905, RFC 5288 §3).
 */
export interface Tls12CipherSuite {
  readonly name: Tls12CipherSuiteName;
  readonly code: number;
  /** The server certificate's key type that the suite's signature needs (RFC 8422 §2). */
  readonly auth: 'ECDSA' | 'RSA';
  readonly aead: AeadName;
  readonly keyLength: number;
  /** client/server_write_IV length from the key block: the GCM salt (4) or ChaCha20's nonce (12). */
  readonly fixedIvLength: 4 | 12;
  /** Bytes of explicit nonce sent in each record: 8 for GCM (RFC 5288 §3), 0 for ChaCha20 (RFC 7905 §2). */
  readonly explicitNonceLength: 8 | 0;
  /** The PRF hash (RFC 5246 §5, RFC 5289 §3). */
  readonly hash: HashName;
}

const gcm12 = (name: Tls12CipherSuiteName, code: number, auth: 'ECDSA' | 'RSA', bits: 128 | 256): Tls12CipherSuite => ({
  name,
  code,
  auth,
  aead: bits === 128 ? 'AES-128-GCM' : 'AES-256-GCM',
  keyLength: bits / 8,
  fixedIvLength: 4,
  explicitNonceLength: 8,
  hash: bits === 128 ? 'SHA-256' : 'SHA-384',
});
const chacha12 = (name: Tls12CipherSuiteName, code: number, auth: 'ECDSA' | 'RSA'): Tls12CipherSuite => ({
  name,
  code,
  auth,
  aead: 'CHACHA20-POLY1305',
  keyLength: 32,
  fixedIvLength: 12,
  explicitNonceLength: 0,
  hash: 'SHA-256',
});

/** The TLS 1.2 suites puretls offers, in its default order (RFC 5289 §3.2, RFC 7905 §2). */
export const TLS12_CIPHER_SUITES: readonly Tls12CipherSuite[] = [
  gcm12('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 0xc02b, 'ECDSA', 128),
  gcm12('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 0xc02c, 'ECDSA', 256),
  chacha12('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 0xcca9, 'ECDSA'),
  gcm12('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 0xc02f, 'RSA', 128),
  gcm12('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 0xc030, 'RSA', 256),
  chacha12('TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 0xcca8, 'RSA'),
];

/** RFC 8446 §4.2.7 NamedGroup, plus the hybrid group (0x11EC). */
export const GROUPS: Readonly<Record<GroupName, number>> = {
  secp256r1: 0x0017,
  secp384r1: 0x0018,
  secp521r1: 0x0019,
  x25519: 0x001d,
  X25519MLKEM768: 0x11ec,
};

/** IANA names of the signature schemes puretls implements (RFC 8446 §4.2.3). */
export type SignatureSchemeName =
  | 'ecdsa_secp256r1_sha256'
  | 'ecdsa_secp384r1_sha384'
  | 'ecdsa_secp521r1_sha512'
  | 'ed25519'
  | 'rsa_pss_rsae_sha256'
  | 'rsa_pss_rsae_sha384'
  | 'rsa_pss_rsae_sha512'
  | 'rsa_pss_pss_sha256'
  | 'rsa_pss_pss_sha384'
  | 'rsa_pss_pss_sha512'
  | 'rsa_pkcs1_sha256'
  | 'rsa_pkcs1_sha384'
  | 'rsa_pkcs1_sha512';

/** A signature scheme: code point, primitive algorithm and the key it requires (RFC 8446 §4.2.3). */
export interface SignatureScheme {
  readonly name: SignatureSchemeName;
  readonly code: number;
  readonly alg: SignatureAlgorithm;
  /** For ECDSA in TLS 1.3 the curve is bound to the scheme (RFC 8446 §4.2.3). */
  readonly curve?: 'P-256' | 'P-384' | 'P-521';
  /** rsa_pkcs1_* are for certificates only in TLS 1.3 (RFC 8446 §4.2.3). */
  readonly certOnly?: boolean;
  /** The key type in the SPKI: rsaEncryption or id-RSASSA-PSS. */
  readonly rsaKey?: 'rsae' | 'pss';
}

const pss = (hash: HashName, saltLength: number) => ({ kind: 'rsa-pss' as const, hash, saltLength });

/** RFC 8446 §4.2.3 SignatureScheme (in TLS 1.2 the same code points name hash and signature, RFC 5246 §7.4.1.4.1). */
export const SIGNATURE_SCHEMES: readonly SignatureScheme[] = [
  { name: 'ecdsa_secp256r1_sha256', code: 0x0403, alg: { kind: 'ecdsa', hash: 'SHA-256' }, curve: 'P-256' },
  { name: 'ecdsa_secp384r1_sha384', code: 0x0503, alg: { kind: 'ecdsa', hash: 'SHA-384' }, curve: 'P-384' },
  { name: 'ecdsa_secp521r1_sha512', code: 0x0603, alg: { kind: 'ecdsa', hash: 'SHA-512' }, curve: 'P-521' },
  { name: 'ed25519', code: 0x0807, alg: { kind: 'ed25519' } },
  { name: 'rsa_pss_rsae_sha256', code: 0x0804, alg: pss('SHA-256', 32), rsaKey: 'rsae' },
  { name: 'rsa_pss_rsae_sha384', code: 0x0805, alg: pss('SHA-384', 48), rsaKey: 'rsae' },
  { name: 'rsa_pss_rsae_sha512', code: 0x0806, alg: pss('SHA-512', 64), rsaKey: 'rsae' },
  { name: 'rsa_pss_pss_sha256', code: 0x0809, alg: pss('SHA-256', 32), rsaKey: 'pss' },
  { name: 'rsa_pss_pss_sha384', code: 0x080a, alg: pss('SHA-384', 48), rsaKey: 'pss' },
  { name: 'rsa_pss_pss_sha512', code: 0x080b, alg: pss('SHA-512', 64), rsaKey: 'pss' },
  { name: 'rsa_pkcs1_sha256', code: 0x0401, alg: { kind: 'rsa-pkcs1', hash: 'SHA-256' }, certOnly: true, rsaKey: 'rsae' },
  { name: 'rsa_pkcs1_sha384', code: 0x0501, alg: { kind: 'rsa-pkcs1', hash: 'SHA-384' }, certOnly: true, rsaKey: 'rsae' },
  { name: 'rsa_pkcs1_sha512', code: 0x0601, alg: { kind: 'rsa-pkcs1', hash: 'SHA-512' }, certOnly: true, rsaKey: 'rsae' },
];

/** The signature scheme with this code point, or undefined if not implemented. */
export const schemeByCode = (code: number): SignatureScheme | undefined =>
  SIGNATURE_SCHEMES.find((s) => s.code === code);
/** The cipher suite with this code point, or undefined if not implemented. */
export const suiteByCode = (code: number): CipherSuite | undefined =>
  CIPHER_SUITES.find((s) => s.code === code);
/** The named group with this code point, or undefined if not implemented. */
export const groupByCode = (code: number): GroupName | undefined =>
  (Object.keys(GROUPS) as GroupName[]).find((g) => GROUPS[g] === code);

/**
 * RFC 8446 §4.1.3: the last 8 bytes of ServerHello.random when a TLS 1.3
 * server negotiates TLS 1.2 ("DOWNGRD\x01") or below ("DOWNGRD\x00").
 */
export const DOWNGRADE_TLS12 = Uint8Array.of(0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01);
/** RFC 8446 §4.1.3: "DOWNGRD\x00", the ServerHello.random suffix for TLS 1.1 or below. */
export const DOWNGRADE_TLS11 = Uint8Array.of(0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00);

/** RFC 8446 §4.1.3: ServerHello.random of a HelloRetryRequest, SHA-256("HelloRetryRequest"). */
export const HRR_RANDOM = Uint8Array.of(
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
);
