/**
 * RFC 8448 §4 (resumed 0-RTT), §5 (HelloRetryRequest), §6 (client
 * authentication) and §7 (compatibility mode) replayed through the engine.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble.js';
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
} from './rfc8448.js';
import { fromHex, hex, replay, scriptedRandom } from './replay.js';

const randomOf = (hello: string) => hello.slice(12, 12 + 64);
const pinned = (der: string) => async (chain: readonly Uint8Array[]) => {
  expect(chain.map(hex)).toEqual([der]);
};

describe('RFC 8448 §4 Resumed 0-RTT Handshake', () => {
  // The §3 connection's ticket, as the §3 NewSessionTicket defines it.
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

  it('offers the PSK with the exact binder, sends early data, EndOfEarlyData and Finished', async () => {
    const r = replay(
      {
        serverName: 'server',
        random: scriptedRandom([randomOf(s4.clientHello), s4.clientPrivateKey]),
        session,
        earlyData: true,
        // The RFC's obfuscated_ticket_age is ticket_age_add + 6 ms.
        now: () => 1006,
      },
      s4.clientHello,
    );
    await r.core.start();
    expect(r.traced.get('ClientHello')).toBe(s4.clientHello);
    expect(r.traced.get('binder_key')).toBe(s4.binderKey);
    expect(r.traced.get('binder')).toBe(s4.binder);
    expect(r.traced.get('early_secret')).toBe(s4.earlySecret);
    expect(r.traced.get('client_early_traffic_secret')).toBe(s4.clientEarlyTrafficSecret);
    expect(r.sent.map(hex)).toEqual([s4.clientHelloRecord]);

    await r.core.write(fromHex(s4.earlyData));
    expect(hex(r.sent[1]!)).toBe(s4.earlyDataRecord);

    await r.core.receive(fromHex(s4.serverHelloRecord + s4.serverHandshakeRecord));
    expect(r.traced.get('handshake_secret')).toBe(s4.handshakeSecret);
    expect(r.traced.get('client_application_traffic_secret_0')).toBe(s4.clientApplicationTrafficSecret);
    expect(r.traced.get('resumption_master_secret')).toBe(s4.resumptionMasterSecret);
    expect(r.sent.slice(2).map(hex)).toEqual([s4.endOfEarlyDataRecord, s4.clientFinishedRecord]);
    expect(r.info).toMatchObject({ resumed: true, earlyDataAccepted: true, signatureScheme: null });

    await r.core.write(fromHex(s4.applicationData));
    expect(hex(r.sent[4]!)).toBe(s4.clientApplicationDataRecord);
    await r.core.receive(fromHex(s4.serverApplicationDataRecord));
    expect(r.data.map(hex)).toEqual([s4.applicationData]);
    await r.core.close();
    expect(hex(r.sent[5]!)).toBe(s4.clientAlertRecord);
  });
});

describe('RFC 8448 §5 HelloRetryRequest', () => {
  it('answers the HRR with the exact second ClientHello (P-256 share, cookie) and finishes', async () => {
    const r = replay(
      {
        serverName: 'server',
        random: scriptedRandom([randomOf(s5.clientHello1), s5.clientPrivateKey, s5.clientP256PrivateKey]),
        verifyChain: pinned(s5.serverCertificateDer),
      },
      s5.clientHello1,
    );
    await r.core.start();
    expect(r.sent.map(hex)).toEqual([s5.clientHello1Record]);
    await r.core.receive(fromHex(s5.helloRetryRequestRecord));
    expect(hex(r.sent[1]!)).toBe(s5.clientHello2Record);
    await r.core.receive(fromHex(s5.serverHelloRecord + s5.serverHandshakeRecord));
    expect(r.traced.get('shared_secret')).toBe(s5.sharedSecret);
    expect(r.traced.get('client_handshake_traffic_secret')).toBe(s5.clientHandshakeTrafficSecret);
    expect(r.traced.get('resumption_master_secret')).toBe(s5.resumptionMasterSecret);
    expect(hex(r.sent[2]!)).toBe(s5.clientFinishedRecord);
    expect(r.info).toMatchObject({ helloRetryRequest: true, group: 'secp256r1' });
    await r.core.close();
    expect(hex(r.sent[3]!)).toBe(s5.clientAlertRecord);
  });
});

describe('RFC 8448 §6 Client Authentication', () => {
  it('sends Certificate, CertificateVerify and Finished in the exact record', async () => {
    const clientCert = fromHex(s6.clientCertificateDer);
    const rfcCv = decodeCertificateVerify(fromHex(s6.clientCertificateVerify).subarray(4));
    // The RFC does not publish the client's RSA key. This provider checks that
    // what the engine asks to sign verifies under the RFC's signature with the
    // client certificate's public key, and returns that signature.
    let signedChecked = false;
    const provider: CryptoProvider = {
      ...nobleProvider,
      sign: async (alg, _key, message) => {
        signedChecked = await nobleProvider.verify(alg, spkiOfCertificate(clientCert), message, rfcCv.signature);
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
    expect(r.traced.get('certificate_request')).toBe(s6.certificateRequest);
    expect(signedChecked).toBe(true);
    expect(r.traced.get('client Certificate')).toBe(s6.clientCertificate);
    expect(r.traced.get('client CertificateVerify')).toBe(s6.clientCertificateVerify);
    expect(hex(r.sent[1]!)).toBe(s6.clientHandshakeRecord);
    expect(r.traced.get('resumption_master_secret')).toBe(s6.resumptionMasterSecret);
    expect(r.info).toMatchObject({ clientCertificateSent: true, signatureScheme: 'ecdsa_secp256r1_sha256' });
    await r.core.close();
    expect(hex(r.sent[2]!)).toBe(s6.clientAlertRecord);
  });
});

describe('RFC 8448 §7 Compatibility Mode', () => {
  it('sends a 32-byte session id and change_cipher_spec before its Finished', async () => {
    const sessionId = fromHex(s7.clientHello).subarray(4 + 2 + 32 + 1, 4 + 2 + 32 + 1 + 32);
    const r = replay(
      {
        serverName: 'server',
        random: scriptedRandom([randomOf(s7.clientHello), hex(sessionId), s7.clientPrivateKey]),
        verifyChain: pinned(s7.serverCertificateDer),
        middleboxCompat: true,
      },
      s7.clientHello,
    );
    await r.core.start();
    expect(r.sent.map(hex)).toEqual([s7.clientHelloRecord]);
    // The server's change_cipher_spec sits between its ServerHello and its encrypted flight.
    await r.core.receive(fromHex(s7.serverHelloRecord + s7.changeCipherSpecRecord + s7.serverHandshakeRecord));
    expect(r.sent.slice(1).map(hex)).toEqual([s7.changeCipherSpecRecord, s7.clientFinishedRecord]);
    expect(r.traced.get('resumption_master_secret')).toBe(s7.resumptionMasterSecret);
    await r.core.close();
    expect(hex(r.sent[3]!)).toBe(s7.clientAlertRecord);
  });
});
