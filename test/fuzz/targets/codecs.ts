/**
 * Codec fuzz targets: for each codec, decode(encode(x)) = x, and decoding
 * random or mutated bytes returns a value or a TlsError with a decode code —
 * never a RangeError, TypeError or anything else.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { concat, Reader, Writer } from '../../../src/codec.js';
import { nobleProvider } from '../../../src/crypto/noble.js';
import { parsePrivateKey, parseSpki } from '../../../src/crypto/keys.js';
import { pemToDer } from '../../../src/crypto/pem.js';
import { TlsError, type ErrorCode } from '../../../src/errors.js';
import {
  alpnExt,
  cookieExt,
  decodeCertificateAuthorities,
  decodeCookie,
  decodeExtensions,
  decodeHrrKeyShare,
  decodeMaxEarlyData,
  decodeRecordSizeLimit,
  decodeSelectedIdentity,
  decodeSelectedVersion,
  decodeServerAlpn,
  decodeServerKeyShare,
  decodeU16List,
  encodeExtensions,
  recordSizeLimitExt,
  supportedGroupsExt,
  type Extension,
} from '../../../src/handshake/extensions.js';
import {
  decodeCertificate,
  decodeCertificateRequest,
  decodeCertificateVerify,
  decodeClientHello,
  decodeEncryptedExtensions,
  decodeFinished,
  decodeKeyUpdate,
  decodeNewSessionTicket,
  decodeServerHello,
  encodeCertificate,
  encodeCertificateRequest,
  encodeCertificateVerify,
  encodeClientHello,
  encodeEncryptedExtensions,
  encodeFinished,
  encodeKeyUpdate,
  encodeNewSessionTicket,
  encodeServerHello,
} from '../../../src/handshake/messages.js';
import { plaintextRecord, RecordReader } from '../../../src/record/framing.js';
import { RecordProtection } from '../../../src/record/protection.js';
import { HandshakeReassembler } from '../../../src/record/reassembly.js';
import { parseCertificate, spkiOfCertificate } from '../../../src/verify/cert.js';
import { loadCert } from '../../peers/fixtures.js';
import { serverKeyShareData } from '../../peers/scripted-server.js';
import { decodesOrRefuses, mutate, mutations, type MutationOp, type Target } from '../harness.js';

export const bytes = (max = 64, min = 0) => fc.uint8Array({ minLength: min, maxLength: max });
export const u16 = () => fc.integer({ min: 0, max: 0xffff });
export const u32 = () => fc.integer({ min: 0, max: 0xffffffff });

/** Extensions with distinct types (RFC 8446 §4.2). */
const extensionList = (max = 6): fc.Arbitrary<Extension[]> =>
  fc.uniqueArray(fc.record({ type: u16(), data: bytes(40) }), { maxLength: max, selector: (e) => e.type });

export function same(a: unknown, b: unknown, what: string): void {
  if (!isDeepStrictEqual(a, b)) throw new Error(`${what}: decode(encode(x)) != x\n${JSON.stringify(a)}\n${JSON.stringify(b)}`);
}

/** Plain copies: decoders return subarray views, compare by content only. */
export function plain<T>(v: T): T {
  if (v instanceof Uint8Array) return Uint8Array.from(v) as T;
  if (Array.isArray(v)) return v.map(plain) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) as T;
  return v;
}

export type Input<T> = { kind: 'roundtrip'; value: T } | { kind: 'random'; bytes: Uint8Array } | { kind: 'mutated'; value: T; ops: MutationOp[] };

/**
 * One target per codec: round trip of generated values, decoding random
 * bytes, decoding mutated encodings.
 */
export function codecTarget<T>(spec: {
  name: string;
  ciRuns?: number;
  value: () => fc.Arbitrary<T>;
  encode: (v: T) => Uint8Array;
  decode: (b: Uint8Array) => unknown;
  /** What decode(encode(v)) must equal (default v). */
  expected?: (v: T) => unknown;
  codes?: readonly ErrorCode[];
}): Target<Input<T>> {
  return {
    name: `codec-${spec.name}`,
    ciRuns: spec.ciRuns ?? 300,
    arbitrary: () =>
      fc.oneof(
        fc.record({ kind: fc.constant('roundtrip' as const), value: spec.value() }),
        fc.record({ kind: fc.constant('random' as const), bytes: bytes(200) }),
        fc.record({ kind: fc.constant('mutated' as const), value: spec.value(), ops: mutations() }),
      ),
    check(input) {
      if (input.kind === 'roundtrip') {
        const decoded = spec.decode(spec.encode(input.value));
        same(plain(decoded), plain(spec.expected ? spec.expected(input.value) : input.value), spec.name);
        return;
      }
      const b = input.kind === 'random' ? input.bytes : mutate(spec.encode(input.value), input.ops);
      decodesOrRefuses(() => spec.decode(b), spec.codes ?? ['DECODE_ERROR']);
    },
  };
}

