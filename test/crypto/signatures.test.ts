import { describe, expect, it } from 'vitest';
import * as nc from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { nobleSign, nobleVerify } from '../../src/crypto/signatures.js';
import { Tag, ecdsaDerToRaw, ecdsaRawToDer, encodeTlv } from '../../src/crypto/der.js';
import { TlsError } from '../../src/errors.js';
import type { HashName, SignatureAlgorithm } from '../../src/crypto/provider.js';

const u8 = (b: Buffer | Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** @types/node 20 does not declare the RSA-PSS key restriction options that node supports. */
function pssKeyPair(opts: { modulusLength: number; hashAlgorithm?: string; mgf1HashAlgorithm?: string; saltLength?: number }) {
  return nc.generateKeyPairSync('rsa-pss', opts as nc.RSAPSSKeyPairKeyObjectOptions);
}
const nodeHash = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as const;
const hLen = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 } as const;
const HASHES: HashName[] = ['SHA-256', 'SHA-384', 'SHA-512'];
const msg = new TextEncoder().encode('TLS 1.3, server CertificateVerify');

function exportKeys(kp: nc.KeyPairKeyObjectResult) {
  return {
    ...kp,
    spki: u8(kp.publicKey.export({ type: 'spki', format: 'der' })),
    pkcs8: u8(kp.privateKey.export({ type: 'pkcs8', format: 'der' })),
  };
}

function flip(b: Uint8Array, i: number): Uint8Array {
  const c = b.slice();
  c[i]! ^= 0x01;
  return c;
}

function expectCode(f: () => unknown, code: string) {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TlsError);
    expect((e as TlsError).code).toBe(code);
    return;
  }
  throw new Error('expected a TlsError');
}

const rsa2048 = exportKeys(nc.generateKeyPairSync('rsa', { modulusLength: 2048 }));
const ed = exportKeys(nc.generateKeyPairSync('ed25519'));
const ec = {
  'P-256': exportKeys(nc.generateKeyPairSync('ec', { namedCurve: 'P-256' })),
  'P-384': exportKeys(nc.generateKeyPairSync('ec', { namedCurve: 'P-384' })),
  'P-521': exportKeys(nc.generateKeyPairSync('ec', { namedCurve: 'P-521' })),
};

