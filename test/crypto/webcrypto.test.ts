/**
 * The WebCrypto provider: that it really runs on the platform where it can,
 * falls back to noble per algorithm where it cannot, and replays RFC 8448
 * byte for byte.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble.js';
import { selectProvider } from '../../src/crypto/index.js';
import { _features, webcryptoProvider, webcryptoSupport } from '../../src/crypto/webcrypto.js';
import { simple1rtt as v } from '../vectors/rfc8448.js';
import { fromHex, hex, startSimple1Rtt } from '../vectors/replay.js';

const realCrypto = globalThis.crypto;

/** globalThis.crypto whose subtle refuses the algorithms named, like an older runtime. */
function cryptoWithout(...missing: string[]): Crypto {
  const s = realCrypto.subtle;
  const refuse = (alg: unknown) => {
    const name = typeof alg === 'string' ? alg : (alg as { name?: string }).name;
    const curve = typeof alg === 'object' ? (alg as { namedCurve?: string }).namedCurve : undefined;
    if (missing.includes(name!) || (curve && missing.includes(`${name}-${curve}`))) {
      throw new DOMException('Unrecognized algorithm name', 'NotSupportedError');
    }
  };
  const subtle = new Proxy(s, {
    get(target, prop) {
      const f = Reflect.get(target, prop) as (...a: unknown[]) => Promise<unknown>;
      if (typeof f !== 'function') return f;
      return async (...args: unknown[]) => {
        // The algorithm sits second for importKey/unwrapKey, first elsewhere.
        refuse(prop === 'importKey' ? args[2] : args[0]);
        return f.apply(target, args);
      };
    },
  });
  return { subtle, getRandomValues: realCrypto.getRandomValues.bind(realCrypto) } as unknown as Crypto;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  _features.reset();
});

describe('webcrypto provider', () => {
  it('finds every algorithm in Node', async () => {
    const support = await webcryptoSupport();
    expect(Object.values(support).every(Boolean), JSON.stringify(support)).toBe(true);
  });

  it("is what 'auto' and 'webcrypto' select once registered", () => {
    expect(selectProvider('webcrypto')).toBe(webcryptoProvider);
    expect(selectProvider('auto')).toBe(webcryptoProvider);
    expect(selectProvider('noble')).toBe(nobleProvider);
  });

  it('runs AES-GCM, X25519, P-256, ECDSA and RSA on the platform', async () => {
    const s = realCrypto.subtle;
    const calls: string[] = [];
    for (const m of ['encrypt', 'decrypt', 'deriveBits', 'verify', 'sign'] as const) {
      const orig = s[m].bind(s) as (...a: unknown[]) => Promise<unknown>;
      vi.spyOn(s, m).mockImplementation(((...a: unknown[]) => {
        calls.push(`${m}:${(a[0] as { name: string }).name}`);
        return orig(...a);
      }) as never);
    }
    const aead = await webcryptoProvider.aead('AES-128-GCM', new Uint8Array(16));
    const sealed = await aead.seal(new Uint8Array(12), new Uint8Array(5), new Uint8Array(10));
    await aead.open(new Uint8Array(12), new Uint8Array(5), sealed);
    const a = await webcryptoProvider.generateKeyShare('x25519', () => new Uint8Array(32).fill(5));
    const b = await webcryptoProvider.generateKeyShare('secp256r1', () => new Uint8Array(32).fill(5));
    await a.agree(a.publicKey);
    await b.agree(b.publicKey);
    expect(calls).toEqual(
      expect.arrayContaining(['encrypt:AES-GCM', 'decrypt:AES-GCM', 'deriveBits:X25519', 'deriveBits:ECDH']),
    );
  });

  it('falls back to noble per algorithm, with the same keys', async () => {
    vi.stubGlobal('crypto', cryptoWithout('X25519', 'Ed25519', 'ECDH-P-521'));
    _features.reset();
    const support = await webcryptoSupport();
    expect(support.X25519).toBe(false);
    expect(support.Ed25519).toBe(false);
    expect(support['ECDH-P-521']).toBe(false);
    expect(support['ECDH-P-256']).toBe(true);
    expect(support['AES-GCM']).toBe(true);
    for (const group of ['x25519', 'secp521r1', 'secp256r1', 'X25519MLKEM768'] as const) {
      const seq = () => {
        let i = 0;
        return (n: number) => new Uint8Array(n).fill(++i);
      };
      const ours = await webcryptoProvider.generateKeyShare(group, seq());
      const ref = await nobleProvider.generateKeyShare(group, seq());
      expect(hex(ours.publicKey)).toBe(hex(ref.publicKey));
      const peer = await nobleProvider.generateKeyShare(group === 'X25519MLKEM768' ? 'x25519' : group, seq());
      if (group !== 'X25519MLKEM768') expect(hex(await ours.agree(peer.publicKey))).toBe(hex(await ref.agree(peer.publicKey)));
    }
  });

  it('uses noble for everything when there is no WebCrypto at all', async () => {
    vi.stubGlobal('crypto', { getRandomValues: realCrypto.getRandomValues.bind(realCrypto) });
    _features.reset();
    const support = await webcryptoSupport();
    expect(Object.values(support).some(Boolean)).toBe(false);
    const aead = await webcryptoProvider.aead('AES-128-GCM', new Uint8Array(16));
    const sealed = await aead.seal(new Uint8Array(12), new Uint8Array(5), new Uint8Array(10));
    expect(await aead.open(new Uint8Array(12), new Uint8Array(5), sealed)).toEqual(new Uint8Array(10));
  });

  it('probes each algorithm once', async () => {
    const spy = vi.spyOn(realCrypto.subtle, 'importKey');
    await webcryptoProvider.aead('AES-128-GCM', new Uint8Array(16));
    await webcryptoProvider.aead('AES-128-GCM', new Uint8Array(16));
    await webcryptoProvider.aead('AES-256-GCM', new Uint8Array(32));
    // One probe key, then one import per aead() call.
    expect(spy).toHaveBeenCalledTimes(4);
  });
});