export const body = (msg: Uint8Array) => msg.subarray(4);
const EXT_CODES: ErrorCode[] = ['DECODE_ERROR', 'ILLEGAL_PARAMETER'];

// --- Reader / Writer ---

type Op = { t: 'u8' | 'u16' | 'u24' | 'u32'; v: number } | { t: 'vec1' | 'vec2' | 'vec3'; b: Uint8Array };
const op = (): fc.Arbitrary<Op> =>
  fc.oneof(
    fc.record({ t: fc.constant('u8' as const), v: fc.nat(0xff) }),
    fc.record({ t: fc.constant('u16' as const), v: fc.nat(0xffff) }),
    fc.record({ t: fc.constant('u24' as const), v: fc.nat(0xffffff) }),
    fc.record({ t: fc.constant('u32' as const), v: u32() }),
    fc.record({ t: fc.constantFrom('vec1' as const, 'vec2' as const, 'vec3' as const), b: bytes(300) }),
  );

function writeOps(ops: readonly Op[]): Uint8Array {
  const w = new Writer(8);
  for (const o of ops) {
    if (o.t === 'u8') w.u8(o.v);
    else if (o.t === 'u16') w.u16(o.v);
    else if (o.t === 'u24') w.u24(o.v);
    else if (o.t === 'u32') w.u32(o.v);
    else if ('b' in o) w.opaque(o.t === 'vec1' ? 1 : o.t === 'vec2' ? 2 : 3, o.t === 'vec1' ? o.b.subarray(0, 255) : o.b);
  }
  return w.finish();
}

function readOps(r: Reader, ops: readonly Op[]): Op[] {
  return ops.map((o): Op => {
    if (o.t === 'u8') return { t: o.t, v: r.u8() };
    if (o.t === 'u16') return { t: o.t, v: r.u16() };
    if (o.t === 'u24') return { t: o.t, v: r.u24() };
    if (o.t === 'u32') return { t: o.t, v: r.u32() };
    return { t: o.t, b: r.vec(o.t === 'vec1' ? 1 : o.t === 'vec2' ? 2 : 3) };
  });
}

export const readerWriter: Target<{ ops: Op[]; noise: Uint8Array }> = {
  name: 'codec-reader-writer',
  ciRuns: 400,
  arbitrary: () => fc.record({ ops: fc.array(op(), { maxLength: 12 }), noise: bytes(64) }),
  check({ ops, noise }) {
    const encoded = writeOps(ops);
    const r = new Reader(encoded, 'fuzz');
    const back = readOps(r, ops);
    r.end();
    same(plain(back), plain(ops.map((o) => (o.t === 'vec1' ? { ...o, b: o.b.subarray(0, 255) } : o))), 'Reader/Writer');
    // The same reads over unrelated bytes: values or DECODE_ERROR, nothing else.
    decodesOrRefuses(() => {
      const r2 = new Reader(noise, 'noise');
      readOps(r2, ops);
      r2.end();
    });
  },
};

// --- extensions ---

export const extensionsBlock = codecTarget({
  name: 'extensions-block',
  value: () => extensionList(),
  encode: (exts) => {
    const w = new Writer();
    encodeExtensions(w, exts);
    return w.finish();
  },
  decode: (b) => {
    const r = new Reader(b, 'fuzz');
    const exts = decodeExtensions(r, 'fuzz');
    r.end();
    return exts;
  },
  codes: EXT_CODES,
});

