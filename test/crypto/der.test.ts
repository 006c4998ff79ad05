import { describe, expect, it } from 'vitest';
import * as nc from 'node:crypto';
import { DerReader, Tag, bytesToBigInt, contextTag, encodeTlv, encodeUnsignedInteger } from '../../src/crypto/der.js';
import { parseEcPrivateKey, parsePkcs8, parsePrivateKey, parseRsaPrivateKey, parseSpki } from '../../src/crypto/keys.js';
import { base64Decode, base64Encode, derToPem, pemBlocks, pemToDer } from '../../src/crypto/pem.js';
import { TlsError } from '../../src/errors.js';

const u8 = (b: Buffer | Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** @types/node 20 does not declare the RSA-PSS key restriction options that node supports. */
function pssKeyPair(opts: { modulusLength: number; hashAlgorithm?: string; mgf1HashAlgorithm?: string; saltLength?: number }) {
  return nc.generateKeyPairSync('rsa-pss', opts as nc.RSAPSSKeyPairKeyObjectOptions);
}
const h = (s: string) => u8(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const b64uInt = (s: string) => BigInt('0x' + Buffer.from(s, 'base64url').toString('hex'));
const b64u = (s: string) => u8(Buffer.from(s, 'base64url'));
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const seq = (...parts: Uint8Array[]) => encodeTlv(Tag.SEQUENCE, cat(...parts));

function throwsTls(f: () => unknown, code?: string): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TlsError);
  if (code) expect((err as TlsError).code).toBe(code);
}

describe('DerReader', () => {
  it('reads TLVs, integers and OIDs', () => {
    const r = new DerReader(h('30 0b 02 01 05 02 02 00 80 06 02 2a 03'));
    const s = r.sequence();
    r.end();
    expect(s.integer()).toBe(5n);
    expect(s.integer()).toBe(128n);
    expect(s.oid()).toBe('1.2.3');
    s.end();
  });

  it('decodes negative integers and multi-byte OID arcs', () => {
    expect(new DerReader(h('02 01 ff')).integer()).toBe(-1n);
    expect(new DerReader(h('02 02 ff 7f')).integer()).toBe(-129n);
    expect(new DerReader(h('06 09 2a 86 48 86 f7 0d 01 01 0b')).oid()).toBe('1.2.840.113549.1.1.11');
    expect(new DerReader(h('06 03 55 04 03')).oid()).toBe('2.5.4.3');
    expect(new DerReader(h('06 03 2b 65 70')).oid()).toBe('1.3.101.112');
  });

  it('reads long-form lengths', () => {
    const v = new Uint8Array(300).fill(7);
    const tlv = encodeTlv(Tag.OCTET_STRING, v);
    expect(Array.from(tlv.subarray(0, 4))).toEqual([0x04, 0x82, 0x01, 0x2c]);
    expect(new DerReader(tlv).octetString()).toEqual(v);
  });

  it.each([
    ['truncated header', '30'],
    ['truncated value', '30 05 02 01 01'],
    ['length beyond data', '04 81 90 00'],
    ['indefinite length', '30 80 02 01 01 00 00'],
    ['non-minimal short length in long form', '04 81 05 01 02 03 04 05'],
    ['long-form length with leading zero', '04 82 00 90' + '00'.repeat(0x90)],
    ['over-long length', '04 85 01 00 00 00 00'],
    ['high tag number', '1f 81 00 00'],
  ])('rejects %s', (_, hex) => {
    throwsTls(() => new DerReader(h(hex)).read(), 'DECODE_ERROR');
  });

  it.each([
    ['empty', '02 00'],
    ['leading zero', '02 02 00 01'],
    ['leading ff', '02 02 ff 80'],
  ])('rejects a non-minimal INTEGER (%s)', (_, hex) => {
    throwsTls(() => new DerReader(h(hex)).integer(), 'DECODE_ERROR');
  });

  it('rejects malformed OIDs, NULL and BIT STRING', () => {
    throwsTls(() => new DerReader(h('06 00')).oid());
    throwsTls(() => new DerReader(h('06 02 2a 80')).oid()); // truncated arc
    throwsTls(() => new DerReader(h('06 03 2a 80 01')).oid()); // non-minimal arc
    throwsTls(() => new DerReader(h('05 01 00')).null());
    throwsTls(() => new DerReader(h('03 00')).bitStringBytes());
    throwsTls(() => new DerReader(h('03 02 01 80')).bitStringBytes()); // unused bits
  });

  it('rejects trailing data and wrong tags', () => {
    const r = new DerReader(h('02 01 01 00'));
    r.integer();
    throwsTls(() => r.end());
    throwsTls(() => new DerReader(h('04 01 01')).integer());
  });

  it('uses the requested error code', () => {
    throwsTls(() => new DerReader(h('30'), 'BAD_CERTIFICATE').read(), 'BAD_CERTIFICATE');
  });

  it('encodes minimal unsigned INTEGERs', () => {
    expect(encodeUnsignedInteger(0n)).toEqual(h('02 01 00'));
    expect(encodeUnsignedInteger(127n)).toEqual(h('02 01 7f'));
    expect(encodeUnsignedInteger(128n)).toEqual(h('02 02 00 80'));
    expect(encodeUnsignedInteger(256n)).toEqual(h('02 02 01 00'));
    for (const x of [0n, 1n, 127n, 128n, 255n, 256n, 65535n, 1n << 255n]) {
      expect(new DerReader(encodeUnsignedInteger(x)).integer()).toBe(x);
    }
  });
});

