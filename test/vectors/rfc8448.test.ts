/**
 * RFC 8448 §3 "Simple 1-RTT Handshake" replayed through the engine, byte
 * for byte, with each crypto provider.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble.js';
import { webcryptoProvider } from '../../src/crypto/webcrypto.js';
import { ExtensionType as ET } from '../../src/handshake/constants.js';
import { simple1rtt as v } from './rfc8448.js';
import { fromHex, hex, startSimple1Rtt } from './replay.js';

describe.each([
  { provider: nobleProvider, name: 'noble' },
  { provider: webcryptoProvider, name: 'webcrypto' },
])('RFC 8448 §3 Simple 1-RTT Handshake ($name provider)', ({ provider }) => {
  const runSimple = () => startSimple1Rtt(provider);

  it('sends the exact ClientHello record, our own extensions included', async () => {
    const r = await runSimple();
    expect(r.sent.map(hex)).toEqual([v.clientHelloRecord]);
    // server_name, key_share, supported_versions, psk_key_exchange_modes and
    // record_size_limit are puretls's own encodings, equal to the RFC's.
    expect(new Set(r.ownExtensions)).toEqual(
      new Set([ET.server_name, ET.key_share, ET.supported_versions, ET.psk_key_exchange_modes, ET.record_size_limit]),
    );
    expect(r.traced.get('ClientHello')).toBe(v.clientHello);
  });

  it('derives every secret, decrypts the server flight and sends the exact Finished record', async () => {
    const r = await runSimple();
    await r.core.receive(fromHex(v.serverHelloRecord));
    expect(r.traced.get('shared_secret')).toBe(v.sharedSecret);
    expect(r.traced.get('early_secret')).toBe(v.earlySecret);
    expect(r.traced.get('handshake_secret')).toBe(v.handshakeSecret);
    expect(r.traced.get('client_handshake_traffic_secret')).toBe(v.clientHandshakeTrafficSecret);
    expect(r.traced.get('server_handshake_traffic_secret')).toBe(v.serverHandshakeTrafficSecret);
    expect(r.traced.get('master_secret')).toBe(v.masterSecret);

    await r.core.receive(fromHex(v.serverHandshakeRecord));
    expect(r.traced.get('encrypted_extensions')).toBe(v.encryptedExtensions);
    expect(r.traced.get('certificate')).toBe(v.certificate);
    expect(r.traced.get('certificate_verify')).toBe(v.certificateVerify);
    expect(r.traced.get('finished')).toBe(v.serverFinished);
    expect(r.traced.get('client_application_traffic_secret_0')).toBe(v.clientApplicationTrafficSecret);
    expect(r.traced.get('server_application_traffic_secret_0')).toBe(v.serverApplicationTrafficSecret);
    expect(r.traced.get('exporter_master_secret')).toBe(v.exporterMasterSecret);
    expect(r.traced.get('client Finished')).toBe(v.clientFinished);
    // RFC 8448 §3: every traffic key and iv.
    expect(r.traced.get('server_handshake_write_key')).toBe(v.serverHandshakeKey);
    expect(r.traced.get('server_handshake_write_iv')).toBe(v.serverHandshakeIv);
    expect(r.traced.get('client_handshake_write_key')).toBe(v.clientHandshakeKey);
    expect(r.traced.get('client_handshake_write_iv')).toBe(v.clientHandshakeIv);
    expect(r.traced.get('server_application_write_key')).toBe(v.serverApplicationKey);
    expect(r.traced.get('server_application_write_iv')).toBe(v.serverApplicationIv);
    expect(r.traced.get('client_application_write_key')).toBe(v.clientApplicationKey);
    expect(r.traced.get('client_application_write_iv')).toBe(v.clientApplicationIv);
    expect(r.traced.get('resumption_master_secret')).toBe(v.resumptionMasterSecret);
    expect(r.sent.slice(1).map(hex)).toEqual([v.clientFinishedRecord]);
    expect(r.info).toMatchObject({
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      group: 'x25519',
      signatureScheme: 'rsa_pss_rsae_sha256',
      resumed: false,
    });

    // NewSessionTicket: the PSK the RFC derives for §4.
    await r.core.receive(fromHex(v.newSessionTicketRecord));
    expect(r.tickets).toHaveLength(1);
    const t = r.tickets[0]!;
    expect(t.version === 'TLSv1.2' ? null : hex(t.psk)).toBe(v.resumptionPsk);

    // Application data both ways, then close_notify both ways.
    await r.core.write(fromHex(v.applicationData));
    expect(hex(r.sent[2]!)).toBe(v.clientApplicationDataRecord);
    await r.core.receive(fromHex(v.serverApplicationDataRecord));
    expect(r.data.map(hex)).toEqual([v.applicationData]);
    await r.core.close();
    expect(hex(r.sent[3]!)).toBe(v.clientAlertRecord);
    await r.core.receive(fromHex(v.serverAlertRecord));
    expect(r.peerClosed).toBe(true);
  });

  it('holds data written during the handshake and sends it first, in order, once connected', async () => {
    const r = await runSimple();
    const early = r.core.write(fromHex(v.applicationData)); // no 0-RTT here: held
    const later = r.core.write(Uint8Array.of(1, 2, 3));
    await r.core.receive(fromHex(v.serverHelloRecord + v.serverHandshakeRecord));
    await Promise.all([early, later]);
    // Finished first, then the held writes: the RFC's record is sequence 0.
    expect(hex(r.sent[1]!)).toBe(v.clientFinishedRecord);
    expect(hex(r.sent[2]!)).toBe(v.clientApplicationDataRecord);
    expect(r.sent).toHaveLength(4);
  });

  it('accepts the server flight split at every byte boundary', async () => {
    const flight = fromHex(v.serverHelloRecord + v.serverHandshakeRecord);
    for (let cut = 1; cut < flight.length; cut += 7) {
      const r = await runSimple();
      await r.core.receive(flight.subarray(0, cut));
      await r.core.receive(flight.subarray(cut));
      expect(hex(r.sent[1]!)).toBe(v.clientFinishedRecord);
    }
  });

  it('refuses a server Finished wrong by one bit with decrypt_error', async () => {
    const r = await runSimple();
    await r.core.receive(fromHex(v.serverHelloRecord));
    const rec = fromHex(v.serverHandshakeRecord);
    rec[rec.length - 20]! ^= 1; // inside the AEAD: the tag fails first
    await expect(r.core.receive(rec)).rejects.toMatchObject({ code: 'BAD_RECORD_MAC', alert: 'bad_record_mac' });
  });
});