const extCodecs = [
  codecTarget({ name: 'ext-supported-versions-selected', value: u16, encode: (v) => new Writer().u16(v).finish(), decode: decodeSelectedVersion }),
  codecTarget({
    name: 'ext-key-share-server',
    value: () => fc.record({ group: u16(), keyExchange: bytes(133, 1) }),
    encode: (v) => serverKeyShareData(v.group, v.keyExchange),
    decode: decodeServerKeyShare,
  }),
  codecTarget({ name: 'ext-key-share-hrr', value: u16, encode: (v) => new Writer().u16(v).finish(), decode: decodeHrrKeyShare }),
  codecTarget({
    name: 'ext-alpn-server',
    value: () => bytes(255, 1),
    encode: (name) => new Writer().vec(2, (w) => w.opaque(1, name)).finish(),
    decode: decodeServerAlpn,
  }),
  codecTarget({
    name: 'ext-alpn-client',
    value: () => fc.array(fc.stringMatching(/^[a-z0-9./-]{1,20}$/), { minLength: 1, maxLength: 5 }),
    encode: (names) => alpnExt(names).data,
    decode: (b) => {
      const r = new Reader(b, 'alpn');
      const list = r.sub(2);
      r.end();
      const out: string[] = [];
      while (list.remaining) out.push(new TextDecoder().decode(list.vec(1, 1)));
      return out;
    },
  }),
  codecTarget({ name: 'ext-cookie', value: () => bytes(300, 1), encode: (c) => cookieExt(c).data, decode: decodeCookie }),
  codecTarget({
    name: 'ext-record-size-limit',
    value: () => fc.integer({ min: 64, max: 0xffff }),
    encode: (v) => recordSizeLimitExt(v).data,
    decode: decodeRecordSizeLimit,
    codes: EXT_CODES,
  }),
  codecTarget({ name: 'ext-early-data-max', value: u32, encode: (v) => new Writer().u32(v).finish(), decode: decodeMaxEarlyData }),
  codecTarget({ name: 'ext-pre-shared-key-selected', value: u16, encode: (v) => new Writer().u16(v).finish(), decode: decodeSelectedIdentity }),
  codecTarget({
    name: 'ext-u16-list',
    value: () => fc.array(u16(), { minLength: 1, maxLength: 30 }),
    encode: (v) => supportedGroupsExt(v).data,
    decode: (b) => decodeU16List(b, 'supported_groups'),
  }),
  codecTarget({
    name: 'ext-certificate-authorities',
    value: () => fc.array(bytes(40, 1), { minLength: 1, maxLength: 5 }),
    encode: (names) => new Writer().vec(2, (w) => names.forEach((n) => w.opaque(2, n))).finish(),
    decode: decodeCertificateAuthorities,
  }),
];

// --- handshake messages ---

/** Finished: SHA-256 and SHA-384 sizes; the wrong size must be refused, not returned. */
function finishedTarget(): Target<Input<Uint8Array>> {
  const t = codecTarget<Uint8Array>({
    name: 'msg-finished',
    value: () => fc.constantFrom(32, 48).chain((n) => bytes(n, n)),
    encode: encodeFinished,
    decode: (m) => decodeFinished(body(m), 32),
  });
  const inner = t.check;
  t.check = (input) => {
    if (input.kind === 'roundtrip' && input.value.length !== 32) {
      const r = decodesOrRefuses(() => decodeFinished(body(encodeFinished(input.value)), 32));
      if (!(r instanceof TlsError)) throw new Error('a Finished of the wrong length was accepted');
      return;
    }
    return inner(input);
  };
  return t;
}

const random32 = () => bytes(32, 32);
const sessionId = () => bytes(32);

const messageCodecs = [
  codecTarget({
    name: 'msg-client-hello',
    value: () =>
      fc.record({
        random: random32(),
        sessionId: sessionId(),
        cipherSuites: fc.array(u16(), { minLength: 1, maxLength: 8 }),
        extensions: extensionList(),
      }),
    encode: encodeClientHello,
    decode: (m) => decodeClientHello(body(m)),
    codes: EXT_CODES,
  }),
  codecTarget({
    name: 'msg-server-hello',
    value: () =>
      fc.record({
        legacyVersion: u16(),
        random: random32(),
        sessionId: sessionId(),
        cipherSuite: u16(),
        compression: fc.nat(255),
        extensions: extensionList(),
      }),
    encode: encodeServerHello,
    decode: (m) => decodeServerHello(body(m)),
    expected: (v) => ({ ...v, isHelloRetryRequest: false }),
    codes: EXT_CODES,
  }),
  codecTarget({
    name: 'msg-encrypted-extensions',
    value: () => extensionList(),
    encode: encodeEncryptedExtensions,
    decode: (m) => decodeEncryptedExtensions(body(m)),
    codes: EXT_CODES,
  }),
  codecTarget({
    name: 'msg-certificate-request',
    value: () => fc.record({ context: bytes(20), extensions: extensionList() }),
    encode: encodeCertificateRequest,
    decode: (m) => decodeCertificateRequest(body(m)),
    codes: EXT_CODES,
  }),
  codecTarget({
    name: 'msg-certificate',
    value: () =>
      fc.record({
        context: bytes(10),
        entries: fc.array(fc.record({ data: bytes(300, 1), extensions: extensionList(3) }), { maxLength: 5 }),
      }),
    encode: encodeCertificate,
    decode: (m) => decodeCertificate(body(m), 10),
    codes: [...EXT_CODES, 'BAD_CERTIFICATE'],
  }),
  codecTarget({
    name: 'msg-certificate-verify',
    value: () => fc.record({ scheme: u16(), signature: bytes(600, 1) }),
    encode: encodeCertificateVerify,
    decode: (m) => decodeCertificateVerify(body(m)),
  }),
  finishedTarget(),
  codecTarget({
    name: 'msg-new-session-ticket',
    value: () =>
      fc.record({ lifetime: u32(), ageAdd: u32(), nonce: bytes(255), ticket: bytes(300, 1), extensions: extensionList(3) }),
    encode: encodeNewSessionTicket,
    decode: (m) => decodeNewSessionTicket(body(m)),
    codes: EXT_CODES,
  }),
  codecTarget({
    name: 'msg-key-update',
    value: () => fc.boolean(),
    encode: encodeKeyUpdate,
    decode: (m) => decodeKeyUpdate(body(m)),
    codes: EXT_CODES,
  }),
];


