// Internal consistency of the RFC 8448 data in rfc8448.ts, checked with @noble/* only
// (no engine code): if a hex string was mis-copied, one of these fails.
import { describe, expect, it } from 'vitest';
import { x25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { extract, expand } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { gcm } from '@noble/ciphers/aes.js';
import {
  clientAuthentication,
  compatibilityMode,
  helloRetryRequest,
  resumed0rtt,
  serverRsaPrivateKey,
  simple1rtt,
} from './rfc8448.js';

const b = (hex: string): Uint8Array => hexToBytes(hex);
const hx = (bytes: Uint8Array): string => bytesToHex(bytes);
const EMPTY = new Uint8Array(0);
const ZEROS = new Uint8Array(32);

// RFC 8446 §7.1 HKDF-Expand-Label / Derive-Secret, SHA-256 only.
function expandLabel(secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  const l = utf8ToBytes('tls13 ' + label);
  const info = concatBytes(
    new Uint8Array([length >> 8, length & 0xff, l.length]),
    l,
    new Uint8Array([context.length]),
    context,
  );
  return expand(sha256, secret, info, length);
}
const deriveSecret = (secret: Uint8Array, label: string, transcript: Uint8Array): Uint8Array =>
  expandLabel(secret, label, sha256(transcript), 32);
const hkdfExtract = (salt: Uint8Array, ikm: Uint8Array): Uint8Array => extract(sha256, ikm, salt);
const finishedVerifyData = (base: Uint8Array, transcript: Uint8Array): Uint8Array =>
  hmac(sha256, expandLabel(base, 'finished', EMPTY, 32), sha256(transcript));
const cat = (...hexes: string[]): Uint8Array => concatBytes(...hexes.map(b));

// RFC 8446 §5.3 per-record nonce, §5.2 AAD = record header; strips TLSInnerPlaintext padding.
function openRecord(record: string, key: string, iv: string, seq: number): { type: number; content: string } {
  const r = b(record);
  const nonce = b(iv);
  for (let i = 0; i < 8; i++) nonce[11 - i] = (nonce[11 - i] ?? 0) ^ ((seq / 2 ** (8 * i)) & 0xff);
  const pt = gcm(b(key), nonce, r.subarray(0, 5)).decrypt(r.subarray(5));
  let end = pt.length;
  while (end > 0 && pt[end - 1] === 0) end--;
  return { type: pt[end - 1] ?? -1, content: hx(pt.subarray(0, end - 1)) };
}

// Handshake framing: every message's 24-bit length matches its body.
function handshakeLengthOk(hex: string): boolean {
  const m = b(hex);
  return m.length >= 4 && ((m[1] ?? 0) << 16 | (m[2] ?? 0) << 8 | (m[3] ?? 0)) === m.length - 4;
}
// Record framing: every record's 16-bit length matches its fragment (records may be concatenated).
function recordsLengthOk(hex: string): boolean {
  const r = b(hex);
  let off = 0;
  while (off < r.length) {
    if (off + 5 > r.length) return false;
    off += 5 + (((r[off + 3] ?? 0) << 8) | (r[off + 4] ?? 0));
  }
  return off === r.length;
}

const HANDSHAKE_FIELDS = [
  'clientHello', 'clientHello1', 'clientHello2', 'clientHelloPrefix', 'serverHello', 'helloRetryRequest',
  'encryptedExtensions', 'certificateRequest', 'certificate', 'certificateVerify', 'serverFinished',
  'endOfEarlyData', 'clientCertificate', 'clientCertificateVerify', 'clientFinished', 'newSessionTicket',
  'messageHash',
];
const SECTIONS = { simple1rtt, resumed0rtt, helloRetryRequest, clientAuthentication, compatibilityMode };

describe('RFC 8448 vectors: framing', () => {
  for (const [name, t] of Object.entries(SECTIONS)) {
    const fields: Record<string, string> = t;
    it(`${name}: every value is lowercase even-length hex`, () => {
      for (const [k, v] of Object.entries(fields)) expect(v, k).toMatch(/^([0-9a-f]{2})+$/);
    });
    it(`${name}: handshake header lengths match bodies`, () => {
      for (const k of HANDSHAKE_FIELDS) {
        const v = fields[k];
        // The §4 ClientHello prefix keeps the full message's length (binders omitted).
        if (v !== undefined && k !== 'clientHelloPrefix') expect(handshakeLengthOk(v), k).toBe(true);
      }
    });
    it(`${name}: record header lengths match fragments`, () => {
      for (const [k, v] of Object.entries(fields)) if (k.endsWith('Record')) expect(recordsLengthOk(v), k).toBe(true);
    });
    it(`${name}: plaintext records carry the printed messages`, () => {
      const pairs: Array<[string, string]> = [
        ['clientHelloRecord', 'clientHello'], ['clientHello1Record', 'clientHello1'],
        ['clientHello2Record', 'clientHello2'], ['serverHelloRecord', 'serverHello'],
        ['helloRetryRequestRecord', 'helloRetryRequest'],
      ];
      for (const [r, m] of pairs) {
        const rec = fields[r];
        const msg = fields[m];
        if (rec !== undefined && msg !== undefined) expect(rec.slice(10), r).toBe(msg);
      }
    });
  }
});

describe('RFC 8448 vectors: key exchange', () => {
  for (const [name, t] of Object.entries(SECTIONS)) {
    it(`${name}: x25519 public keys derive from private keys`, () => {
      expect(hx(x25519.getPublicKey(b(t.clientPrivateKey)))).toBe(t.clientPublicKey);
      if ('serverPrivateKey' in t) expect(hx(x25519.getPublicKey(b(t.serverPrivateKey)))).toBe(t.serverPublicKey);
    });
  }
  for (const t of [simple1rtt, resumed0rtt, clientAuthentication, compatibilityMode]) {
    it(`x25519 shared secret agrees both ways (${t.clientPublicKey.slice(0, 8)})`, () => {
      const c = hx(x25519.getSharedSecret(b(t.clientPrivateKey), b(t.serverPublicKey)));
      const s = hx(x25519.getSharedSecret(b(t.serverPrivateKey), b(t.clientPublicKey)));
      expect(c).toBe(s);
      expect(c).toBe(t.sharedSecret);
    });
  }
  it('§5 P-256 keys and shared secret (x-coordinate)', () => {
    const t = helloRetryRequest;
    expect(hx(p256.getPublicKey(b(t.clientP256PrivateKey), false))).toBe(t.clientP256PublicKey);
    expect(hx(p256.getPublicKey(b(t.serverP256PrivateKey), false))).toBe(t.serverP256PublicKey);
    const c = p256.getSharedSecret(b(t.clientP256PrivateKey), b(t.serverP256PublicKey)).subarray(1);
    const s = p256.getSharedSecret(b(t.serverP256PrivateKey), b(t.clientP256PublicKey)).subarray(1);
    expect(hx(c)).toBe(hx(s));
    expect(hx(c)).toBe(t.sharedSecret);
  });
});

describe('RFC 8448 §3 HKDF label encodings', () => {
  const t = simple1rtt;
  it('empty hash, early secret from all-zero IKM', () => {
    expect(hx(sha256(EMPTY))).toBe(t.emptyHash);
    expect(hx(hkdfExtract(ZEROS, ZEROS))).toBe(t.earlySecret);
  });
  it('printed info strings match the HkdfLabel encoding', () => {
    const info = (label: string, ctx: Uint8Array, len: number): string => {
      const l = utf8ToBytes('tls13 ' + label);
      return hx(concatBytes(new Uint8Array([len >> 8, len & 0xff, l.length]), l, new Uint8Array([ctx.length]), ctx));
    };
    expect(info('derived', sha256(EMPTY), 32)).toBe(t.derivedInfo);
    expect(info('c hs traffic', b(t.helloHash), 32)).toBe(t.clientHandshakeTrafficInfo);
    expect(info('s hs traffic', b(t.helloHash), 32)).toBe(t.serverHandshakeTrafficInfo);
    expect(info('key', EMPTY, 16)).toBe(t.keyInfo);
    expect(info('iv', EMPTY, 12)).toBe(t.ivInfo);
    expect(info('finished', EMPTY, 32)).toBe(t.finishedInfo);
    expect(info('resumption', b('0000'), 32)).toBe(t.resumptionInfo);
  });
});

// Shared shape of a full (EC)DHE handshake section.
interface Trace {
  sharedSecret: string; serverHello: string; earlySecret: string; derivedForHandshake: string;
  handshakeSecret: string; helloHash: string; clientHandshakeTrafficSecret: string;
  serverHandshakeTrafficSecret: string; derivedForMaster: string; masterSecret: string;
  serverHandshakeKey: string; serverHandshakeIv: string; clientHandshakeKey: string; clientHandshakeIv: string;
  serverHandshakeRecord: string; serverHandshakePlaintext: string; serverFinished: string;
  serverFinishedKey: string; serverFinishedVerifyData: string; serverFinishedHash: string;
  clientApplicationTrafficSecret: string; serverApplicationTrafficSecret: string; exporterMasterSecret: string;
  serverApplicationKey: string; serverApplicationIv: string; clientApplicationKey: string; clientApplicationIv: string;
  clientFinished: string; clientFinishedKey: string; clientFinishedVerifyData: string; clientFinishedHash: string;
  resumptionMasterSecret: string; clientAlertRecord: string; serverAlertRecord: string; closeNotify: string;
}
interface Flow {
  name: string; t: Trace; psk: Uint8Array; beforeServerHello: Uint8Array;
  // Client messages between the server Finished and the client Finished.
  clientMessages: string[];
  clientRecord: { record: string; expect: string }; alertSeq: [number, number];
}
const flows: Flow[] = [
  { name: '§3', t: simple1rtt, psk: ZEROS, beforeServerHello: b(simple1rtt.clientHello), clientMessages: [],
    clientRecord: { record: simple1rtt.clientFinishedRecord, expect: simple1rtt.clientFinished }, alertSeq: [1, 2] },
  { name: '§4', t: resumed0rtt, psk: b(resumed0rtt.psk), beforeServerHello: b(resumed0rtt.clientHello),
    clientMessages: [resumed0rtt.endOfEarlyData],
    clientRecord: { record: resumed0rtt.clientFinishedRecord, expect: resumed0rtt.clientFinished }, alertSeq: [1, 1] },
  { name: '§5', t: helloRetryRequest, psk: ZEROS,
    beforeServerHello: cat(helloRetryRequest.messageHash, helloRetryRequest.helloRetryRequest, helloRetryRequest.clientHello2),
    clientMessages: [],
    clientRecord: { record: helloRetryRequest.clientFinishedRecord, expect: helloRetryRequest.clientFinished }, alertSeq: [0, 0] },
  { name: '§6', t: clientAuthentication, psk: ZEROS, beforeServerHello: b(clientAuthentication.clientHello),
    clientMessages: [clientAuthentication.clientCertificate, clientAuthentication.clientCertificateVerify],
    clientRecord: { record: clientAuthentication.clientHandshakeRecord, expect: clientAuthentication.clientHandshakePlaintext },
    alertSeq: [0, 0] },
  { name: '§7', t: compatibilityMode, psk: ZEROS, beforeServerHello: b(compatibilityMode.clientHello), clientMessages: [],
    clientRecord: { record: compatibilityMode.clientFinishedRecord, expect: compatibilityMode.clientFinished }, alertSeq: [0, 0] },
];

describe('RFC 8448 vectors: key schedule, Finished and records', () => {
  for (const f of flows) {
    const t = f.t;
    it(`${f.name}: secrets chain from the (EC)DHE and PSK inputs`, () => {
      const early = hkdfExtract(ZEROS, f.psk);
      expect(hx(early)).toBe(t.earlySecret);
      const dh = deriveSecret(early, 'derived', EMPTY);
      expect(hx(dh)).toBe(t.derivedForHandshake);
      const hs = hkdfExtract(dh, b(t.sharedSecret));
      expect(hx(hs)).toBe(t.handshakeSecret);
      const th1 = concatBytes(f.beforeServerHello, b(t.serverHello));
      expect(hx(sha256(th1))).toBe(t.helloHash);
      expect(hx(deriveSecret(hs, 'c hs traffic', th1))).toBe(t.clientHandshakeTrafficSecret);
      expect(hx(deriveSecret(hs, 's hs traffic', th1))).toBe(t.serverHandshakeTrafficSecret);
      const dm = deriveSecret(hs, 'derived', EMPTY);
      expect(hx(dm)).toBe(t.derivedForMaster);
      expect(hx(hkdfExtract(dm, ZEROS))).toBe(t.masterSecret);
    });
    it(`${f.name}: traffic keys and IVs`, () => {
      const pairs: Array<[string, string, string]> = [
        [t.serverHandshakeTrafficSecret, t.serverHandshakeKey, t.serverHandshakeIv],
        [t.clientHandshakeTrafficSecret, t.clientHandshakeKey, t.clientHandshakeIv],
        [t.serverApplicationTrafficSecret, t.serverApplicationKey, t.serverApplicationIv],
        [t.clientApplicationTrafficSecret, t.clientApplicationKey, t.clientApplicationIv],
      ];
      for (const [secret, key, iv] of pairs) {
        expect(hx(expandLabel(b(secret), 'key', EMPTY, 16))).toBe(key);
        expect(hx(expandLabel(b(secret), 'iv', EMPTY, 12))).toBe(iv);
      }
    });
    it(`${f.name}: server flight decrypts to the printed messages; Finished values verify`, () => {
      const flight = openRecord(t.serverHandshakeRecord, t.serverHandshakeKey, t.serverHandshakeIv, 0);
      expect(flight.type).toBe(22);
      expect(flight.content).toBe(t.serverHandshakePlaintext);
      expect(t.serverHandshakePlaintext.endsWith(t.serverFinished)).toBe(true);
      const th1 = concatBytes(f.beforeServerHello, b(t.serverHello));
      const beforeFin = concatBytes(th1, b(t.serverHandshakePlaintext.slice(0, -t.serverFinished.length)));
      expect(hx(expandLabel(b(t.serverHandshakeTrafficSecret), 'finished', EMPTY, 32))).toBe(t.serverFinishedKey);
      expect(hx(finishedVerifyData(b(t.serverHandshakeTrafficSecret), beforeFin))).toBe(t.serverFinishedVerifyData);
      expect(t.serverFinished.slice(8)).toBe(t.serverFinishedVerifyData);
      const th2 = concatBytes(th1, b(t.serverHandshakePlaintext));
      expect(hx(sha256(th2))).toBe(t.serverFinishedHash);
      const ms = b(t.masterSecret);
      expect(hx(deriveSecret(ms, 'c ap traffic', th2))).toBe(t.clientApplicationTrafficSecret);
      expect(hx(deriveSecret(ms, 's ap traffic', th2))).toBe(t.serverApplicationTrafficSecret);
      expect(hx(deriveSecret(ms, 'exp master', th2))).toBe(t.exporterMasterSecret);

      const clientBefore = concatBytes(th2, ...f.clientMessages.map(b));
      expect(hx(expandLabel(b(t.clientHandshakeTrafficSecret), 'finished', EMPTY, 32))).toBe(t.clientFinishedKey);
      expect(hx(finishedVerifyData(b(t.clientHandshakeTrafficSecret), clientBefore))).toBe(t.clientFinishedVerifyData);
      expect(t.clientFinished.slice(8)).toBe(t.clientFinishedVerifyData);
      const th3 = concatBytes(clientBefore, b(t.clientFinished));
      expect(hx(sha256(th3))).toBe(t.clientFinishedHash);
      expect(hx(deriveSecret(ms, 'res master', th3))).toBe(t.resumptionMasterSecret);

      const cf = openRecord(f.clientRecord.record, t.clientHandshakeKey, t.clientHandshakeIv, 0);
      expect(cf.type).toBe(22);
      expect(cf.content).toBe(f.clientRecord.expect);
    });
    it(`${f.name}: close_notify alerts decrypt`, () => {
      const c = openRecord(t.clientAlertRecord, t.clientApplicationKey, t.clientApplicationIv, f.alertSeq[0]);
      const s = openRecord(t.serverAlertRecord, t.serverApplicationKey, t.serverApplicationIv, f.alertSeq[1]);
      expect([c.type, c.content, s.type, s.content]).toEqual([21, t.closeNotify, 21, t.closeNotify]);
    });
  }

  it('§3: NewSessionTicket, resumption PSK and application data', () => {
    const t = simple1rtt;
    const nst = openRecord(t.newSessionTicketRecord, t.serverApplicationKey, t.serverApplicationIv, 0);
    expect([nst.type, nst.content]).toEqual([22, t.newSessionTicket]);
    const m = b(t.newSessionTicket);
    const nonce = m.subarray(13, 13 + (m[12] ?? 0));
    expect(hx(expandLabel(b(t.resumptionMasterSecret), 'resumption', nonce, 32))).toBe(t.resumptionPsk);
    expect(resumed0rtt.psk).toBe(t.resumptionPsk);
    const c = openRecord(t.clientApplicationDataRecord, t.clientApplicationKey, t.clientApplicationIv, 0);
    const s = openRecord(t.serverApplicationDataRecord, t.serverApplicationKey, t.serverApplicationIv, 1);
    expect([c.type, c.content, s.type, s.content]).toEqual([23, t.applicationData, 23, t.applicationData]);
  });

  it('§4: PSK binder, early data, EndOfEarlyData, application data', () => {
    const t = resumed0rtt;
    expect(t.clientHello.startsWith(t.clientHelloPrefix)).toBe(true);
    expect(t.clientHello.endsWith('2120' + t.binder)).toBe(true);
    expect(hx(sha256(b(t.clientHelloPrefix)))).toBe(t.binderHash);
    const early = b(t.earlySecret);
    const binderKey = deriveSecret(early, 'res binder', EMPTY);
    expect(hx(binderKey)).toBe(t.binderKey);
    expect(hx(expandLabel(binderKey, 'finished', EMPTY, 32))).toBe(t.binderFinishedKey);
    expect(hx(finishedVerifyData(binderKey, b(t.clientHelloPrefix)))).toBe(t.binder);
    const ch = b(t.clientHello);
    const cE = deriveSecret(early, 'c e traffic', ch);
    expect(hx(cE)).toBe(t.clientEarlyTrafficSecret);
    expect(hx(deriveSecret(early, 'e exp master', ch))).toBe(t.earlyExporterMasterSecret);
    expect(hx(expandLabel(cE, 'key', EMPTY, 16))).toBe(t.clientEarlyKey);
    expect(hx(expandLabel(cE, 'iv', EMPTY, 12))).toBe(t.clientEarlyIv);
    const ed = openRecord(t.earlyDataRecord, t.clientEarlyKey, t.clientEarlyIv, 0);
    expect([ed.type, ed.content]).toEqual([23, t.earlyData]);
    const eoed = openRecord(t.endOfEarlyDataRecord, t.clientEarlyKey, t.clientEarlyIv, 1);
    expect([eoed.type, eoed.content]).toEqual([22, t.endOfEarlyData]);
    expect(t.endOfEarlyData).toBe('05000000');
    const c = openRecord(t.clientApplicationDataRecord, t.clientApplicationKey, t.clientApplicationIv, 0);
    const s = openRecord(t.serverApplicationDataRecord, t.serverApplicationKey, t.serverApplicationIv, 0);
    expect([c.content, s.content]).toEqual([t.applicationData, t.applicationData]);
  });

  it('§5: message_hash replaces ClientHello1; cookie is echoed', () => {
    const t = helloRetryRequest;
    expect(t.messageHash).toBe('fe000020' + hx(sha256(b(t.clientHello1))));
    expect(t.helloRetryRequest).toContain('002c0074' + '0072' + t.cookie);
    expect(t.clientHello2).toContain('002c0074' + '0072' + t.cookie);
    // HelloRetryRequest's fixed random (RFC 8446 §4.1.3).
    expect(t.helloRetryRequest.slice(12, 76)).toBe('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c');
  });

  it('§7: middlebox compatibility: CCS record and echoed session id', () => {
    const t = compatibilityMode;
    expect(t.changeCipherSpecRecord).toBe('140303000101');
    const sid = t.clientHello.slice(2 * 39, 2 * 39 + 64);
    expect(t.clientHello.slice(76, 78)).toBe('20');
    expect(t.serverHello.slice(76, 78 + 64)).toBe('20' + sid);
  });
});

// RSA via BigInt: enough to check the §2 key and the RSA-PSS CertificateVerify signatures.
const big = (hex: string): bigint => BigInt('0x' + hex);
function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let r = 1n;
  let x = base % mod;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * x) % mod;
    x = (x * x) % mod;
  }
  return r;
}
// RFC 8017 §9.1.2 EMSA-PSS-VERIFY with SHA-256, MGF1-SHA-256, 32-byte salt, 1024-bit modulus.
function pssVerify(modulusHex: string, message: Uint8Array, signature: Uint8Array): boolean {
  const emLen = 128;
  const em = b(modPow(big(hx(signature)), 65537n, big(modulusHex)).toString(16).padStart(emLen * 2, '0'));
  if (em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - 33);
  const h = em.subarray(emLen - 33, emLen - 1);
  const mask = new Uint8Array(maskedDb.length);
  for (let c = 0, off = 0; off < mask.length; c++, off += 32) {
    mask.set(sha256(concatBytes(h, new Uint8Array([0, 0, 0, c]))).subarray(0, mask.length - off), off);
  }
  const db = maskedDb.map((v, i) => v ^ (mask[i] ?? 0));
  db[0] = (db[0] ?? 0) & 0x7f;
  const ps = db.length - 33;
  if (db.subarray(0, ps).some((v) => v !== 0) || db[ps] !== 1) return false;
  const salt = db.subarray(ps + 1);
  return hx(sha256(concatBytes(new Uint8Array(8), sha256(message), salt))) === hx(h);
}
const cvContent = (label: string, transcript: Uint8Array): Uint8Array =>
  concatBytes(new Uint8Array(64).fill(0x20), utf8ToBytes(label), new Uint8Array([0]), sha256(transcript));

