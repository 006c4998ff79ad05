/**
 * The TLS 1.3 key schedule, RFC 8446 §7.1, as pure functions of their inputs.
 */
import { utf8, Writer } from '../codec.js';
import type { HashFunction } from '../crypto/provider.js';

/** RFC 5869 §2.2. */
export function hkdfExtract(hash: HashFunction, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hash.hmac(salt.length ? salt : new Uint8Array(hash.outputLen), ikm);
}

/** RFC 5869 §2.3. */
export function hkdfExpand(hash: HashFunction, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const n = Math.ceil(length / hash.outputLen);
  if (n > 255) throw new RangeError('HKDF-Expand length too large');
  const out = new Uint8Array(n * hash.outputLen);
  let prev = new Uint8Array(0);
  for (let i = 1; i <= n; i++) {
    const input = new Uint8Array(prev.length + info.length + 1);
    input.set(prev, 0);
    input.set(info, prev.length);
    input[input.length - 1] = i;
    prev = new Uint8Array(hash.hmac(prk, input));
    out.set(prev, (i - 1) * hash.outputLen);
  }
  return out.subarray(0, length);
}

const labelCache = new Map<string, Uint8Array>();
function tlsLabel(label: string): Uint8Array {
  let l = labelCache.get(label);
  if (!l) {
    l = utf8('tls13 ' + label);
    // Bounded: exporter labels come from the caller.
    if (labelCache.size < 64) labelCache.set(label, l);
  }
  return l;
}

/** RFC 8446 §7.1 HKDF-Expand-Label. */
export function hkdfExpandLabel(
  hash: HashFunction,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const info = new Writer(10 + label.length + context.length)
    .u16(length)
    .opaque(1, tlsLabel(label))
    .opaque(1, context)
    .finish();
  return hkdfExpand(hash, secret, info, length);
}

/** RFC 8446 §7.1 Derive-Secret, given the transcript hash already computed. */
export function deriveSecret(
  hash: HashFunction,
  secret: Uint8Array,
  label: string,
  transcriptHash: Uint8Array,
): Uint8Array {
  return hkdfExpandLabel(hash, secret, label, transcriptHash, hash.outputLen);
}

const emptyHashCache = new Map<HashFunction, Uint8Array>();
/** Transcript-Hash("") used by the "derived" and binder labels. */
export function emptyHash(hash: HashFunction): Uint8Array {
  let h = emptyHashCache.get(hash);
  if (!h) {
    h = hash.digest(new Uint8Array(0));
    emptyHashCache.set(hash, h);
  }
  return h;
}

/** Early Secret = HKDF-Extract(0, PSK or 0). */
export function earlySecret(hash: HashFunction, psk?: Uint8Array): Uint8Array {
  return hkdfExtract(hash, new Uint8Array(hash.outputLen), psk ?? new Uint8Array(hash.outputLen));
}

/** Handshake Secret = HKDF-Extract(Derive-Secret(early, "derived", ""), (EC)DHE). */
export function handshakeSecret(hash: HashFunction, early: Uint8Array, shared: Uint8Array): Uint8Array {
  return hkdfExtract(hash, deriveSecret(hash, early, 'derived', emptyHash(hash)), shared);
}

/** Master Secret = HKDF-Extract(Derive-Secret(hs, "derived", ""), 0). */
export function masterSecret(hash: HashFunction, hs: Uint8Array): Uint8Array {
  return hkdfExtract(hash, deriveSecret(hash, hs, 'derived', emptyHash(hash)), new Uint8Array(hash.outputLen));
}

/** RFC 8446 §7.3: write key and IV from a traffic secret. */
export function trafficKeys(
  hash: HashFunction,
  secret: Uint8Array,
  keyLength: number,
): { key: Uint8Array; iv: Uint8Array } {
  return {
    key: hkdfExpandLabel(hash, secret, 'key', new Uint8Array(0), keyLength),
    iv: hkdfExpandLabel(hash, secret, 'iv', new Uint8Array(0), 12),
  };
}

/** RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash). */
export function finishedVerifyData(hash: HashFunction, baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
  const finishedKey = hkdfExpandLabel(hash, baseKey, 'finished', new Uint8Array(0), hash.outputLen);
  return hash.hmac(finishedKey, transcriptHash);
}

/** RFC 8446 §7.2: application_traffic_secret_N+1. */
export function nextTrafficSecret(hash: HashFunction, secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(hash, secret, 'traffic upd', new Uint8Array(0), hash.outputLen);
}

/** RFC 8446 §4.6.1: the PSK of a ticket. */
export function resumptionPsk(hash: HashFunction, resumptionMaster: Uint8Array, nonce: Uint8Array): Uint8Array {
  return hkdfExpandLabel(hash, resumptionMaster, 'resumption', nonce, hash.outputLen);
}

/** RFC 8446 §7.5 TLS-Exporter. */
export function exportKeyingMaterial(
  hash: HashFunction,
  exporterMaster: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const secret = deriveSecret(hash, exporterMaster, label, emptyHash(hash));
  return hkdfExpandLabel(hash, secret, 'exporter', hash.digest(context), length);
}