describe('SubjectPublicKeyInfo', () => {
  it('parses RSA keys', () => {
    const { publicKey } = nc.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    const k = parseSpki(u8(publicKey.export({ type: 'spki', format: 'der' })));
    expect(k).toEqual({ kind: 'rsa', n: b64uInt(jwk.n!), e: 65537n, modulusBits: 2048 });
  });

  it('parses id-RSASSA-PSS keys with and without parameters', () => {
    const plain = pssKeyPair({ modulusLength: 2048 }).publicKey;
    const k1 = parseSpki(u8(plain.export({ type: 'spki', format: 'der' })));
    expect(k1.kind).toBe('rsa-pss');
    expect(k1.kind === 'rsa-pss' && k1.params).toBe(undefined);
    const restricted = pssKeyPair({
      modulusLength: 2048,
      hashAlgorithm: 'sha512',
      mgf1HashAlgorithm: 'sha512',
      saltLength: 64,
    }).publicKey;
    const k2 = parseSpki(u8(restricted.export({ type: 'spki', format: 'der' })));
    expect(k2.kind === 'rsa-pss' && k2.params).toEqual({ hash: 'SHA-512', mgfHash: 'SHA-512', saltLength: 64 });
    expect(k2.kind === 'rsa-pss' && k2.modulusBits).toBe(2048);
  });

  it.each([
    ['P-256', 65],
    ['P-384', 97],
    ['P-521', 133],
  ] as const)('parses EC %s keys', (curve, len) => {
    const { publicKey } = nc.generateKeyPairSync('ec', { namedCurve: curve });
    const jwk = publicKey.export({ format: 'jwk' });
    const k = parseSpki(u8(publicKey.export({ type: 'spki', format: 'der' })));
    expect(k.kind).toBe('ec');
    if (k.kind !== 'ec') return;
    expect(k.curve).toBe(curve);
    expect(k.point.length).toBe(len);
    expect(k.point.subarray(1)).toEqual(cat(b64u(jwk.x!), b64u(jwk.y!)));
  });

  it('parses Ed25519 keys', () => {
    const { publicKey } = nc.generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' });
    expect(parseSpki(u8(publicKey.export({ type: 'spki', format: 'der' })))).toEqual({
      kind: 'ed25519',
      key: b64u(jwk.x!),
    });
  });

  it('rejects unsupported algorithms', () => {
    for (const spki of [
      nc.generateKeyPairSync('ed448').publicKey,
      nc.generateKeyPairSync('x25519').publicKey,
      nc.generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).publicKey,
      nc.generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey,
    ]) {
      throwsTls(() => parseSpki(u8(spki.export({ type: 'spki', format: 'der' }))), 'CERT_UNSUPPORTED_ALGORITHM');
    }
  });

  it('rejects every truncation and trailing data with BAD_CERTIFICATE', () => {
    for (const kp of [
      nc.generateKeyPairSync('ed25519'),
      nc.generateKeyPairSync('ec', { namedCurve: 'P-256' }),
      pssKeyPair({ modulusLength: 1024, hashAlgorithm: 'sha256', saltLength: 32 }),
    ]) {
      const der = u8(kp.publicKey.export({ type: 'spki', format: 'der' }));
      for (let i = 0; i < der.length; i++) throwsTls(() => parseSpki(der.subarray(0, i)), 'BAD_CERTIFICATE');
      throwsTls(() => parseSpki(cat(der, h('00'))), 'BAD_CERTIFICATE');
    }
  });

  it('rejects a wrong-length EC point and RSA parameters that are not NULL', () => {
    const ecDer = u8(
      nc.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }),
    );
    // SPKI = 30 59 | AlgorithmIdentifier (21 bytes) | 03 42 00 04 X Y
    const algId = ecDer.subarray(2, 23);
    const point = ecDer.subarray(ecDer.length - 65);
    expect(parseSpki(seq(algId, encodeTlv(Tag.BIT_STRING, cat(h('00'), point))))).toMatchObject({ kind: 'ec' });
    throwsTls(() => parseSpki(seq(algId, encodeTlv(Tag.BIT_STRING, cat(h('00'), point.subarray(0, 64))))), 'BAD_CERTIFICATE');
    const badPrefix = point.slice();
    badPrefix[0] = 0x05;
    throwsTls(() => parseSpki(seq(algId, encodeTlv(Tag.BIT_STRING, cat(h('00'), badPrefix)))), 'BAD_CERTIFICATE');
    const rsaAlg = seq(h('06 09 2a 86 48 86 f7 0d 01 01 01'), h('02 01 00'));
    const rsaKey = encodeTlv(Tag.BIT_STRING, cat(h('00'), seq(encodeUnsignedInteger(3233n), encodeUnsignedInteger(17n))));
    throwsTls(() => parseSpki(seq(rsaAlg, rsaKey)), 'BAD_CERTIFICATE');
  });

  it('never throws anything but TlsError on corrupted input', () => {
    const der = u8(
      pssKeyPair({ modulusLength: 1024, hashAlgorithm: 'sha256', saltLength: 32 }).publicKey.export({
        type: 'spki',
        format: 'der',
      }),
    );
    for (let i = 0; i < 2000; i++) {
      const c = der.slice();
      const pos = i % 80; // the structural part of the encoding
      c[pos] = (c[pos]! + 1 + (i >> 3)) & 0xff;
      try {
        parseSpki(c);
      } catch (e) {
        expect(e).toBeInstanceOf(TlsError);
      }
    }
  });
});

