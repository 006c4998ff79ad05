/**
 * The TLS 1.2 vectors in tls12-data.ts are self-consistent, checked with
 * node:crypto only (independent of the engine): the public PRF and extended
 * master secret vectors, and for every recorded session the transcript, the
 * key block, every protected record and both Finished verify_data values.
 */
import { createDecipheriv, createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  TLS12_EMS_VECTORS,
  TLS12_PRF_VECTORS,
  TLS12_RECORDED_SESSIONS,
  TLS12_RECORDING,
  type Tls12RecordedSession,
} from './tls12-data.js';

type Hash = 'sha256' | 'sha384';
const hex = (h: string) => Buffer.from(h, 'hex');

/** RFC 5246 §5: PRF(secret, label, seed) = P_hash(secret, label + seed). */
function prf(hash: Hash, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Buffer {
  const labelSeed = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  const out: Buffer[] = [];
  let a: Buffer = labelSeed;
  for (let total = 0; total < length; total += out.at(-1)!.length) {
    a = createHmac(hash, secret).update(a).digest();
    out.push(createHmac(hash, secret).update(a).update(labelSeed).digest());
  }
  return Buffer.concat(out).subarray(0, length);
}

const digest = (hash: Hash, data: Uint8Array) => createHash(hash).update(data).digest();

interface AeadParams {
  cipher: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  keyLen: number;
  /** fixed IV length: 4 (GCM salt, RFC 5288) or 12 (RFC 7905) */
  ivLen: number;
}

function aeadOf(session: Tls12RecordedSession): AeadParams {
  if (session.suite.includes('AES_128_GCM')) return { cipher: 'aes-128-gcm', keyLen: 16, ivLen: 4 };
  if (session.suite.includes('AES_256_GCM')) return { cipher: 'aes-256-gcm', keyLen: 32, ivLen: 4 };
  if (session.suite.includes('CHACHA20_POLY1305')) return { cipher: 'chacha20-poly1305', keyLen: 32, ivLen: 12 };
  throw new Error(`no AEAD for ${session.suite}`);
}

/** RFC 5246 §6.3 key_block, AEAD suites (no MAC keys). */
function keyBlock(session: Tls12RecordedSession) {
  const { keyLen, ivLen } = aeadOf(session);
  const b = prf(session.hash, hex(session.masterSecret), 'key expansion', Buffer.concat([hex(session.serverRandom), hex(session.clientRandom)]), 2 * keyLen + 2 * ivLen);
  return {
    clientWriteKey: b.subarray(0, keyLen),
    serverWriteKey: b.subarray(keyLen, 2 * keyLen),
    clientWriteIv: b.subarray(2 * keyLen, 2 * keyLen + ivLen),
    serverWriteIv: b.subarray(2 * keyLen + ivLen, 2 * keyLen + 2 * ivLen),
  };
}

/**
 * Open a TLS 1.2 AEAD record (RFC 5246 §6.2.3.3): nonce = salt || explicit
 * (GCM, RFC 5288) or iv XOR seq (ChaCha20-Poly1305, RFC 7905); additional data
 * = seq_num || type || version || plaintext length. Throws if it does not authenticate.
 */
function openRecord(params: AeadParams, key: Uint8Array, iv: Uint8Array, seq: number, record: Buffer): Buffer {
  const fragment = record.subarray(5);
  const explicit = params.ivLen === 4 ? 8 : 0;
  let nonce: Buffer;
  if (explicit) nonce = Buffer.concat([iv, fragment.subarray(0, 8)]);
  else {
    nonce = Buffer.from(iv);
    const s = Buffer.alloc(8);
    s.writeBigUInt64BE(BigInt(seq));
    for (let i = 0; i < 8; i++) nonce[4 + i]! ^= s[i]!;
  }
  const ciphertext = fragment.subarray(explicit, fragment.length - 16);
  const aad = Buffer.alloc(13);
  aad.writeBigUInt64BE(BigInt(seq), 0);
  record.copy(aad, 8, 0, 3);
  aad.writeUInt16BE(ciphertext.length, 11);
  const d = createDecipheriv(params.cipher, key, nonce, { authTagLength: 16 } as never) as unknown as {
    setAAD(b: Uint8Array, o?: object): void;
    setAuthTag(b: Uint8Array): void;
    update(b: Uint8Array): Buffer;
    final(): Buffer;
  };
  d.setAAD(aad, { plaintextLength: ciphertext.length });
  d.setAuthTag(fragment.subarray(fragment.length - 16));
  return Buffer.concat([d.update(ciphertext), d.final()]);
}

/** Extension types of a ClientHello / ServerHello message (with its 4-byte header). */
function helloExtensions(msg: Buffer): number[] {
  let off = 4 + 2 + 32;
  off += 1 + msg[off]!; // session_id
  if (msg[0] === 1) {
    off += 2 + msg.readUInt16BE(off); // cipher_suites
    off += 1 + msg[off]!; // compression_methods
  } else off += 3; // cipher_suite, compression_method
  const end = off + 2 + msg.readUInt16BE(off);
  const types: number[] = [];
  for (off += 2; off < end; off += 4 + msg.readUInt16BE(off + 2)) types.push(msg.readUInt16BE(off));
  return types;
}

describe('TLS 1.2 PRF vectors (IETF TLS list)', () => {
  it.each(TLS12_PRF_VECTORS.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const out = prf(v.hash, hex(v.secret), v.label, hex(v.seed), v.output.length / 2);
    expect(out.toString('hex')).toBe(v.output);
  });

  it('a different label gives a different output (the check can fail)', () => {
    const v = TLS12_PRF_VECTORS[0]!;
    expect(prf(v.hash, hex(v.secret), 'test labe1', hex(v.seed), 16).toString('hex')).not.toBe(v.output.slice(0, 32));
  });
});