describe('ECDSA', () => {
  const cases = (['P-256', 'P-384', 'P-521'] as const).flatMap((c) => HASHES.map((h) => [c, h] as const));

  it.each(cases)('%s with %s verifies node signatures', (curve, hash) => {
    const k = ec[curve];
    const alg: SignatureAlgorithm = { kind: 'ecdsa', hash };
    const sig = u8(nc.sign(nodeHash[hash], msg, k.privateKey));
    expect(nobleVerify(alg, k.spki, msg, sig)).toBe(true);
    expect(nobleVerify(alg, k.spki, flip(msg, 0), sig)).toBe(false);
    expect(nobleVerify(alg, k.spki, msg, flip(sig, sig.length - 1))).toBe(false);
    // Wrong hash does not verify.
    const other = HASHES.find((h) => h !== hash)!;
    expect(nobleVerify({ kind: 'ecdsa', hash: other }, k.spki, msg, sig)).toBe(false);
  });

  it.each(cases)('%s with %s signs deterministically, node verifies', (curve, hash) => {
    const k = ec[curve];
    const alg: SignatureAlgorithm = { kind: 'ecdsa', hash };
    const sig = nobleSign(alg, k.pkcs8, msg);
    expect(nobleSign(alg, k.pkcs8, msg)).toEqual(sig); // RFC 6979
    expect(sig[0]).toBe(0x30); // DER Ecdsa-Sig-Value
    expect(nc.verify(nodeHash[hash], msg, k.publicKey, sig)).toBe(true);
    expect(nobleVerify(alg, k.spki, msg, sig)).toBe(true);
  });

  it('accepts high-S signatures', () => {
    const k = ec['P-256'];
    const alg: SignatureAlgorithm = { kind: 'ecdsa', hash: 'SHA-256' };
    const sig = u8(nc.sign('sha256', msg, k.privateKey));
    const n = p256.Point.Fn.ORDER;
    const raw = ecdsaDerToRaw(sig, 32, n)!;
    const s = BigInt('0x' + Buffer.from(raw.subarray(32)).toString('hex'));
    const flipped = raw.slice();
    flipped.set(Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex'), 32);
    const other = ecdsaRawToDer(flipped);
    // One of the two is high-S; both must verify, in node and here.
    expect(nc.verify('sha256', msg, k.publicKey, other)).toBe(true);
    expect(nobleVerify(alg, k.spki, msg, sig)).toBe(true);
    expect(nobleVerify(alg, k.spki, msg, other)).toBe(true);
  });

  it('returns false for malformed signature encodings', () => {
    const k = ec['P-256'];
    const alg: SignatureAlgorithm = { kind: 'ecdsa', hash: 'SHA-256' };
    const sig = u8(nc.sign('sha256', msg, k.privateKey));
    const raw = ecdsaDerToRaw(sig, 32, p256.Point.Fn.ORDER)!;
    expect(nobleVerify(alg, k.spki, msg, raw)).toBe(false); // raw r||s is not DER
    expect(nobleVerify(alg, k.spki, msg, new Uint8Array(0))).toBe(false);
    expect(nobleVerify(alg, k.spki, msg, sig.subarray(0, sig.length - 1))).toBe(false);
    expect(nobleVerify(alg, k.spki, msg, new Uint8Array([...sig, 0]))).toBe(false); // trailing byte
    // Non-minimal length (0x81 for a short length) is BER, not DER.
    const ber = new Uint8Array([0x30, 0x81, sig[1]!, ...sig.subarray(2)]);
    expect(nobleVerify(alg, k.spki, msg, ber)).toBe(false);
    // r = 0, s = 0.
    expect(nobleVerify(alg, k.spki, msg, new Uint8Array([0x30, 6, 2, 1, 0, 2, 1, 0]))).toBe(false);
    // r = n is out of range.
    const rn = ecdsaRawToDer(
      new Uint8Array([...Buffer.from(p256.Point.Fn.ORDER.toString(16), 'hex'), ...raw.subarray(32)]),
    );
    expect(nobleVerify(alg, k.spki, msg, rn)).toBe(false);
  });

  it('round-trips raw and DER signature forms', () => {
    const raw = new Uint8Array(64);
    raw[31] = 1;
    raw[32] = 0x80;
    const der = ecdsaRawToDer(raw);
    expect(Buffer.from(der).toString('hex')).toBe('3026020101022100' + '80' + '00'.repeat(31));
    expect(ecdsaDerToRaw(der, 32, p256.Point.Fn.ORDER)).toEqual(raw);
  });

  it('rejects an invalid public point', () => {
    const k = ec['P-256'];
    const spki = k.spki.slice();
    spki[spki.length - 1]! ^= 1; // y no longer on the curve
    const sig = u8(nc.sign('sha256', msg, k.privateKey));
    expectCode(() => nobleVerify({ kind: 'ecdsa', hash: 'SHA-256' }, spki, msg, sig), 'BAD_CERTIFICATE');
  });

  it('accepts compressed points', () => {
    const k = ec['P-384'];
    // The uncompressed point 04||X||Y is the last 97 bytes of a P-384 SPKI.
    const point = k.spki.subarray(k.spki.length - 97);
    const compressed = u8(nc.ECDH.convertKey(point, 'secp384r1', undefined, undefined, 'compressed') as Buffer);
    expect(compressed.length).toBe(49);
    // Rebuild the SPKI with the compressed point: same AlgorithmIdentifier, new BIT STRING.
    const algId = k.spki.subarray(2, 2 + 2 + k.spki[3]!);
    const bit = new Uint8Array([0x03, compressed.length + 1, 0x00, ...compressed]);
    const body = new Uint8Array([...algId, ...bit]);
    const spki = new Uint8Array([0x30, body.length, ...body]);
    const sig = u8(nc.sign('sha384', msg, k.privateKey));
    expect(nobleVerify({ kind: 'ecdsa', hash: 'SHA-384' }, spki, msg, sig)).toBe(true);
  });
});

describe('RFC 6979 known answers (A.2.5, P-256, message "sample")', () => {
  const hex = (s: string) => u8(Buffer.from(s, 'hex'));
  const seq = (...p: Uint8Array[]) => encodeTlv(Tag.SEQUENCE, new Uint8Array(p.flatMap((x) => Array.from(x))));
  const x = hex('C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721');
  const curveOid = hex('06082a8648ce3d030107');
  // SEC1 ECPrivateKey with the curve in [0]; SPKI built from the derived point.
  const sec1 = seq(hex('020101'), encodeTlv(Tag.OCTET_STRING, x), encodeTlv(0xa0, curveOid));
  const point = p256.getPublicKey(x, false);
  const spki = seq(seq(hex('06072a8648ce3d0201'), curveOid), encodeTlv(Tag.BIT_STRING, new Uint8Array([0, ...point])));
  const sample = new TextEncoder().encode('sample');

  it.each([
    [
      'SHA-256',
      'EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716',
      'F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8',
    ],
    [
      'SHA-384',
      '0EAFEA039B20E9B42309FB1D89E213057CBF973DC0CFC8F129EDDDC800EF7719',
      '4861F0491E6998B9455193E34E7B0D284DDD7149A74B95B9261F13ABDE940954',
    ],
  ] as const)('%s', (hash, r, s) => {
    const alg: SignatureAlgorithm = { kind: 'ecdsa', hash };
    const sig = nobleSign(alg, sec1, sample);
    expect(ecdsaDerToRaw(sig, 32, p256.Point.Fn.ORDER)).toEqual(hex(r + s));
    expect(nobleVerify(alg, spki, sample, sig)).toBe(true);
  });
});

describe('Ed25519', () => {
  const alg: SignatureAlgorithm = { kind: 'ed25519' };
  it('verifies node signatures', () => {
    const sig = u8(nc.sign(null, msg, ed.privateKey));
    expect(nobleVerify(alg, ed.spki, msg, sig)).toBe(true);
    expect(nobleVerify(alg, ed.spki, flip(msg, 5), sig)).toBe(false);
    expect(nobleVerify(alg, ed.spki, msg, flip(sig, 40))).toBe(false);
    expect(nobleVerify(alg, ed.spki, msg, sig.subarray(1))).toBe(false);
    expect(nobleVerify(alg, ed.spki, msg, new Uint8Array(64).fill(0xff))).toBe(false);
  });
  it('signs; node verifies; identical to node (deterministic)', () => {
    const sig = nobleSign(alg, ed.pkcs8, msg);
    expect(nc.verify(null, msg, ed.publicKey, sig)).toBe(true);
    expect(sig).toEqual(u8(nc.sign(null, msg, ed.privateKey)));
  });
});

describe('RSA via nobleVerify / nobleSign', () => {
  it.each(HASHES)('rsa_pss_rsae with %s', (hash) => {
    const alg: SignatureAlgorithm = { kind: 'rsa-pss', hash, saltLength: hLen[hash] };
    const sig = u8(
      nc.sign(nodeHash[hash], msg, {
        key: rsa2048.privateKey,
        padding: nc.constants.RSA_PKCS1_PSS_PADDING,
        saltLength: hLen[hash],
      }),
    );
    expect(nobleVerify(alg, rsa2048.spki, msg, sig)).toBe(true);
    expect(nobleVerify(alg, rsa2048.spki, flip(msg, 1), sig)).toBe(false);
    expect(nobleVerify(alg, rsa2048.spki, msg, flip(sig, 100))).toBe(false);
    expect(nobleVerify({ ...alg, saltLength: hLen[hash] + 1 }, rsa2048.spki, msg, sig)).toBe(false);
    const mine = nobleSign(alg, rsa2048.pkcs8, msg);
    expect(
      nc.verify(
        nodeHash[hash],
        msg,
        { key: rsa2048.publicKey, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: hLen[hash] },
        mine,
      ),
    ).toBe(true);
  });

  it.each(HASHES)('rsa_pkcs1 with %s', (hash) => {
    const alg: SignatureAlgorithm = { kind: 'rsa-pkcs1', hash };
    const sig = u8(nc.sign(nodeHash[hash], msg, rsa2048.privateKey));
    expect(nobleVerify(alg, rsa2048.spki, msg, sig)).toBe(true);
    expect(nobleVerify(alg, rsa2048.spki, msg, flip(sig, 0))).toBe(false);
    expect(nobleSign(alg, rsa2048.pkcs8, msg)).toEqual(sig);
  });

  it('accepts PKCS#1 RSAPrivateKey DER for signing', () => {
    const pkcs1 = u8(rsa2048.privateKey.export({ type: 'pkcs1', format: 'der' }));
    const alg: SignatureAlgorithm = { kind: 'rsa-pkcs1', hash: 'SHA-256' };
    expect(nobleSign(alg, pkcs1, msg)).toEqual(nobleSign(alg, rsa2048.pkcs8, msg));
  });

  it('rsa_pss_pss: id-RSASSA-PSS keys without parameters', () => {
    const k = exportKeys(pssKeyPair({ modulusLength: 2048 }));
    const alg: SignatureAlgorithm = { kind: 'rsa-pss', hash: 'SHA-256', saltLength: 32 };
    const sig = u8(
      nc.sign('sha256', msg, { key: k.privateKey, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
    );
    expect(nobleVerify(alg, k.spki, msg, sig)).toBe(true);
    const mine = nobleSign(alg, k.pkcs8, msg);
    expect(
      nc.verify('sha256', msg, { key: k.publicKey, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, mine),
    ).toBe(true);
    // A PSS key must not be used for PKCS#1 v1.5.
    expectCode(() => nobleVerify({ kind: 'rsa-pkcs1', hash: 'SHA-256' }, k.spki, msg, sig), 'CERT_UNSUPPORTED_ALGORITHM');
  });

  it('rsa_pss_pss: key parameters restrict hash and salt length', () => {
    const k = exportKeys(
      pssKeyPair({
        modulusLength: 2048,
        hashAlgorithm: 'sha384',
        mgf1HashAlgorithm: 'sha384',
        saltLength: 48,
      }),
    );
    const alg: SignatureAlgorithm = { kind: 'rsa-pss', hash: 'SHA-384', saltLength: 48 };
    const sig = u8(
      nc.sign('sha384', msg, { key: k.privateKey, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 }),
    );
    expect(nobleVerify(alg, k.spki, msg, sig)).toBe(true);
    expect(nc.verify('sha384', msg, k.publicKey, nobleSign(alg, k.pkcs8, msg))).toBe(true);
    expectCode(
      () => nobleVerify({ kind: 'rsa-pss', hash: 'SHA-256', saltLength: 32 }, k.spki, msg, sig),
      'CERT_UNSUPPORTED_ALGORITHM',
    );
    expectCode(
      () => nobleVerify({ kind: 'rsa-pss', hash: 'SHA-384', saltLength: 20 }, k.spki, msg, sig),
      'CERT_UNSUPPORTED_ALGORITHM',
    );
  });

  it.each([3072, 4096])('RSA-%i PSS both ways', (bits) => {
    const k = exportKeys(nc.generateKeyPairSync('rsa', { modulusLength: bits }));
    const alg: SignatureAlgorithm = { kind: 'rsa-pss', hash: 'SHA-256', saltLength: 32 };
    const sig = u8(
      nc.sign('sha256', msg, { key: k.privateKey, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
    );
    expect(nobleVerify(alg, k.spki, msg, sig)).toBe(true);
    const mine = nobleSign(alg, k.pkcs8, msg);
    expect(mine.length).toBe(bits / 8);
    expect(
      nc.verify('sha256', msg, { key: k.publicKey, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, mine),
    ).toBe(true);
  });
});

describe('key / algorithm mismatches', () => {
  const sig = new Uint8Array(64);
  it('throws CERT_UNSUPPORTED_ALGORITHM', () => {
    expectCode(() => nobleVerify({ kind: 'ed25519' }, ec['P-256'].spki, msg, sig), 'CERT_UNSUPPORTED_ALGORITHM');
    expectCode(() => nobleVerify({ kind: 'ecdsa', hash: 'SHA-256' }, rsa2048.spki, msg, sig), 'CERT_UNSUPPORTED_ALGORITHM');
    expectCode(
      () => nobleVerify({ kind: 'rsa-pss', hash: 'SHA-256', saltLength: 32 }, ed.spki, msg, sig),
      'CERT_UNSUPPORTED_ALGORITHM',
    );
    expectCode(() => nobleSign({ kind: 'ecdsa', hash: 'SHA-256' }, ed.pkcs8, msg), 'CERT_UNSUPPORTED_ALGORITHM');
    expectCode(() => nobleSign({ kind: 'rsa-pkcs1', hash: 'SHA-256' }, ec['P-384'].pkcs8, msg), 'CERT_UNSUPPORTED_ALGORITHM');
  });
  it('throws for unsupported keys (Ed448, secp256k1)', () => {
    const ed448 = u8(nc.generateKeyPairSync('ed448').publicKey.export({ type: 'spki', format: 'der' }));
    expectCode(() => nobleVerify({ kind: 'ed25519' }, ed448, msg, sig), 'CERT_UNSUPPORTED_ALGORITHM');
    const k1 = u8(
      nc.generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'der' }),
    );
    expectCode(() => nobleVerify({ kind: 'ecdsa', hash: 'SHA-256' }, k1, msg, sig), 'CERT_UNSUPPORTED_ALGORITHM');
  });
  it('throws BAD_CERTIFICATE for a malformed SPKI', () => {
    expectCode(() => nobleVerify({ kind: 'ed25519' }, ed.spki.subarray(0, 20), msg, sig), 'BAD_CERTIFICATE');
  });
});
