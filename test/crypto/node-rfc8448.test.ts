/**
 * RFC 8448 §3-§7 replayed byte for byte with the node provider (the noble
 * and webcrypto replays are in test/vectors/). The injected randomness must
 * give node:crypto the RFC's private keys exactly as noble draws them, and
 * the spy shows node:crypto, not a noble fallback, did the work.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { _nodeInternals, nodeProvider } from '../../src/crypto/node.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { SIGNATURE_SCHEMES } from '../../src/handshake/constants.js';
import { decodeCertificateVerify, decodeNewSessionTicket } from '../../src/handshake/messages.js';
import type { StoredSession } from '../../src/handshake/session.js';
import { spkiOfCertificate } from '../../src/verify/cert.js';
import {
  clientAuthentication as s6,
  compatibilityMode as s7,
  helloRetryRequest as s5,
  resumed0rtt as s4,
  simple1rtt as s3,
} from '../vectors/rfc8448.js';
import { fromHex, hex, replay, scriptedRandom, startSimple1Rtt } from '../vectors/replay.js';
import { spyNodeCrypto, type NodeCryptoSpy } from './node-spy.js';

const randomOf = (hello: string) => hello.slice(12, 12 + 64);
const pinned = (der: string) => async (chain: readonly Uint8Array[]) => {
  expect(chain.map(hex)).toEqual([der]);
};

let spy: NodeCryptoSpy;
beforeEach(() => {
  spy = spyNodeCrypto();
  _nodeInternals.reset(spy.module);
});
afterEach(() => _nodeInternals.reset());

describe('RFC 8448 with the node provider', () => {
  it('§3 Simple 1-RTT: every secret, key and record', async () => {
    const r = await startSimple1Rtt(nodeProvider);
    expect(r.sent.map(hex)).toEqual([s3.clientHelloRecord]);
    await r.core.receive(fromHex(s3.serverHelloRecord));
    expect(r.traced.get('shared_secret')).toBe(s3.sharedSecret);
    expect(r.traced.get('handshake_secret')).toBe(s3.handshakeSecret);
    await r.core.receive(fromHex(s3.serverHandshakeRecord));
    expect(r.traced.get('certificate_verify')).toBe(s3.certificateVerify);
    expect(r.traced.get('client_application_traffic_secret_0')).toBe(s3.clientApplicationTrafficSecret);
    expect(r.traced.get('server_application_traffic_secret_0')).toBe(s3.serverApplicationTrafficSecret);
    expect(r.traced.get('exporter_master_secret')).toBe(s3.exporterMasterSecret);
    expect(r.traced.get('client_application_write_key')).toBe(s3.clientApplicationKey);
    expect(r.traced.get('resumption_master_secret')).toBe(s3.resumptionMasterSecret);
    expect(r.sent.slice(1).map(hex)).toEqual([s3.clientFinishedRecord]);
    expect(r.info).toMatchObject({ cipherSuite: 'TLS_AES_128_GCM_SHA256', group: 'x25519', signatureScheme: 'rsa_pss_rsae_sha256' });

    await r.core.receive(fromHex(s3.newSessionTicketRecord));
    const t = r.tickets[0]!;
    expect(t.version === 'TLSv1.2' ? null : hex(t.psk)).toBe(s3.resumptionPsk);
    await r.core.write(fromHex(s3.applicationData));
    expect(hex(r.sent[2]!)).toBe(s3.clientApplicationDataRecord);
    await r.core.receive(fromHex(s3.serverApplicationDataRecord));
    expect(r.data.map(hex)).toEqual([s3.applicationData]);
    await r.core.close();
    expect(hex(r.sent[3]!)).toBe(s3.clientAlertRecord);
    await r.core.receive(fromHex(s3.serverAlertRecord));
    expect(r.peerClosed).toBe(true);

    // The RFC's x25519 key imported into node:crypto, RSA-PSS verified there, records on AES-GCM, HKDF on HMAC.
    expect(spy.calls).toEqual(
      expect.arrayContaining(['createPrivateKey', 'diffieHellman', 'verify:sha256', 'createCipheriv:aes-128-gcm', 'createDecipheriv:aes-128-gcm', 'createHmac:sha256']),
    );
  });

  it('§3: a server Finished wrong by one bit fails the AEAD with bad_record_mac', async () => {
    const r = await startSimple1Rtt(nodeProvider);
    await r.core.receive(fromHex(s3.serverHelloRecord));
    const rec = fromHex(s3.serverHandshakeRecord);
    rec[rec.length - 20]! ^= 1;
    await expect(r.core.receive(rec)).rejects.toMatchObject({ code: 'BAD_RECORD_MAC', alert: 'bad_record_mac' });
  });

  it('§4 Resumed 0-RTT: the binder, early data, EndOfEarlyData and Finished', async () => {
    const nst = decodeNewSessionTicket(fromHex(s3.newSessionTicket).subarray(4));
    const session: StoredSession = {
      serverName: 'server',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      psk: fromHex(s4.psk),
      ticket: nst.ticket,
      ageAdd: nst.ageAdd,
      lifetime: nst.lifetime,
      receivedAt: 1000,
      maxEarlyData: 1024,
      alpn: null,
    };
    const r = replay(
      {
        serverName: 'server',
        random: scriptedRandom([randomOf(s4.clientHello), s4.clientPrivateKey]),
        session,
        earlyData: true,
        now: () => 1006,
      },
      s4.clientHello,
      nodeProvider,
    );
    await r.core.start();
    expect(r.traced.get('binder')).toBe(s4.binder);
    expect(r.sent.map(hex)).toEqual([s4.clientHelloRecord]);
    await r.core.write(fromHex(s4.earlyData));
    expect(hex(r.sent[1]!)).toBe(s4.earlyDataRecord);
    await r.core.receive(fromHex(s4.serverHelloRecord + s4.serverHandshakeRecord));
    expect(r.traced.get('resumption_master_secret')).toBe(s4.resumptionMasterSecret);
    expect(r.sent.slice(2).map(hex)).toEqual([s4.endOfEarlyDataRecord, s4.clientFinishedRecord]);
    await r.core.write(fromHex(s4.applicationData));
    expect(hex(r.sent[4]!)).toBe(s4.clientApplicationDataRecord);
    await r.core.receive(fromHex(s4.serverApplicationDataRecord));
    expect(r.data.map(hex)).toEqual([s4.applicationData]);
  });

  it('§5 HelloRetryRequest: the second ClientHello with the RFC P-256 key, and the finish', async () => {
    const r = replay(
      {
        serverName: 'server',
        random: scriptedRandom([randomOf(s5.clientHello1), s5.clientPrivateKey, s5.clientP256PrivateKey]),
        verifyChain: pinned(s5.serverCertificateDer),
      },
      s5.clientHello1,
      nodeProvider,
    );
    await r.core.start();
    expect(r.sent.map(hex)).toEqual([s5.clientHello1Record]);
    await r.core.receive(fromHex(s5.helloRetryRequestRecord));
    expect(hex(r.sent[1]!)).toBe(s5.clientHello2Record);
    await r.core.receive(fromHex(s5.serverHelloRecord + s5.serverHandshakeRecord));
    expect(r.traced.get('shared_secret')).toBe(s5.sharedSecret);
    expect(hex(r.sent[2]!)).toBe(s5.clientFinishedRecord);
    expect(r.info).toMatchObject({ helloRetryRequest: true, group: 'secp256r1' });
    await r.core.close();
    expect(hex(r.sent[3]!)).toBe(s5.clientAlertRecord);
    expect(spy.calls).toContain('createECDH:prime256v1');
  });

  it('§6 Client Authentication: the server ECDSA signature verified on node:crypto, the exact client flight', async () => {
    const clientCert = fromHex(s6.clientCertificateDer);
    const rfcCv = decodeCertificateVerify(fromHex(s6.clientCertificateVerify).subarray(4));
    // The RFC does not publish the client's key: check what the engine asks to sign, and answer with the RFC's signature.
    let signedChecked = false;
    const provider: CryptoProvider = {
      ...nodeProvider,
      sign: async (alg, _key, message) => {
        signedChecked = await nodeProvider.verify(alg, spkiOfCertificate(clientCert), message, rfcCv.signature);
        return rfcCv.signature;
      },
    };
    const r = replay(
      {
        serverName: 'server',
        random: scriptedRandom([randomOf(s6.clientHello), s6.clientPrivateKey]),
        verifyChain: pinned(s6.serverCertificateDer),
        clientCertificate: {
          chain: [clientCert],
          key: new Uint8Array(0),
          schemes: SIGNATURE_SCHEMES.filter((s) => s.name === 'rsa_pss_rsae_sha256'),
        },
      },
      s6.clientHello,
      provider,
    );
    await r.core.start();
    expect(r.sent.map(hex)).toEqual([s6.clientHelloRecord]);
    await r.core.receive(fromHex(s6.serverHelloRecord + s6.serverHandshakeRecord));
    expect(signedChecked).toBe(true);
    expect(r.traced.get('client CertificateVerify')).toBe(s6.clientCertificateVerify);
    expect(hex(r.sent[1]!)).toBe(s6.clientHandshakeRecord);
    expect(r.info).toMatchObject({ clientCertificateSent: true, signatureScheme: 'ecdsa_secp256r1_sha256' });
    await r.core.close();
    expect(hex(r.sent[2]!)).toBe(s6.clientAlertRecord);
    expect(spy.calls).toContain('verify:sha256');
  });

  it('§7 Compatibility Mode: session id and change_cipher_spec', async () => {
    const sessionId = fromHex(s7.clientHello).subarray(4 + 2 + 32 + 1, 4 + 2 + 32 + 1 + 32);
    const r = replay(
      {
        serverName: 'server',
        random: scriptedRandom([randomOf(s7.clientHello), hex(sessionId), s7.clientPrivateKey]),
        verifyChain: pinned(s7.serverCertificateDer),
        middleboxCompat: true,
      },
      s7.clientHello,
      nodeProvider,
    );
    await r.core.start();
    expect(r.sent.map(hex)).toEqual([s7.clientHelloRecord]);
    await r.core.receive(fromHex(s7.serverHelloRecord + s7.changeCipherSpecRecord + s7.serverHandshakeRecord));
    expect(r.sent.slice(1).map(hex)).toEqual([s7.changeCipherSpecRecord, s7.clientFinishedRecord]);
    expect(r.traced.get('resumption_master_secret')).toBe(s7.resumptionMasterSecret);
  });
});
