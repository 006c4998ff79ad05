/**
 * puretls's own TLS 1.2 key derivation and record protection against
 * known answers (test/vectors/tls12-data.ts names each source): the PRF with
 * SHA-256 and SHA-384 (the IETF TLS list vectors), the extended master
 * secret (s2n-tls's vector and a recorded session), and sessions recorded
 * between OpenSSL's client and server, one per AEAD: key block, Finished
 * verify_data over the transcript, and every record opened — and sealed
 * again byte for byte where the explicit nonce is ours to choose.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/codec.js';
import { nobleProvider } from '../../src/crypto/noble.js';
import type { CryptoProvider, HashName } from '../../src/crypto/provider.js';
import { webcryptoProvider } from '../../src/crypto/webcrypto.js';
import { TLS12_CIPHER_SUITES } from '../../src/handshake/constants.js';
import { extendedMasterSecret, finishedVerifyData12, keyBlock12, masterSecret12, prf12 } from '../../src/handshake/prf.js';
import { RecordProtection12 } from '../../src/record/protection12.js';
import { TLS12_EMS_VECTORS, TLS12_PRF_VECTORS, TLS12_RECORDED_SESSIONS } from './tls12-data.js';

const hashName = (h: 'sha256' | 'sha384'): HashName => (h === 'sha256' ? 'SHA-256' : 'SHA-384');
const providers: [string, CryptoProvider][] = [
  ['noble', nobleProvider],
  ['webcrypto', webcryptoProvider],
];

describe('TLS 1.2 PRF (RFC 5246 §5)', () => {
  it.each(TLS12_PRF_VECTORS.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const hash = nobleProvider.hash(hashName(v.hash));
    const out = prf12(hash, fromHex(v.secret), v.label, fromHex(v.seed), fromHex(v.output).length);
    expect(toHex(out)).toBe(v.output);
  });
});

describe('extended master secret (RFC 7627 §4)', () => {
  it.each(TLS12_EMS_VECTORS.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const hash = nobleProvider.hash(hashName(v.hash));
    expect(toHex(extendedMasterSecret(hash, fromHex(v.preMasterSecret), fromHex(v.sessionHash)))).toBe(v.masterSecret);
  });
});

describe.each(providers)('recorded OpenSSL TLS 1.2 sessions, %s provider', (_p, provider) => {
  describe.each(TLS12_RECORDED_SESSIONS.map((s) => [s.suite, s] as const))('%s', (_name, s) => {
    // TLS_RSA_WITH_AES_128_GCM_SHA256 (0x009C, recorded for its EMS inputs) protects records
    // exactly as the ECDHE AES-128-GCM suites do (RFC 5288 §3).
    const code = s.suiteId === 0x009c ? 0xc02f : s.suiteId;
    const suite = TLS12_CIPHER_SUITES.find((c) => c.code === code);
    const hash = provider.hash(hashName(s.hash));
    const master = fromHex(s.masterSecret);
    const cr = fromHex(s.clientRandom);
    const sr = fromHex(s.serverRandom);

    it('session hash and master secret', () => {
      const transcript = s.handshakeMessages;
      // RFC 7627 §3: the session hash covers the messages through ClientKeyExchange.
      const upTo = transcript.findIndex((m) => m.type === 'client_key_exchange');
      expect(upTo).toBeGreaterThan(0);
      const h = hash.create();
      for (const m of transcript.slice(0, upTo + 1)) h.update(fromHex(m.hex));
      expect(toHex(h.peek())).toBe(s.sessionHash);
      expect(s.extendedMasterSecret).toBe(true);
      // The classic derivation gives something else (RFC 5246 §8.1): EMS really is in use.
      expect(toHex(masterSecret12(hash, new Uint8Array(32), cr, sr))).not.toBe(s.masterSecret);
    });

    it('key block (RFC 5246 §6.3)', () => {
      const keyLength = s.derivedKeys.clientWriteKey.length / 2;
      const ivLength = s.derivedKeys.clientWriteIv.length / 2;
      const kb = keyBlock12(hash, master, cr, sr, keyLength, ivLength);
      expect(toHex(kb.clientKey)).toBe(s.derivedKeys.clientWriteKey);
      expect(toHex(kb.serverKey)).toBe(s.derivedKeys.serverWriteKey);
      expect(toHex(kb.clientIv)).toBe(s.derivedKeys.clientWriteIv);
      expect(toHex(kb.serverIv)).toBe(s.derivedKeys.serverWriteIv);
    });

    it('Finished verify_data of both sides (RFC 5246 §7.4.9)', () => {
      const msgs = s.handshakeMessages;
      const at = (from: 'client' | 'server') => msgs.findIndex((m) => m.type === 'finished' && m.from === from);
      const through = (i: number) => {
        const h = hash.create();
        for (const m of msgs.slice(0, i)) h.update(fromHex(m.hex));
        return h.peek();
      };
      expect(toHex(finishedVerifyData12(hash, master, 'client', through(at('client'))))).toBe(s.clientVerifyData);
      expect(toHex(finishedVerifyData12(hash, master, 'server', through(at('server'))))).toBe(s.serverVerifyData);
    });

    it('every record opens to its plaintext; ours seal to the same bytes given the same nonce', async () => {
      expect(suite).toBeDefined();
      const kb = keyBlock12(hash, master, cr, sr, suite!.keyLength, suite!.fixedIvLength);
      for (const from of ['client', 'server'] as const) {
        const key = from === 'client' ? kb.clientKey : kb.serverKey;
        const iv = from === 'client' ? kb.clientIv : kb.serverIv;
        const reader = new RecordProtection12(await provider.aead(suite!.aead, key), iv, suite!.explicitNonceLength);
        for (const r of s.records.filter((x) => x.from === from).sort((a, b) => a.seq - b.seq)) {
          const rec = fromHex(r.record);
          reader.seq = r.seq;
          const opened = await reader.open(rec.subarray(0, 5), rec.subarray(5));
          expect(opened.type, r.what).toBe(r.contentType);
          expect(toHex(opened.content), r.what).toBe(r.plaintext);
          // ChaCha20 has no explicit nonce: our sealing must reproduce OpenSSL's record exactly.
          if (!suite!.explicitNonceLength) {
            const writer = new RecordProtection12(await provider.aead(suite!.aead, key), iv, 0);
            writer.seq = r.seq;
            expect(toHex(await writer.seal(r.contentType, fromHex(r.plaintext))), r.what).toBe(r.record);
          }
        }
      }
    });
  });
});
