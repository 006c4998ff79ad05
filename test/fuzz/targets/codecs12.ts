/**
 * TLS 1.2 codec fuzz targets, in codecs.ts's style: the messages12.ts
 * decoders (round trip, random and mutated bytes refused only with decode
 * codes), RecordProtection12.open (against the test peer's own PeerKeys12,
 * any mutation refused), and the PRF (RFC 5246 §5) against node:crypto's
 * HMAC, with every derivation in prf.ts built on it.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { concat, utf8, Writer } from '../../../src/codec.js';
import { nobleProvider } from '../../../src/crypto/noble.js';
import type { HashName } from '../../../src/crypto/provider.js';
import { TlsError } from '../../../src/errors.js';
import { decodeFinished, encodeFinished } from '../../../src/handshake/messages.js';
import {
  decodeCertificate12,
  decodeCertificateRequest12,
  decodeClientKeyExchange,
  decodeNewSessionTicket12,
  decodeServerKeyExchange,
  encodeCertificate12,
  encodeCertificateRequest12,
  encodeClientKeyExchange,
  encodeNewSessionTicket12,
  encodeServerKeyExchange,
} from '../../../src/handshake/messages12.js';
import {
  exportKeyingMaterial12,
  extendedMasterSecret,
  finishedVerifyData12,
  keyBlock12,
  masterSecret12,
  prf12,
} from '../../../src/handshake/prf.js';
import { RecordProtection12 } from '../../../src/record/protection12.js';
import { PeerKeys12 } from '../../peers/scripted-server12.js';
import { decodesOrRefuses, mutate, mutations, type MutationOp, type Target } from '../harness.js';
import { body, bytes, codecTarget, same, u16, u32, type Input } from './codecs.js';

// --- messages12.ts ---

const messageCodecs12 = [
  codecTarget({
    name: 'msg12-server-key-exchange',
    value: () => fc.record({ group: u16(), publicKey: bytes(133, 1), scheme: u16(), signature: bytes(600, 1) }),
    encode: encodeServerKeyExchange,
    decode: (m) => decodeServerKeyExchange(body(m)),
    // The signed params are curve_type named_curve(3), the group and the point as sent.
    expected: (v) => ({ ...v, params: new Writer().u8(3).u16(v.group).opaque(1, v.publicKey).finish() }),
    codes: ['DECODE_ERROR', 'ILLEGAL_PARAMETER'],
  }),
  codecTarget({
    name: 'msg12-certificate',
    value: () => fc.array(bytes(300, 1), { maxLength: 5 }),
    encode: encodeCertificate12,
    decode: (m) => decodeCertificate12(body(m), 10),
    codes: ['DECODE_ERROR', 'BAD_CERTIFICATE'],
  }),
  codecTarget({
    name: 'msg12-certificate-request',
    value: () =>
      fc.record({
        certificateTypes: fc.array(fc.nat(255), { minLength: 1, maxLength: 8 }),
        schemes: fc.array(u16(), { minLength: 1, maxLength: 12 }),
        authorities: fc.array(bytes(40, 1), { maxLength: 4 }),
      }),
    encode: encodeCertificateRequest12,
    decode: (m) => decodeCertificateRequest12(body(m)),
  }),
  codecTarget({
    name: 'msg12-client-key-exchange',
    value: () => bytes(133, 1),
    encode: encodeClientKeyExchange,
    decode: (m) => decodeClientKeyExchange(body(m)),
  }),
  codecTarget({
    name: 'msg12-new-session-ticket',
    value: () => fc.record({ lifetimeHint: u32(), ticket: bytes(300) }),
    encode: encodeNewSessionTicket12,
    decode: (m) => decodeNewSessionTicket12(body(m)),
  }),
];

/** TLS 1.2 Finished: 12 bytes of verify_data (RFC 5246 §7.4.9); any other size must be refused. */
function finished12Target(): Target<Input<Uint8Array>> {
  const t = codecTarget<Uint8Array>({
    name: 'msg12-finished',
    value: () => fc.constantFrom(12, 12, 11, 13, 32).chain((n) => bytes(n, n)),
    encode: encodeFinished,
    decode: (m) => decodeFinished(body(m), 12),
  });
  const inner = t.check;
  t.check = (input) => {
    if (input.kind === 'roundtrip' && input.value.length !== 12) {
      const r = decodesOrRefuses(() => decodeFinished(body(encodeFinished(input.value)), 12));
      if (!(r instanceof TlsError)) throw new Error(`a Finished of ${input.value.length} bytes was accepted`);
      return;
    }
    return inner(input);
  };
  return t;
}