describe('private keys', () => {
  it('parses PKCS#8 and PKCS#1 RSA keys with CRT parameters', () => {
    const { privateKey } = nc.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = privateKey.export({ format: 'jwk' });
    const expected = {
      n: b64uInt(jwk.n!),
      e: b64uInt(jwk.e!),
      d: b64uInt(jwk.d!),
      p: b64uInt(jwk.p!),
      q: b64uInt(jwk.q!),
      dP: b64uInt(jwk.dp!),
      dQ: b64uInt(jwk.dq!),
      qInv: b64uInt(jwk.qi!),
      modulusBits: 2048,
    };
    const pkcs8 = u8(privateKey.export({ type: 'pkcs8', format: 'der' }));
    const pkcs1 = u8(privateKey.export({ type: 'pkcs1', format: 'der' }));
    expect(parsePkcs8(pkcs8)).toEqual({ kind: 'rsa', ...expected });
    expect(parseRsaPrivateKey(pkcs1)).toEqual(expected);
    expect(parsePrivateKey(pkcs1)).toEqual({ kind: 'rsa', ...expected });
    expect(parsePrivateKey(pkcs8)).toEqual({ kind: 'rsa', ...expected });
  });

  it('parses id-RSASSA-PSS PKCS#8 keys', () => {
    const { privateKey } = pssKeyPair({
      modulusLength: 2048,
      hashAlgorithm: 'sha256',
      mgf1HashAlgorithm: 'sha256',
      saltLength: 32,
    });
    const k = parsePkcs8(u8(privateKey.export({ type: 'pkcs8', format: 'der' })));
    expect(k.kind).toBe('rsa-pss');
    expect(k.kind === 'rsa-pss' && k.params).toEqual({ hash: 'SHA-256', mgfHash: 'SHA-256', saltLength: 32 });
  });

  it.each([
    ['P-256', 32],
    ['P-384', 48],
    ['P-521', 66],
  ] as const)('parses EC %s keys as PKCS#8 and SEC1', (curve, len) => {
    const { privateKey } = nc.generateKeyPairSync('ec', { namedCurve: curve });
    const jwk = privateKey.export({ format: 'jwk' });
    const d = b64u(jwk.d!);
    const point = cat(h('04'), b64u(jwk.x!), b64u(jwk.y!));
    const fromPkcs8 = parsePkcs8(u8(privateKey.export({ type: 'pkcs8', format: 'der' })));
    expect(fromPkcs8).toEqual({ kind: 'ec', curve, scalar: d, publicPoint: point });
    const sec1 = u8(privateKey.export({ type: 'sec1', format: 'der' }));
    expect(parseEcPrivateKey(sec1)).toEqual({ kind: 'ec', curve, scalar: d, publicPoint: point });
    expect(parsePrivateKey(sec1)).toEqual({ kind: 'ec', curve, scalar: d, publicPoint: point });
    expect(d.length).toBe(len);
  });

  it('parses ECPrivateKey without the optional fields, and pads short scalars', () => {
    const p256 = h('06 08 2a 86 48 ce 3d 03 01 07');
    const p384 = h('06 05 2b 81 04 00 22');
    const ecAlg = seq(h('06 07 2a 86 48 ce 3d 02 01'), p256);
    const scalar = new Uint8Array(32).fill(0x11);
    const wrap = (inner: Uint8Array) => seq(h('02 01 00'), ecAlg, encodeTlv(Tag.OCTET_STRING, inner));
    // Neither parameters nor public key inside.
    const bare = seq(h('02 01 01'), encodeTlv(Tag.OCTET_STRING, scalar));
    expect(parsePkcs8(wrap(bare))).toEqual({ kind: 'ec', curve: 'P-256', scalar });
    // A 31-byte scalar is left-padded.
    const short = seq(h('02 01 01'), encodeTlv(Tag.OCTET_STRING, scalar.subarray(1)));
    expect(parsePkcs8(wrap(short))).toEqual({ kind: 'ec', curve: 'P-256', scalar: cat(h('00'), scalar.subarray(1)) });
    // Matching inner parameters are fine; conflicting ones are not.
    const withParams = seq(h('02 01 01'), encodeTlv(Tag.OCTET_STRING, scalar), encodeTlv(contextTag(0), p256));
    expect(parsePkcs8(wrap(withParams))).toEqual({ kind: 'ec', curve: 'P-256', scalar });
    const conflicting = seq(h('02 01 01'), encodeTlv(Tag.OCTET_STRING, scalar), encodeTlv(contextTag(0), p384));
    throwsTls(() => parsePkcs8(wrap(conflicting)));
    // SEC1 without a curve anywhere cannot be used.
    throwsTls(() => parseEcPrivateKey(bare));
    // Too long a scalar.
    throwsTls(() => parsePkcs8(wrap(seq(h('02 01 01'), encodeTlv(Tag.OCTET_STRING, new Uint8Array(33))))));
  });

  it('parses Ed25519 keys, including OneAsymmetricKey with a public key', () => {
    const { privateKey } = nc.generateKeyPairSync('ed25519');
    const jwk = privateKey.export({ format: 'jwk' });
    const pkcs8 = u8(privateKey.export({ type: 'pkcs8', format: 'der' }));
    expect(parsePkcs8(pkcs8)).toEqual({ kind: 'ed25519', seed: b64u(jwk.d!) });
    const v2 = seq(
      h('02 01 01'),
      seq(h('06 03 2b 65 70')),
      encodeTlv(Tag.OCTET_STRING, encodeTlv(Tag.OCTET_STRING, b64u(jwk.d!))),
      encodeTlv(0x81, cat(h('00'), b64u(jwk.x!))),
    );
    expect(parsePkcs8(v2)).toEqual({ kind: 'ed25519', seed: b64u(jwk.d!), publicKey: b64u(jwk.x!) });
    // A public key in a version-1 structure is malformed.
    const bad = v2.slice();
    bad[4] = 0;
    throwsTls(() => parsePkcs8(bad));
  });

  it('rejects truncated private keys with DECODE_ERROR', () => {
    const der = u8(nc.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'der' }));
    for (let i = 0; i < der.length; i++) throwsTls(() => parsePrivateKey(der.subarray(0, i)), 'DECODE_ERROR');
  });

  it('rejects multi-prime and inconsistent RSA keys', () => {
    const der = u8(nc.generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'der' }));
    const multi = der.slice();
    // The version INTEGER sits right after the SEQUENCE header (30 82 xx xx 02 01 00).
    expect(Array.from(multi.subarray(4, 7))).toEqual([2, 1, 0]);
    multi[6] = 1;
    throwsTls(() => parseRsaPrivateKey(multi), 'CERT_UNSUPPORTED_ALGORITHM');
  });
});

