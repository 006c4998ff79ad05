/**
 * TLS 1.2 record protection (RFC 5246 §6.2.3.3, RFC 5288 §3, RFC 7905 §2),
 * checked against an independent construction with node:crypto in both
 * directions, for each AEAD and each provider: the explicit nonce, the
 * additional data, sequence numbers, tampering and the plaintext limit.
 */
import * as nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { webcryptoProvider } from '../../src/crypto/webcrypto.js';
import { TlsError } from '../../src/errors.js';
import { ContentType, TLS12_CIPHER_SUITES, type Tls12CipherSuite } from '../../src/handshake/constants.js';
import { RecordProtection12 } from '../../src/record/protection12.js';

const rand = (n: number) => new Uint8Array(nodeCrypto.randomBytes(n));

/** seq_num(8) + type + version + length (RFC 5246 §6.2.3.3). */
function aad(seq: number, type: number, length: number): Buffer {
  const b = Buffer.alloc(13);
  b.writeBigUInt64BE(BigInt(seq), 0);
  b[8] = type;
  b.writeUInt16BE(0x0303, 9);
  b.writeUInt16BE(length, 11);
  return b;
}

/** The nonce RFC 5288 §3 (salt + explicit) or RFC 7905 §2 (IV XOR seq) prescribes. */
function nonce(suite: Tls12CipherSuite, iv: Uint8Array, seq: number, explicit?: Uint8Array): Buffer {
  if (suite.explicitNonceLength) return Buffer.concat([Buffer.from(iv), Buffer.from(explicit!)]);
  const n = Buffer.from(iv);
  const s = Buffer.alloc(8);
  s.writeBigUInt64BE(BigInt(seq));
  for (let i = 0; i < 8; i++) n[4 + i]! ^= s[i]!;
  return n;
}

const algo = (s: Tls12CipherSuite) =>
  s.aead === 'CHACHA20-POLY1305' ? 'chacha20-poly1305' : s.keyLength === 16 ? 'aes-128-gcm' : 'aes-256-gcm';

/** Decrypts one record as a reference implementation would. */
function referenceOpen(suite: Tls12CipherSuite, key: Uint8Array, iv: Uint8Array, seq: number, record: Uint8Array): Buffer {
  const type = record[0]!;
  const body = record.subarray(5);
  const explicit = body.subarray(0, suite.explicitNonceLength);
  const ct = body.subarray(suite.explicitNonceLength, body.length - 16);
  const tag = body.subarray(body.length - 16);
  const d = nodeCrypto.createDecipheriv(algo(suite) as 'aes-128-gcm', key, nonce(suite, iv, seq, explicit), { authTagLength: 16 });
  d.setAAD(aad(seq, type, ct.length));
  d.setAuthTag(tag);
  return Buffer.concat([d.update(ct), d.final()]);
}

/** Encrypts one record as a reference implementation would, with the given explicit nonce. */
function referenceSeal(suite: Tls12CipherSuite, key: Uint8Array, iv: Uint8Array, seq: number, type: number, plain: Uint8Array, explicit: Uint8Array): Uint8Array {
  const c = nodeCrypto.createCipheriv(algo(suite) as 'aes-128-gcm', key, nonce(suite, iv, seq, explicit), { authTagLength: 16 });
  c.setAAD(aad(seq, type, plain.length));
  const ct = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
  const body = Buffer.concat([Buffer.from(suite.explicitNonceLength ? explicit : new Uint8Array(0)), ct]);
  const header = Buffer.from([type, 3, 3, body.length >> 8, body.length & 0xff]);
  return new Uint8Array(Buffer.concat([header, body]));
}

const providers: [string, CryptoProvider][] = [
  ['noble', nobleProvider],
  ['webcrypto', webcryptoProvider],
];
// One suite per AEAD (the auth half does not change the record layer).
const suites = TLS12_CIPHER_SUITES.filter((s) => s.auth === 'ECDSA');

async function cipher(p: CryptoProvider, s: Tls12CipherSuite, key: Uint8Array, iv: Uint8Array): Promise<RecordProtection12> {
  return new RecordProtection12(await p.aead(s.aead, key), iv, s.explicitNonceLength);
}