// --- RecordProtection12 ---

type Aead12 = 'AES-128-GCM' | 'AES-256-GCM' | 'CHACHA20-POLY1305';

interface Protection12Input {
  key: Uint8Array;
  iv: Uint8Array;
  aead: Aead12;
  records: Array<{ type: number; content: Uint8Array; explicitNonce: Uint8Array }>;
  ops: MutationOp[];
  target: number;
}

const shape = (aead: Aead12) =>
  aead === 'CHACHA20-POLY1305' ? { keyLength: 32, ivLength: 12, explicit: 0 as const } : { keyLength: aead === 'AES-128-GCM' ? 16 : 32, ivLength: 4, explicit: 8 as const };

/**
 * Records sealed by the engine open in the peer's PeerKeys12 and the other
 * way round (the peer choosing random GCM explicit nonces, RFC 5288 §3); a
 * mutated record, re-framed by its (possibly mutated) header as the record
 * layer would, is refused with BAD_RECORD_MAC or RECORD_OVERFLOW unless it
 * came out unchanged.
 */
export const protection12: Target<Protection12Input> = {
  name: 'codec-record-protection12',
  ciRuns: 200,
  arbitrary: () =>
    fc.record({
      key: bytes(32, 32),
      iv: bytes(12, 12),
      aead: fc.constantFrom<Aead12>('AES-128-GCM', 'AES-256-GCM', 'CHACHA20-POLY1305'),
      records: fc.array(fc.record({ type: fc.constantFrom(20, 21, 22, 23), content: bytes(300), explicitNonce: bytes(8, 8) }), { minLength: 1, maxLength: 4 }),
      ops: mutations(3),
      target: fc.nat(),
    }),
  async check(input) {
    const s = shape(input.aead);
    const key = input.key.subarray(0, s.keyLength);
    const iv = input.iv.subarray(0, s.ivLength);
    const aead = await nobleProvider.aead(input.aead, key);
    const engine = () => new RecordProtection12(aead, iv, s.explicit);
    const peer = () => new PeerKeys12(aead, iv, s.explicit);
    const want = input.records.map((r) => ({ type: r.type, content: Uint8Array.from(r.content) }));
    // Engine seals, peer opens.
    const tx = engine();
    const sealed: Uint8Array[] = [];
    for (const r of input.records) sealed.push(await tx.seal(r.type, r.content));
    const rx = peer();
    for (let i = 0; i < sealed.length; i++) {
      same(await rx.open(sealed[i]!.subarray(0, 5), sealed[i]!.subarray(5)), want[i], 'engine seal, peer open');
    }
    // Peer seals with its own explicit nonces, engine opens.
    const ptx = peer();
    const fromPeer: Uint8Array[] = [];
    for (const r of input.records) fromPeer.push(await ptx.seal(r.type, r.content, { explicitNonce: r.explicitNonce }));
    const erx = engine();
    for (let i = 0; i < fromPeer.length; i++) {
      const o = await erx.open(fromPeer[i]!.subarray(0, 5), fromPeer[i]!.subarray(5));
      same({ type: o.type, content: Uint8Array.from(o.content) }, want[i], 'peer seal, engine open');
    }
    // One record mutated: the record layer cuts it by its header's length.
    const which = input.target % sealed.length;
    const victim = sealed[which]!;
    const bad = mutate(victim, input.ops);
    if (bad.length < 5) return;
    const len = (bad[3]! << 8) | bad[4]!;
    if (bad.length < 5 + len) return; // the record layer would wait for the rest
    const framed = bad.subarray(0, 5 + len);
    const rx2 = engine();
    for (let i = 0; i < which; i++) await rx2.open(sealed[i]!.subarray(0, 5), sealed[i]!.subarray(5));
    try {
      const o = await rx2.open(framed.subarray(0, 5), framed.subarray(5));
      if (Buffer.compare(Buffer.from(framed), Buffer.from(victim)) !== 0) throw new Error('a mutated record decrypted');
      same({ type: o.type, content: Uint8Array.from(o.content) }, want[which], 'unchanged record');
    } catch (e) {
      if (!(e instanceof TlsError) || !['BAD_RECORD_MAC', 'RECORD_OVERFLOW'].includes(e.code)) throw e;
    }
  },
};