describe('PEM', () => {
  it('round-trips DER through PEM', () => {
    for (const len of [0, 1, 2, 3, 47, 48, 49, 100, 1000]) {
      const der = u8(nc.randomBytes(len));
      const pem = derToPem(der, 'TEST');
      expect(pemToDer(pem)).toEqual([der]);
      expect(pem.split('\n').every((l) => l.length <= 64)).toBe(true);
    }
  });

  it('decodes node PEM exports to the same DER', () => {
    const { publicKey, privateKey } = nc.generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const pub = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const priv = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(pemToDer(pub, 'PUBLIC KEY')).toEqual([u8(publicKey.export({ type: 'spki', format: 'der' }))]);
    expect(pemToDer(priv, 'PRIVATE KEY')).toEqual([u8(privateKey.export({ type: 'pkcs8', format: 'der' }))]);
    expect(derToPem(pemToDer(pub)[0]!, 'PUBLIC KEY')).toBe(pub);
  });

  it('handles several blocks, labels, CRLF and surrounding text', () => {
    const a = derToPem(h('010203'), 'CERTIFICATE');
    const b = derToPem(h('0405'), 'EC PRIVATE KEY');
    const text = `subject=CN=x\r\n${a.replace(/\n/g, '\r\n')}junk\n${b}${a}`;
    expect(pemToDer(text)).toEqual([h('010203'), h('0405'), h('010203')]);
    expect(pemToDer(text, 'CERTIFICATE')).toEqual([h('010203'), h('010203')]);
    expect(pemBlocks(text).map((x) => x.label)).toEqual(['CERTIFICATE', 'EC PRIVATE KEY', 'CERTIFICATE']);
    expect(pemToDer('no pem here')).toEqual([]);
    expect(pemBlocks(derToPem(h('00'), 'X9.42 DH-PARAMS'))[0]!.label).toBe('X9.42 DH-PARAMS');
  });

  it('rejects malformed PEM', () => {
    throwsTls(() => pemToDer('-----BEGIN A-----\nAQID\n-----END B-----\n'), 'DECODE_ERROR');
    throwsTls(() => pemToDer('-----BEGIN A-----\nAQID\n'), 'DECODE_ERROR');
    throwsTls(() => pemToDer('-----BEGIN A-----\nAQ!D\n-----END A-----\n'), 'DECODE_ERROR');
    throwsTls(() => pemToDer('-----BEGIN A-----\nAQI\n-----END A-----\n'), 'DECODE_ERROR');
    throwsTls(
      () => pemToDer('-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAQID\n-----END RSA PRIVATE KEY-----\n'),
      'DECODE_ERROR',
    );
  });

  it('bytesToBigInt reads unsigned big-endian bytes (OS2IP)', () => {
    expect(bytesToBigInt(new Uint8Array(0))).toBe(0n);
    expect(bytesToBigInt(Uint8Array.of(0, 0, 1, 0))).toBe(256n);
    expect(bytesToBigInt(Uint8Array.of(0xff, 0x0f))).toBe(0xff0fn);
    for (const n of [1, 31, 256, 513]) {
      const b = u8(nc.randomBytes(n));
      expect(bytesToBigInt(b)).toBe(BigInt('0x' + Buffer.from(b).toString('hex')));
    }
  });

  it('base64 is strict and matches node', () => {
    for (let i = 0; i < 50; i++) {
      const b = u8(nc.randomBytes(i));
      const s = base64Encode(b);
      expect(s).toBe(Buffer.from(b).toString('base64'));
      expect(base64Decode(s)).toEqual(b);
    }
    // Longer than one fromCharCode slice (8192 characters = 6144 bytes).
    for (const n of [6143, 6144, 6145, 12288, 12289, 70001]) {
      const b = u8(nc.randomBytes(n));
      expect(base64Encode(b)).toBe(Buffer.from(b).toString('base64'));
    }
    throwsTls(() => base64Decode('AQ=A')); // padding in the middle
    throwsTls(() => base64Decode('AR==')); // non-zero bits under padding
    throwsTls(() => base64Decode('AQ-_')); // base64url alphabet
  });
});
