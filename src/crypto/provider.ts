/**
 * The one interface the engine calls for cryptography.
 *
 * Hashing, HMAC and HKDF are synchronous everywhere (the transcript hash is
 * incremental and WebCrypto has no streaming digest); AEAD, key exchange and
 * signatures may be asynchronous so that a WebCrypto provider fits.
 */

/** A value or a promise of it, so that a provider may be synchronous or asynchronous. */
export type MaybePromise<T> = T | Promise<T>;

/** The hash functions of TLS 1.3 cipher suites and signature schemes. */
export type HashName = 'SHA-256' | 'SHA-384' | 'SHA-512';

/** An incremental hash (transcript hash, RFC 8446 §4.4.1). */
export interface HashState {
  update(data: Uint8Array): HashState;
  /** Digest of everything so far; the state stays usable. */
  peek(): Uint8Array;
  /** An independent copy (post-handshake authentication forks the transcript). */
  clone(): HashState;
}

/** A hash function: one-shot digest, incremental state and HMAC (RFC 2104), all synchronous. */
export interface HashFunction {
  readonly name: HashName;
  readonly outputLen: number;
  digest(data: Uint8Array): Uint8Array;
  create(): HashState;
  hmac(key: Uint8Array, data: Uint8Array): Uint8Array;
}

/** The AEAD algorithms of the TLS 1.3 cipher suites (RFC 8446 §B.4). */
export type AeadName = 'AES-128-GCM' | 'AES-256-GCM' | 'CHACHA20-POLY1305';

/** A keyed AEAD. `open` returns null when authentication fails. */
export interface AeadKey {
  readonly tagLength: number;
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): MaybePromise<Uint8Array>;
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): MaybePromise<Uint8Array | null>;
  /**
   * Optional, synchronous: seals the concatenation of `parts` straight into
   * `out` at `at` (ciphertext, then tag), so the record layer needs neither
   * a plaintext copy nor an intermediate ciphertext (the bulk upload path).
   */
  sealInto?(nonce: Uint8Array, aad: Uint8Array, parts: readonly Uint8Array[], out: Uint8Array, at: number): void;
}

/** IANA TLS NamedGroup names (RFC 8446 §4.2.7, draft-ietf-tls-ecdhe-mlkem). */
export type GroupName = 'x25519' | 'secp256r1' | 'secp384r1' | 'secp521r1' | 'X25519MLKEM768';

/** Our half of a key exchange for one group. */
export interface KeyShare {
  readonly group: GroupName;
  /** The key_exchange bytes we send (RFC 8446 §4.2.8). */
  readonly publicKey: Uint8Array;
  /**
   * Shared secret from the server's key_exchange; throws TlsError
   * ILLEGAL_PARAMETER for an invalid point or an all-zero x25519 result.
   */
  agree(peerPublic: Uint8Array): MaybePromise<Uint8Array>;
}

/** A signature algorithm at the primitive level (certificates and TLS). */
export type SignatureAlgorithm =
  | { kind: 'ecdsa'; hash: HashName }
  | { kind: 'ed25519' }
  | { kind: 'rsa-pss'; hash: HashName; saltLength: number }
  | { kind: 'rsa-pkcs1'; hash: HashName };

/** A source of random bytes; tests replace it to make a handshake reproducible. */
export type RandomSource = (length: number) => Uint8Array;

/** Every cryptographic primitive the engine uses: hashes, AEAD, key exchange, signatures. */
export interface CryptoProvider {
  readonly name: string;
  hash(name: HashName): HashFunction;
  aead(name: AeadName, key: Uint8Array): MaybePromise<AeadKey>;
  /** Generates a key share; private key material is drawn from `random`. */
  generateKeyShare(group: GroupName, random: RandomSource): MaybePromise<KeyShare>;
  /**
   * Verifies `signature` over `message` with the key in `spki`
   * (a DER SubjectPublicKeyInfo). Returns false on a bad signature;
   * throws TlsError for an unsupported or malformed key.
   */
  verify(
    alg: SignatureAlgorithm,
    spki: Uint8Array,
    message: Uint8Array,
    signature: Uint8Array,
  ): MaybePromise<boolean>;
  /** Signs with a DER PKCS#8 private key (client authentication). */
  sign(alg: SignatureAlgorithm, pkcs8: Uint8Array, message: Uint8Array): MaybePromise<Uint8Array>;
}

/** Default random source: the platform CSPRNG. */
export const systemRandom: RandomSource = (length) => {
  const out = new Uint8Array(length);
  // getRandomValues is limited to 65536 bytes per call.
  for (let i = 0; i < length; i += 65536) {
    globalThis.crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65536)));
  }
  return out;
};