// --- record layer ---

interface RecordsInput {
  records: Array<{ type: number; content: Uint8Array }>;
  cuts: number[];
  noise: Uint8Array;
}

export const recordFraming: Target<RecordsInput> = {
  name: 'codec-record-framing',
  ciRuns: 300,
  arbitrary: () =>
    fc.record({
      records: fc.array(fc.record({ type: fc.constantFrom(20, 21, 22, 23), content: bytes(600) }), { maxLength: 6 }),
      cuts: fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 10 }),
      noise: bytes(300),
    }),
  check({ records, cuts, noise }) {
    // Round trip, fed in arbitrary chunks.
    const stream = concat(...records.map((r) => plaintextRecord(r.type, r.content)));
    const reader = new RecordReader();
    const got: Array<{ type: number; content: Uint8Array }> = [];
    let pos = 0;
    for (const n of [...cuts, stream.length]) {
      reader.push(stream.subarray(pos, Math.min(stream.length, pos + n)));
      pos = Math.min(stream.length, pos + n);
      for (let rec = reader.next(); rec; rec = reader.next()) got.push({ type: rec.type, content: rec.fragment.slice() });
    }
    same(got, records.map((r) => ({ type: r.type, content: Uint8Array.from(r.content) })), 'record framing');
    // Noise: records or a TlsError of the record layer.
    const r2 = new RecordReader();
    decodesOrRefuses(() => {
      r2.push(noise);
      while (r2.next());
    }, ['UNEXPECTED_MESSAGE', 'PROTOCOL_VERSION', 'RECORD_OVERFLOW']);
  },
};

interface ReassemblyInput {
  messages: Array<{ type: number; body: Uint8Array }>;
  cuts: number[];
  noise: Uint8Array[];
}

export const reassembly: Target<ReassemblyInput> = {
  name: 'codec-handshake-reassembly',
  ciRuns: 300,
  arbitrary: () =>
    fc.record({
      messages: fc.array(fc.record({ type: fc.nat(255), body: bytes(500) }), { minLength: 1, maxLength: 6 }),
      cuts: fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 10 }),
      noise: fc.array(bytes(100, 1), { maxLength: 5 }),
    }),
  check({ messages, cuts, noise }) {
    const stream = concat(...messages.map((m) => new Writer().u8(m.type).opaque(3, m.body).finish()));
    const r = new HandshakeReassembler(1 << 20);
    const got: Array<{ type: number; body: Uint8Array }> = [];
    let pos = 0;
    for (const n of [...cuts, stream.length]) {
      if (pos >= stream.length) break;
      const part = stream.subarray(pos, Math.min(stream.length, pos + n));
      pos += part.length;
      for (const m of r.push(part)) got.push({ type: m.type, body: m.body.slice() });
    }
    same(got, messages.map((m) => ({ type: m.type, body: Uint8Array.from(m.body) })), 'reassembly');
    if (r.partial) throw new Error('reassembler holds bytes after whole messages');
    const r2 = new HandshakeReassembler(4096);
    decodesOrRefuses(() => {
      for (const n of noise) r2.push(n);
    }, ['LIMIT_EXCEEDED', 'UNEXPECTED_MESSAGE']);
  },
};

interface ProtectionInput {
  key: Uint8Array;
  iv: Uint8Array;
  aead: 'AES-128-GCM' | 'AES-256-GCM' | 'CHACHA20-POLY1305';
  records: Array<{ type: number; content: Uint8Array; padding: number }>;
  ops: MutationOp[];
  target: number;
}