describe('extended master secret vectors (RFC 7627 §4)', () => {
  it.each(TLS12_EMS_VECTORS.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const ms = prf(v.hash, hex(v.preMasterSecret), 'extended master secret', hex(v.sessionHash), 48);
    expect(ms.toString('hex')).toBe(v.masterSecret);
    // The RFC 5246 label would give another secret.
    expect(prf(v.hash, hex(v.preMasterSecret), 'master secret', hex(v.sessionHash), 48).toString('hex')).not.toBe(v.masterSecret);
  });

  it('the recorded one belongs to a recorded session: same master secret, session hash from its transcript', () => {
    const v = TLS12_EMS_VECTORS.find((x) => x.clientRandom)!;
    const session = TLS12_RECORDED_SESSIONS.find((s) => s.clientRandom === v.clientRandom)!;
    expect(session.keyExchange).toBe('RSA');
    expect(session.masterSecret).toBe(v.masterSecret);
    const upToCke = session.handshakeMessages.slice(0, session.handshakeMessages.findIndex((m) => m.type === 'client_key_exchange') + 1);
    expect(digest(v.hash, Buffer.concat(upToCke.map((m) => hex(m.hex)))).toString('hex')).toBe(v.sessionHash);
    // RSA pre-master secret: client_version (TLS 1.2) + 46 random bytes.
    expect(v.preMasterSecret).toMatch(/^0303[0-9a-f]{92}$/);
  });
});