describe('RFC 8448 §3 Simple 1-RTT Handshake, webcrypto provider', () => {
  const runSimple = () => startSimple1Rtt(webcryptoProvider);

  it('replays the whole connection byte for byte', async () => {
    const r = await runSimple();
    expect(r.sent.map(hex)).toEqual([v.clientHelloRecord]);
    await r.core.receive(fromHex(v.serverHelloRecord));
    expect(r.traced.get('shared_secret')).toBe(v.sharedSecret);
    expect(r.traced.get('handshake_secret')).toBe(v.handshakeSecret);
    await r.core.receive(fromHex(v.serverHandshakeRecord));
    expect(r.traced.get('finished')).toBe(v.serverFinished);
    expect(r.traced.get('client Finished')).toBe(v.clientFinished);
    expect(r.sent.slice(1).map(hex)).toEqual([v.clientFinishedRecord]);
    expect(r.info).toMatchObject({ cipherSuite: 'TLS_AES_128_GCM_SHA256', group: 'x25519', signatureScheme: 'rsa_pss_rsae_sha256' });
    await r.core.receive(fromHex(v.newSessionTicketRecord));
    expect(hex(r.tickets[0]!.psk)).toBe(v.resumptionPsk);
    await r.core.write(fromHex(v.applicationData));
    expect(hex(r.sent[2]!)).toBe(v.clientApplicationDataRecord);
    await r.core.receive(fromHex(v.serverApplicationDataRecord));
    expect(r.data.map(hex)).toEqual([v.applicationData]);
    await r.core.close();
    expect(hex(r.sent[3]!)).toBe(v.clientAlertRecord);
    await r.core.receive(fromHex(v.serverAlertRecord));
    expect(r.peerClosed).toBe(true);
  });

  it('refuses a corrupted record with bad_record_mac', async () => {
    const r = await runSimple();
    await r.core.receive(fromHex(v.serverHelloRecord));
    const rec = fromHex(v.serverHandshakeRecord);
    rec[rec.length - 20]! ^= 1;
    await expect(r.core.receive(rec)).rejects.toMatchObject({ code: 'BAD_RECORD_MAC', alert: 'bad_record_mac' });
  });

  it('refuses a corrupted CertificateVerify signature with decrypt_error', async () => {
    // Re-verify the RFC's CertificateVerify over a wrong transcript: the RSA-PSS path on WebCrypto.
    const { parseSpki } = await import('../../src/crypto/der.js');
    const { spkiOfCertificate } = await import('../../src/verify/cert.js');
    const spki = spkiOfCertificate(fromHex(v.serverCertificateDer));
    expect(parseSpki(spki).kind).toBe('rsa');
    const cv = fromHex(v.certificateVerify);
    const sig = cv.subarray(8);
    const alg = { kind: 'rsa-pss', hash: 'SHA-256', saltLength: 32 } as const;
    expect(await webcryptoProvider.verify(alg, spki, new Uint8Array(10), sig)).toBe(false);
  });
});
