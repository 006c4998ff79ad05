/**
 * The TLS 1.2 key derivation, RFC 5246 §5 and §8.1, with the extended master
 * secret of RFC 7627 §4 and the exporter of RFC 5705 §4, as pure functions.
 */
import { concat, utf8, Writer } from '../codec.js';
import type { HashFunction } from '../crypto/provider.js';

/** RFC 5246 §5: P_hash(secret, seed), the first `length` bytes. */
function pHash(hash: HashFunction, secret: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed; // A(0)
  for (let at = 0; at < length; ) {
    a = hash.hmac(secret, a); // A(i) = HMAC(secret, A(i-1))
    const block = hash.hmac(secret, concat(a, seed));
    out.set(block.subarray(0, Math.min(block.length, length - at)), at);
    at += block.length;
  }
  return out;
}

/** RFC 5246 §5: PRF(secret, label, seed) = P_<hash>(secret, label + seed). */
export function prf12(hash: HashFunction, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  return pHash(hash, secret, concat(utf8(label), seed), length);
}

/** RFC 5246 §8.1: master_secret = PRF(pre_master_secret, "master secret", client_random + server_random)[0..47]. */
export function masterSecret12(
  hash: HashFunction,
  preMaster: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Uint8Array {
  return prf12(hash, preMaster, 'master secret', concat(clientRandom, serverRandom), 48);
}

/** RFC 7627 §4: master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47]. */
export function extendedMasterSecret(hash: HashFunction, preMaster: Uint8Array, sessionHash: Uint8Array): Uint8Array {
  return prf12(hash, preMaster, 'extended master secret', sessionHash, 48);
}

/** The AEAD keys and fixed IVs of both directions (RFC 5246 §6.3; no MAC keys for AEAD suites). */
export interface KeyBlock12 {
  clientKey: Uint8Array;
  serverKey: Uint8Array;
  clientIv: Uint8Array;
  serverIv: Uint8Array;
}

/** RFC 5246 §6.3: key_block = PRF(master_secret, "key expansion", server_random + client_random). */
export function keyBlock12(
  hash: HashFunction,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  keyLength: number,
  ivLength: number,
): KeyBlock12 {
  const block = prf12(hash, master, 'key expansion', concat(serverRandom, clientRandom), 2 * (keyLength + ivLength));
  let at = 0;
  const take = (n: number) => block.slice(at, (at += n));
  return { clientKey: take(keyLength), serverKey: take(keyLength), clientIv: take(ivLength), serverIv: take(ivLength) };
}

/** RFC 5246 §7.4.9: verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]. */
export function finishedVerifyData12(
  hash: HashFunction,
  master: Uint8Array,
  side: 'client' | 'server',
  transcriptHash: Uint8Array,
): Uint8Array {
  return prf12(hash, master, `${side} finished`, transcriptHash, 12);
}

/**
 * RFC 5705 §4: PRF(master_secret, label, client_random + server_random
 * [+ context_length + context]). An absent context differs from an empty one.
 */
export function exportKeyingMaterial12(
  hash: HashFunction,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  label: string,
  context: Uint8Array | null,
  length: number,
): Uint8Array {
  const w = new Writer(64 + (context?.length ?? 0)).bytes(clientRandom).bytes(serverRandom);
  if (context) w.opaque(2, context);
  return prf12(hash, master, label, w.finish(), length);
}