describe('recorded sessions', () => {
  it('cover the three AEAD ciphers with both PRF hashes, recorded by OpenSSL on both sides', () => {
    expect(TLS12_RECORDED_SESSIONS.map((s) => s.suite)).toEqual([
      'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
      'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
      'TLS_RSA_WITH_AES_128_GCM_SHA256',
    ]);
    expect(TLS12_RECORDING.openssl).toMatch(/^OpenSSL \d/);
    expect(TLS12_RECORDING.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  describe.each(TLS12_RECORDED_SESSIONS.map((s) => [s.suite, s] as const))('%s', (_suite, s) => {
    const messages = s.handshakeMessages.map((m) => ({ ...m, bytes: hex(m.hex) }));
    const params = aeadOf(s);
    const keys = keyBlock(s);

    it('hellos: randoms, suite, extended_master_secret; transcript order', () => {
      expect(messages.map((m) => `${m.from} ${m.type}`)).toEqual([
        'client client_hello',
        'server server_hello',
        'server certificate',
        ...(s.keyExchange === 'ECDHE' ? ['server server_key_exchange'] : []),
        'server server_hello_done',
        'client client_key_exchange',
        'client finished',
        'server finished',
      ]);
      for (const m of messages) expect(m.bytes.readUIntBE(1, 3)).toBe(m.bytes.length - 4);
      const ch = messages[0]!.bytes;
      const sh = messages[1]!.bytes;
      expect(ch.subarray(6, 38).toString('hex')).toBe(s.clientRandom);
      expect(sh.subarray(4, 6).toString('hex')).toBe('0303');
      expect(sh.subarray(6, 38).toString('hex')).toBe(s.serverRandom);
      expect(sh.readUInt16BE(38 + 1 + sh[38]!)).toBe(s.suiteId);
      expect(helloExtensions(ch)).toContain(23);
      expect(helloExtensions(sh)).toContain(23);
      expect(s.extendedMasterSecret).toBe(true);
      const upToCke = messages.slice(0, messages.findIndex((m) => m.type === 'client_key_exchange') + 1);
      expect(digest(s.hash, Buffer.concat(upToCke.map((m) => m.bytes))).toString('hex')).toBe(s.sessionHash);
    });

    it('key block from the master secret (PRF "key expansion")', () => {
      expect(keys.clientWriteKey.toString('hex')).toBe(s.derivedKeys.clientWriteKey);
      expect(keys.serverWriteKey.toString('hex')).toBe(s.derivedKeys.serverWriteKey);
      expect(keys.clientWriteIv.toString('hex')).toBe(s.derivedKeys.clientWriteIv);
      expect(keys.serverWriteIv.toString('hex')).toBe(s.derivedKeys.serverWriteIv);
    });

    it('ChangeCipherSpec records', () => {
      expect(s.clientChangeCipherSpec).toBe('140303000101');
      expect(s.serverChangeCipherSpec).toBe('140303000101');
    });

    it.each(s.records.map((r) => [`${r.from} seq ${r.seq} ${r.what}`, r] as const))('record %s decrypts to its plaintext', (_name, r) => {
      const record = hex(r.record);
      expect(record[0]).toBe(r.contentType);
      expect(record.subarray(1, 3).toString('hex')).toBe('0303');
      expect(record.readUInt16BE(3)).toBe(record.length - 5);
      const [key, iv] = r.from === 'client' ? [keys.clientWriteKey, keys.clientWriteIv] : [keys.serverWriteKey, keys.serverWriteIv];
      expect(openRecord(params, key, iv, r.seq, record).toString('hex')).toBe(r.plaintext);
      // Wrong sequence number, wrong direction's key, or one flipped bit: no plaintext.
      expect(() => openRecord(params, key, iv, r.seq + 1, record)).toThrow();
      const other = r.from === 'client' ? keys.serverWriteKey : keys.clientWriteKey;
      expect(() => openRecord(params, other, iv, r.seq, record)).toThrow();
      for (const at of [5 + (params.ivLen === 4 ? 8 : 0), record.length - 1]) {
        const flipped = Buffer.from(record);
        flipped[at]! ^= 1; // first ciphertext byte, last tag byte
        expect(() => openRecord(params, key, iv, r.seq, flipped)).toThrow();
      }
    });

    it('the records carry the Finished messages, the known lines and close_notify', () => {
      const by = (from: string, seq: number) => s.records.find((r) => r.from === from && r.seq === seq)!;
      expect(by('client', 0).plaintext).toBe(messages.find((m) => m.from === 'client' && m.type === 'finished')!.hex);
      expect(by('server', 0).plaintext).toBe(messages.find((m) => m.from === 'server' && m.type === 'finished')!.hex);
      expect(hex(by('client', 1).plaintext).toString('latin1')).toBe(TLS12_RECORDING.clientLine);
      expect(hex(by('server', 1).plaintext).toString('latin1')).toBe(TLS12_RECORDING.serverLine);
      expect(by('client', 2).plaintext).toBe('0100');
      expect(by('server', 2).plaintext).toBe('0100');
    });

    it('Finished verify_data = PRF(master_secret, label, Hash(handshake_messages))[0..11] (RFC 5246 §7.4.9)', () => {
      const ms = hex(s.masterSecret);
      const clientFin = messages.findIndex((m) => m.from === 'client' && m.type === 'finished');
      const transcript = (n: number) => Buffer.concat(messages.slice(0, n).map((m) => m.bytes));
      const clientVerify = prf(s.hash, ms, 'client finished', digest(s.hash, transcript(clientFin)), 12);
      const serverVerify = prf(s.hash, ms, 'server finished', digest(s.hash, transcript(clientFin + 1)), 12);
      expect(clientVerify.toString('hex')).toBe(s.clientVerifyData);
      expect(serverVerify.toString('hex')).toBe(s.serverVerifyData);
      expect(messages[clientFin]!.hex).toBe('1400000c' + s.clientVerifyData);
      expect(messages[clientFin + 1]!.hex).toBe('1400000c' + s.serverVerifyData);
      // The server's transcript includes the client's Finished: without it, another value.
      expect(prf(s.hash, ms, 'server finished', digest(s.hash, transcript(clientFin)), 12).toString('hex')).not.toBe(s.serverVerifyData);
    });
  });
});