describe('RFC 8448 vectors: certificates and signatures', () => {
  const k = serverRsaPrivateKey;
  it('§2 RSA key parameters are consistent', () => {
    const [n, e, d, p, q] = [big(k.modulus), big(k.publicExponent), big(k.privateExponent), big(k.prime1), big(k.prime2)];
    expect(p * q).toBe(n);
    expect(modPow(modPow(12345n, e, n), d, n)).toBe(12345n);
    expect(d % (p - 1n)).toBe(big(k.exponent1));
    expect(d % (q - 1n)).toBe(big(k.exponent2));
    expect((big(k.coefficient) * q) % p).toBe(1n);
  });
  it('server certificate DER sits in the Certificate message and carries the §2 modulus', () => {
    for (const t of [simple1rtt, helloRetryRequest, compatibilityMode]) {
      expect(t.certificate.slice(22, 22 + t.serverCertificateDer.length)).toBe(t.serverCertificateDer);
      expect(t.serverCertificateDer).toContain('02818100' + k.modulus + '0203010001');
    }
    expect(clientAuthentication.certificate.slice(22, 22 + clientAuthentication.serverCertificateDer.length))
      .toBe(clientAuthentication.serverCertificateDer);
    expect(clientAuthentication.clientCertificate.slice(22, 22 + clientAuthentication.clientCertificateDer.length))
      .toBe(clientAuthentication.clientCertificateDer);
  });
  it('server RSA-PSS CertificateVerify signatures verify (§3, §5, §7)', () => {
    const cases: Array<[string, Uint8Array, string]> = [
      ['§3', cat(simple1rtt.clientHello, simple1rtt.serverHello, simple1rtt.encryptedExtensions, simple1rtt.certificate),
        simple1rtt.certificateVerify],
      ['§5', cat(helloRetryRequest.messageHash, helloRetryRequest.helloRetryRequest, helloRetryRequest.clientHello2,
        helloRetryRequest.serverHello, helloRetryRequest.encryptedExtensions, helloRetryRequest.certificate),
      helloRetryRequest.certificateVerify],
      ['§7', cat(compatibilityMode.clientHello, compatibilityMode.serverHello, compatibilityMode.encryptedExtensions,
        compatibilityMode.certificate), compatibilityMode.certificateVerify],
    ];
    for (const [name, transcript, cv] of cases) {
      expect(cv.slice(8, 12), name).toBe('0804'); // rsa_pss_rsae_sha256
      const msg = cvContent('TLS 1.3, server CertificateVerify', transcript);
      expect(pssVerify(k.modulus, msg, b(cv.slice(16))), name).toBe(true);
    }
  });
  it('§6 server ECDSA and client RSA-PSS CertificateVerify signatures verify', () => {
    const t = clientAuthentication;
    const spki = t.serverCertificateDer.indexOf('034200');
    const serverPub = b(t.serverCertificateDer.slice(spki + 6, spki + 6 + 130));
    const th = cat(t.clientHello, t.serverHello, t.encryptedExtensions, t.certificateRequest, t.certificate);
    expect(t.certificateVerify.slice(8, 12)).toBe('0403'); // ecdsa_secp256r1_sha256
    const sig = b(t.certificateVerify.slice(16));
    expect(p256.verify(sig, cvContent('TLS 1.3, server CertificateVerify', th), serverPub, { format: 'der' })).toBe(true);
    const mod = t.clientCertificateDer.indexOf('02818100');
    const clientModulus = t.clientCertificateDer.slice(mod + 8, mod + 8 + 256);
    const th2 = cat(t.clientHello, t.serverHello, t.encryptedExtensions, t.certificateRequest, t.certificate,
      t.certificateVerify, t.serverFinished, t.clientCertificate);
    expect(t.clientCertificateVerify.slice(8, 12)).toBe('0804');
    expect(pssVerify(clientModulus, cvContent('TLS 1.3, client CertificateVerify', th2),
      b(t.clientCertificateVerify.slice(16)))).toBe(true);
  });
});