export const protection: Target<ProtectionInput> = {
  name: 'codec-record-protection',
  ciRuns: 200,
  arbitrary: () =>
    fc.record({
      key: bytes(32, 32),
      iv: bytes(12, 12),
      aead: fc.constantFrom('AES-128-GCM' as const, 'AES-256-GCM' as const, 'CHACHA20-POLY1305' as const),
      records: fc.array(fc.record({ type: fc.integer({ min: 1, max: 255 }), content: bytes(300), padding: fc.nat(40) }), { minLength: 1, maxLength: 4 }),
      ops: mutations(3),
      target: fc.nat(),
    }),
  async check(input) {
    const key = input.aead === 'AES-128-GCM' ? input.key.subarray(0, 16) : input.key;
    const mk = async () => new RecordProtection(await nobleProvider.aead(input.aead, key), input.iv);
    const tx = await mk();
    const sealed: Uint8Array[] = [];
    for (const r of input.records) sealed.push(await tx.seal(r.type, r.content, r.padding));
    const rx = await mk();
    for (let i = 0; i < sealed.length; i++) {
      const s = sealed[i]!;
      const o = await rx.open(s.subarray(0, 5), s.subarray(5));
      same({ type: o.type, content: Uint8Array.from(o.content) }, { type: input.records[i]!.type, content: Uint8Array.from(input.records[i]!.content) }, 'protection');
    }
    // A mutated record (header or body) must fail as a TlsError, or decrypt to something only if unchanged.
    const which = input.target % sealed.length;
    const victim = sealed[which]!;
    const bad = mutate(victim, input.ops);
    const rx2 = await mk();
    for (let i = 0; i < which; i++) await rx2.open(sealed[i]!.subarray(0, 5), sealed[i]!.subarray(5));
    try {
      await rx2.open(bad.subarray(0, 5), bad.subarray(5));
      if (Buffer.compare(Buffer.from(bad), Buffer.from(victim)) !== 0) throw new Error('a mutated record decrypted');
    } catch (e) {
      if (!(e instanceof TlsError) || !['BAD_RECORD_MAC', 'RECORD_OVERFLOW', 'UNEXPECTED_MESSAGE'].includes(e.code)) throw e;
    }
  },
};

// --- DER: keys and certificates (test PKI), random and mutated ---

const derSamples = (): Uint8Array[] => [
  loadCert('server-p256').certDer,
  loadCert('server-rsa2048').certDer,
  loadCert('server-ed25519').certDer,
  loadCert('intermediate').certDer,
];

export const x509: Target<{ kind: 'mutated'; sample: number; ops: MutationOp[] } | { kind: 'random'; noise: Uint8Array }> = {
  name: 'codec-x509-certificate',
  ciRuns: 200,
  arbitrary: () =>
    fc.oneof(
      fc.record({ kind: fc.constant('mutated' as const), sample: fc.nat(3), ops: mutations(3) }),
      fc.record({ kind: fc.constant('random' as const), noise: bytes(300) }),
    ),
  check(input) {
    const der = input.kind === 'random' ? input.noise : mutate(derSamples()[input.sample]!, input.ops);
    const codes: ErrorCode[] = ['CERT_INVALID', 'BAD_CERTIFICATE', 'CERT_UNSUPPORTED_ALGORITHM', 'DECODE_ERROR'];
    decodesOrRefuses(() => parseCertificate(der), codes);
    decodesOrRefuses(() => spkiOfCertificate(der), codes);
  },
};

const keySamples = (): Uint8Array[] =>
  ['server-p256', 'server-p384', 'server-ed25519', 'server-rsa2048'].map(
    (n) => pemToDer(loadCert(n as 'server-p256').key, 'PRIVATE KEY')[0]!,
  );

export const derKeys: Target<{ sample: number; ops: MutationOp[]; spki: boolean }> = {
  name: 'codec-der-keys',
  ciRuns: 200,
  arbitrary: () => fc.record({ sample: fc.nat(3), ops: mutations(3), spki: fc.boolean() }),
  check({ sample, ops, spki }) {
    const codes: ErrorCode[] = ['DECODE_ERROR', 'BAD_CERTIFICATE', 'CERT_INVALID', 'CERT_UNSUPPORTED_ALGORITHM', 'BAD_CONFIG'];
    if (spki) {
      const der = mutate(spkiOfCertificate(derSamples()[sample]!), ops);
      decodesOrRefuses(() => parseSpki(der), codes);
    } else {
      decodesOrRefuses(() => parsePrivateKey(mutate(keySamples()[sample]!, ops)), codes);
    }
  },
};

export const codecTargets: Target<never>[] = [
  readerWriter,
  extensionsBlock,
  ...extCodecs,
  ...messageCodecs,
  recordFraming,
  reassembly,
  protection,
  x509,
  derKeys,
] as unknown as Target<never>[];