describe.each(providers)('TLS 1.2 records with the %s provider', (_name, provider) => {
  describe.each(suites.map((s) => [s.aead, s] as const))('%s', (_aead, suite) => {
    const key = rand(suite.keyLength);
    const iv = rand(suite.fixedIvLength);

    it('seals what a reference opens: explicit nonce = sequence number, AAD over the plaintext length', async () => {
      const c = await cipher(provider, suite, key, iv);
      for (let seq = 0; seq < 3; seq++) {
        const plain = rand(100 + seq);
        const rec = await c.seal(ContentType.application_data, plain);
        expect(rec.length).toBe(5 + suite.explicitNonceLength + plain.length + 16);
        if (suite.explicitNonceLength) {
          expect(Buffer.from(rec.subarray(5, 13)).readBigUInt64BE()).toBe(BigInt(seq));
        }
        expect(referenceOpen(suite, key, iv, seq, rec)).toEqual(Buffer.from(plain));
      }
    });

    it('opens what a reference seals, with any explicit nonce, and returns the header type', async () => {
      const c = await cipher(provider, suite, key, iv);
      for (let seq = 0; seq < 3; seq++) {
        const plain = rand(50);
        const rec = referenceSeal(suite, key, iv, seq, ContentType.handshake, plain, rand(8));
        const opened = await c.open(rec.subarray(0, 5), rec.subarray(5));
        expect(opened.type).toBe(ContentType.handshake);
        expect(Buffer.from(opened.content)).toEqual(Buffer.from(plain));
        // The content is ours: scribbling over the network buffer leaves it intact.
        const copy = Buffer.from(opened.content);
        rec.fill(0);
        expect(Buffer.from(opened.content)).toEqual(copy);
      }
    });

    it('sealRecords splits, numbers and frames records like one-at-a-time sealing', async () => {
      const c = await cipher(provider, suite, key, iv);
      const data = rand(3 * 1000 + 17);
      const sealed = await c.sealRecords(ContentType.application_data, data, 1000);
      expect(sealed.records).toBe(4);
      let at = 0;
      const back: Buffer[] = [];
      for (let seq = 0; seq < 4; seq++) {
        const len = (sealed.bytes[at + 3]! << 8) | sealed.bytes[at + 4]!;
        back.push(referenceOpen(suite, key, iv, seq, sealed.bytes.subarray(at, at + 5 + len)));
        at += 5 + len;
      }
      expect(at).toBe(sealed.bytes.length);
      expect(Buffer.concat(back)).toEqual(Buffer.from(data));
    });

    it('refuses a changed explicit nonce, tag, type or sequence number with BAD_RECORD_MAC', async () => {
      const plain = rand(64);
      const good = referenceSeal(suite, key, iv, 0, ContentType.application_data, plain, rand(8));
      const tamper = async (f: (r: Uint8Array) => void, seqs = 0): Promise<unknown> => {
        const c = await cipher(provider, suite, key, iv);
        c.seq = seqs;
        const r = good.slice();
        f(r);
        return c.open(r.subarray(0, 5), r.subarray(5)).then(
          () => null,
          (e: unknown) => e,
        );
      };
      const cases: [string, (r: Uint8Array) => void, number][] = [
        ['tag', (r) => (r[r.length - 1]! ^= 1), 0],
        ['ciphertext', (r) => (r[5 + suite.explicitNonceLength]! ^= 1), 0],
        ['content type', (r) => (r[0] = ContentType.handshake), 0],
        ['sequence number', () => undefined, 1],
      ];
      if (suite.explicitNonceLength) cases.push(['explicit nonce', (r) => (r[5]! ^= 1), 0]);
      for (const [, f, seq] of cases) {
        const e = await tamper(f, seq);
        expect(e).toBeInstanceOf(TlsError);
        expect((e as TlsError).code).toBe('BAD_RECORD_MAC');
      }
      // Shorter than explicit nonce + tag.
      const c = await cipher(provider, suite, key, iv);
      const short = good.subarray(0, 5 + suite.explicitNonceLength + 15);
      await expect(c.open(short.subarray(0, 5), short.subarray(5))).rejects.toMatchObject({ code: 'BAD_RECORD_MAC' });
    });

    it('refuses plaintext over 2^14 with RECORD_OVERFLOW (RFC 5246 §6.2.3)', async () => {
      const rec = referenceSeal(suite, key, iv, 0, ContentType.application_data, rand(16385), rand(8));
      const c = await cipher(provider, suite, key, iv);
      await expect(c.open(rec.subarray(0, 5), rec.subarray(5))).rejects.toMatchObject({ code: 'RECORD_OVERFLOW' });
    });
  });
});