// --- PRF, RFC 5246 §5 ---

/** P_hash with node:crypto's HMAC: a second implementation to compare against. */
function referencePrf(hash: HashName, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  const alg = hash === 'SHA-256' ? 'sha256' : hash === 'SHA-384' ? 'sha384' : 'sha512';
  const hmac = (data: Uint8Array) => new Uint8Array(createHmac(alg, secret).update(data).digest());
  const fullSeed = concat(utf8(label), seed);
  const out: Uint8Array[] = [];
  let a = fullSeed;
  let n = 0;
  while (n < length) {
    a = hmac(a);
    const block = hmac(concat(a, fullSeed));
    out.push(block);
    n += block.length;
  }
  return concat(...out).subarray(0, length);
}

interface PrfInput {
  hash: 'SHA-256' | 'SHA-384';
  secret: Uint8Array;
  label: string;
  seed: Uint8Array;
  length: number;
  shorter: number;
  clientRandom: Uint8Array;
  serverRandom: Uint8Array;
  context: Uint8Array | null;
  keyLength: number;
  ivLength: number;
}

/**
 * prf12 equals an independent P_hash for any secret (empty, longer than a
 * hash block), label, seed and length (0 included); a shorter output is a
 * prefix of a longer one; the master secret, extended master secret, key
 * block, Finished and exporter are PRF calls with exactly the inputs RFC 5246
 * §8.1, §6.3, §7.4.9, RFC 7627 §4 and RFC 5705 §4 name.
 */
export const prf: Target<PrfInput> = {
  name: 'codec-prf12',
  ciRuns: 150,
  arbitrary: () =>
    fc.record({
      hash: fc.constantFrom('SHA-256' as const, 'SHA-384' as const),
      secret: bytes(200),
      label: fc.string({ maxLength: 30 }),
      seed: bytes(100),
      length: fc.nat(300),
      shorter: fc.nat(300),
      clientRandom: bytes(32, 32),
      serverRandom: bytes(32, 32),
      context: fc.option(bytes(40), { nil: null }),
      keyLength: fc.constantFrom(16, 32),
      ivLength: fc.constantFrom(4, 12),
    }),
  check(v) {
    const h = nobleProvider.hash(v.hash);
    const out = prf12(h, v.secret, v.label, v.seed, v.length);
    if (out.length !== v.length) throw new Error(`PRF gave ${out.length} bytes, asked ${v.length}`);
    same(out, referencePrf(v.hash, v.secret, v.label, v.seed, v.length), 'PRF against node:crypto');
    const n = Math.min(v.shorter, v.length);
    same(prf12(h, v.secret, v.label, v.seed, n), out.subarray(0, n), 'PRF prefix');

    const randoms = concat(v.clientRandom, v.serverRandom);
    same(masterSecret12(h, v.secret, v.clientRandom, v.serverRandom), referencePrf(v.hash, v.secret, 'master secret', randoms, 48), 'master_secret');
    same(extendedMasterSecret(h, v.secret, v.seed), referencePrf(v.hash, v.secret, 'extended master secret', v.seed, 48), 'extended master secret');
    const kb = keyBlock12(h, v.secret, v.clientRandom, v.serverRandom, v.keyLength, v.ivLength);
    const block = referencePrf(v.hash, v.secret, 'key expansion', concat(v.serverRandom, v.clientRandom), 2 * (v.keyLength + v.ivLength));
    same(concat(kb.clientKey, kb.serverKey, kb.clientIv, kb.serverIv), block, 'key block');
    same(finishedVerifyData12(h, v.secret, 'server', v.seed), referencePrf(v.hash, v.secret, 'server finished', v.seed, 12), 'Finished');
    const ctx = v.context ? concat(new Writer().u16(v.context.length).finish(), v.context) : new Uint8Array(0);
    same(
      exportKeyingMaterial12(h, v.secret, v.clientRandom, v.serverRandom, v.label, v.context, v.length),
      referencePrf(v.hash, v.secret, v.label, concat(randoms, ctx), v.length),
      'exporter',
    );
  },
};

export const codec12Targets: Target<never>[] = [...messageCodecs12, finished12Target(), protection12, prf] as unknown as Target<never>[];
