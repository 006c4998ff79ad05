/**
 * The WebCrypto provider: that it really runs on the platform where it can
 * and falls back to noble per algorithm where it cannot. Its RFC 8448
 * replay is in test/vectors/rfc8448.test.ts, beside noble's.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble.js';
import { selectProvider } from '../../src/crypto/index.js';
import { _features, webcryptoProvider } from '../../src/crypto/webcrypto.js';
import { webcryptoSupport } from '../../src/crypto/webcrypto-probes.js';
import { simple1rtt as v } from '../vectors/rfc8448.js';
import { fromHex, hex } from '../vectors/replay.js';

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

// The RFC 8448 §3 replay runs with this provider in test/vectors/rfc8448.test.ts.
describe('RSA-PSS on WebCrypto, with the RFC 8448 §3 certificate', () => {
  it('refuses a corrupted CertificateVerify signature with decrypt_error', async () => {
    // Re-verify the RFC's CertificateVerify over a wrong transcript: the RSA-PSS path on WebCrypto.
    const { parseSpki } = await import('../../src/crypto/keys.js');
    const { spkiOfCertificate } = await import('../../src/verify/cert.js');
    const spki = spkiOfCertificate(fromHex(v.serverCertificateDer));
    expect(parseSpki(spki).kind).toBe('rsa');
    const cv = fromHex(v.certificateVerify);
    const sig = cv.subarray(8);
    const alg = { kind: 'rsa-pss', hash: 'SHA-256', saltLength: 32 } as const;
    expect(await webcryptoProvider.verify(alg, spki, new Uint8Array(10), sig)).toBe(false);
  });
});
