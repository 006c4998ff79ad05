/**
 * ServerHello and HelloRetryRequest misbehaviour: RFC 8446 §4.1.3, §4.1.4,
 * §4.2.1, §4.2.8, §7.4.
 */
import { concat, Writer } from '../../../src/codec.js';
import { DOWNGRADE_TLS11, DOWNGRADE_TLS12, ExtensionType as ET, GROUPS } from '../../../src/handshake/constants.js';
import { handshakeMessage } from '../../../src/handshake/messages.js';
import { ext, serverKeyShareData, u16, type Extension, type ScriptedPeer } from '../../peers/scripted-server.js';
import { closeCleanly, type HostileCase } from '../harness.js';

const withExt = (e: Extension) => (exts: Extension[]) => [...exts, e];
const without = (type: number) => (exts: Extension[]) => exts.filter((e) => e.type !== type);
const replace = (type: number, data: Uint8Array) => (exts: Extension[]) =>
  exts.map((e) => (e.type === type ? { type, data } : e));

/** A random whose last 8 bytes are a downgrade sentinel (RFC 8446 §4.1.3). */
const sentinelRandom = (tail: Uint8Array) => concat(new Uint8Array(24).fill(0x42), tail);

/** A TLS 1.2-style ServerHello body with no extensions block at all. */
function legacyHello(p: ScriptedPeer, version: number, random: Uint8Array): Uint8Array {
  const body = new Writer()
    .u16(version)
    .bytes(random)
    .opaque(1, p.clientHello!.sessionId)
    .u16(0xc02f)
    .u8(0)
    .finish();
  return handshakeMessage(2, body);
}

/** Brings the client to its second ClientHello via a genuine HRR for secp256r1. */
async function afterHrr(p: ScriptedPeer): Promise<void> {
  await p.readClientHello();
  await p.sendHelloRetryRequest({ group: 'secp256r1' });
  await p.readClientHello();
}

/** x25519 public values of small order: the shared secret comes out all zero (RFC 7748 §6.1). */
const X25519_ZERO = new Uint8Array(32);
const X25519_ONE = concat(Uint8Array.of(1), new Uint8Array(31));

export const serverHelloCases: HostileCase[] = [
  {
    name: 'ServerHello: cipher suite not offered',
    rfc: '§4.1.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    client: { cipherSuites: ['TLS_AES_128_GCM_SHA256'] },
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ cipherSuite: 0x1302 });
    },
  },
  {
    name: 'ServerHello: a TLS 1.2 cipher suite',
    rfc: '§4.1.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ cipherSuite: 0xc02f });
    },
  },
  {
    name: 'ServerHello: key share for a group not offered',
    rfc: '§4.2.8',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ claimGroup: GROUPS.secp384r1, keyExchange: new Uint8Array(97).fill(4) });
    },
  },
  {
    name: 'ServerHello: key share for a supported group the client sent no share for',
    rfc: '§4.2.8',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ claimGroup: GROUPS.secp256r1, keyExchange: new Uint8Array(65).fill(4) });
    },
  },
  {
    name: 'ServerHello: key share for an unknown group',
    rfc: '§4.2.8',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ claimGroup: 0x9999, keyExchange: new Uint8Array(32).fill(9) });
    },
  },
  {
    name: 'ServerHello: supported_versions selects TLS 1.2',
    rfc: '§4.2.1',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ selectedVersion: 0x0303 });
    },
  },
  {
    name: 'ServerHello: supported_versions selects a version not offered (0x0305)',
    rfc: '§4.2.1',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ selectedVersion: 0x0305 });
    },
  },
  {
    name: 'ServerHello: supported_versions holds a list, not one version',
    rfc: '§4.2.1',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ extensions: replace(ET.supported_versions, Uint8Array.of(2, 3, 4)) });
    },
  },
  {
    name: 'ServerHello: TLS 1.2 answer without supported_versions',
    rfc: '§4.1.3, §4.2.1',
    code: 'PROTOCOL_VERSION',
    alert: 'protocol_version',
    // A client that offers TLS 1.3 only (TLS 1.2 answers: see cases/tls12.ts).
    client: { minVersion: 'TLSv1.3' },
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ selectedVersion: null, cipherSuite: 0xc02f });
    },
  },
  {
    name: 'ServerHello: TLS 1.2 answer with no extensions block',
    rfc: '§4.1.3',
    code: 'PROTOCOL_VERSION',
    alert: 'protocol_version',
    // A client that offers TLS 1.3 only (TLS 1.2 answers: see cases/tls12.ts).
    client: { minVersion: 'TLSv1.3' },
    async script(p) {
      await p.readClientHello();
      await p.send(legacyHello(p, 0x0303, new Uint8Array(32).fill(0x42)));
    },
  },
  {
    name: 'ServerHello: TLS 1.2 downgrade sentinel',
    rfc: '§4.1.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ selectedVersion: null, random: sentinelRandom(DOWNGRADE_TLS12) });
    },
  },
  {
    name: 'ServerHello: TLS 1.1 downgrade sentinel',
    rfc: '§4.1.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ selectedVersion: null, legacyVersion: 0x0302, random: sentinelRandom(DOWNGRADE_TLS11) });
    },
  },
  {
    name: 'ServerHello: TLS 1.2 downgrade sentinel in a hello with no extensions block',
    rfc: '§4.1.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.send(legacyHello(p, 0x0303, sentinelRandom(DOWNGRADE_TLS12)));
    },
  },
  {
    name: 'ServerHello: legacy_version 0x0304',
    rfc: '§4.1.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ legacyVersion: 0x0304 });
    },
  },
  {
    name: 'ServerHello: legacy_session_id_echo differs',
    rfc: '§4.1.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ sessionId: new Uint8Array(32).fill(0xee) });
    },
  },
  {
    name: 'ServerHello: legacy_session_id_echo empty',
    rfc: '§4.1.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ sessionId: new Uint8Array(0) });
    },
  },
  {
    name: 'ServerHello: legacy_session_id_echo of 33 bytes',
    rfc: '§4.1.3',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ sessionId: new Uint8Array(33) });
    },
  },
  {
    name: 'ServerHello: compression method 1',
    rfc: '§4.1.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ compression: 1 });
    },
  },
  {
    name: 'ServerHello: no key_share',
    rfc: '§4.2.8, §9.2',
    code: 'MISSING_EXTENSION',
    alert: 'missing_extension',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ extensions: without(ET.key_share) });
    },
  },
  {
    name: 'ServerHello: pre_shared_key when no PSK was offered',
    rfc: '§4.2, §4.2.11',
    code: 'UNSUPPORTED_EXTENSION',
    alert: 'unsupported_extension',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ extensions: withExt(ext(ET.pre_shared_key, u16(0))) });
    },
  },
  {
    name: 'ServerHello: an unknown extension the client never sent',
    rfc: '§4.2',
    code: 'UNSUPPORTED_EXTENSION',
    alert: 'unsupported_extension',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ extensions: withExt(ext(0x7777)) });
    },
  },
  {
    name: 'ServerHello: cookie (allowed only in HelloRetryRequest)',
    rfc: '§4.2, §4.2.2',
    code: 'UNSUPPORTED_EXTENSION',
    alert: 'unsupported_extension',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ extensions: withExt(ext(ET.cookie, Uint8Array.of(0, 1, 9))) });
    },
  },
  {
    name: 'ServerHello: ALPN (offered, but belongs in EncryptedExtensions)',
    rfc: '§4.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    client: { alpn: ['h2'] },
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ extensions: withExt(ext(ET.application_layer_protocol_negotiation, Uint8Array.of(0, 3, 2, 0x68, 0x32))) });
    },
  },
  {
    name: 'ServerHello: supported_groups (offered, but not allowed in ServerHello)',
    rfc: '§4.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ extensions: withExt(ext(ET.supported_groups, Uint8Array.of(0, 2, 0, 0x1d))) });
    },
  },
  {
    name: 'ServerHello: duplicate key_share extension',
    rfc: '§4.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ extensions: (exts) => [...exts, exts.find((e) => e.type === ET.key_share)!] });
    },
  },
  {
    name: 'ServerHello: duplicate supported_versions extension',
    rfc: '§4.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ extensions: (exts) => [exts[0]!, ...exts] });
    },
  },
  {
    name: 'ServerHello: x25519 share of all zeros (shared secret all zero)',
    rfc: '§7.4.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ keyExchange: X25519_ZERO });
    },
  },
  {
    name: 'ServerHello: x25519 share of small order (u = 1)',
    rfc: '§7.4.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ keyExchange: X25519_ONE });
    },
  },
  {
    name: 'ServerHello: x25519 share of 31 bytes',
    rfc: '§4.2.8.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ keyExchange: new Uint8Array(31).fill(9) });
    },
  },
  {
    name: 'ServerHello: empty key_exchange',
    rfc: '§4.2.8',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ extensions: replace(ET.key_share, Uint8Array.of(0, 0x1d, 0, 0)) });
    },
  },
  {
    name: 'ServerHello: P-256 point not on the curve',
    rfc: '§4.2.8.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    client: { groups: ['secp256r1'] },
    async script(p) {
      await p.readClientHello();
      const bad = new Uint8Array(65).fill(0x11);
      bad[0] = 4;
      await p.sendServerHello({ keyExchange: bad });
    },
  },
  {
    name: 'ServerHello: P-256 point in compressed form',
    rfc: '§4.2.8.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    client: { groups: ['secp256r1'] },
    async script(p) {
      await p.readClientHello();
      // The generator's x coordinate, compressed: a valid point, but TLS 1.3 allows only the uncompressed form.
      const gx = Uint8Array.from(Buffer.from('6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296', 'hex'));
      await p.sendServerHello({ keyExchange: concat(Uint8Array.of(3), gx) });
    },
  },
  {
    name: 'ServerHello: P-256 point at infinity',
    rfc: '§4.2.8.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    client: { groups: ['secp256r1'] },
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ keyExchange: Uint8Array.of(0) });
    },
  },
  {
    name: 'ServerHello: P-256 point with coordinates past the field prime',
    rfc: '§4.2.8.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    client: { groups: ['secp256r1'] },
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ keyExchange: concat(Uint8Array.of(4), new Uint8Array(64).fill(0xff)) });
    },
  },
  {
    name: 'ServerHello: key share sent for the group, but claimed for the other one',
    rfc: '§4.2.8',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    client: { groups: ['x25519', 'secp256r1'], keyShares: 2 },
    async script(p) {
      await p.readClientHello();
      // A 32-byte x25519 share labelled secp256r1: the P-256 share check must refuse it.
      await p.sendServerHello({ claimGroup: GROUPS.secp256r1, keyExchange: new Uint8Array(32).fill(9) });
    },
  },
  {
    name: 'ServerHello: trailing byte after the extensions',
    rfc: '§4.1.3',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({
        mutate: (m) => {
          const out = concat(m, Uint8Array.of(0));
          out[3]! += 1;
          return out;
        },
      });
    },
  },
  {
    name: 'ServerHello: body cut short',
    rfc: '§4.1.3',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    async script(p) {
      await p.readClientHello();
      await p.send(handshakeMessage(2, Uint8Array.of(3, 3, 1, 2, 3)));
    },
  },
  {
    name: 'ServerHello: resent after HelloRetryRequest with a different cipher suite',
    rfc: '§4.1.4',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendHelloRetryRequest({ group: 'secp256r1', cipherSuite: 0x1301 });
      await p.readClientHello();
      await p.sendServerHello({ cipherSuite: 0x1303 });
    },
  },
  {
    name: 'ServerHello: after HelloRetryRequest, a share for the old group',
    rfc: '§4.1.4, §4.2.8',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await afterHrr(p);
      await p.sendServerHello({ claimGroup: GROUPS.x25519, keyExchange: new Uint8Array(32).fill(9) });
    },
  },
  {
    name: 'ServerHello: after HelloRetryRequest, supported_versions changes',
    rfc: '§4.1.4',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await afterHrr(p);
      await p.sendServerHello({ selectedVersion: 0x0303 });
    },
  },
  {
    name: 'HelloRetryRequest: genuine, with a cookie, is followed correctly',
    rfc: '§4.1.4, §4.2.2',
    code: 'OK',
    alert: null,
    async script(p) {
      await p.readClientHello();
      await p.sendHelloRetryRequest({ group: 'secp256r1', cookie: Uint8Array.of(1, 2, 3, 4) });
      const ch2 = await p.readClientHello();
      const cookie = ch2.extensions.find((e) => e.type === ET.cookie);
      if (!cookie || Buffer.from(cookie.data).toString('hex') !== '000401020304') throw new Error('cookie not echoed');
      await p.sendServerHello();
      await p.serverFlight();
      await p.readClientFinished();
      await closeCleanly(p);
    },
    check: (o) => {
      if (!o.info?.helloRetryRequest || o.info.group !== 'secp256r1') throw new Error('HRR not reported');
    },
  },
  {
    name: 'HelloRetryRequest: a second one',
    rfc: '§4.1.4',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await afterHrr(p);
      await p.sendHelloRetryRequest({ group: null, cookie: Uint8Array.of(1) });
    },
  },
  {
    name: 'HelloRetryRequest: names the group the client already sent',
    rfc: '§4.2.8',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendHelloRetryRequest({ group: 'x25519' });
    },
  },
  {
    name: 'HelloRetryRequest: names a group not offered',
    rfc: '§4.2.8',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendHelloRetryRequest({ group: 'secp384r1' });
    },
  },
  {
    name: 'HelloRetryRequest: changes nothing (no key_share, no cookie)',
    rfc: '§4.1.4',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendHelloRetryRequest({ group: null });
    },
  },
  {
    name: 'HelloRetryRequest: cipher suite not offered',
    rfc: '§4.1.4',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    client: { cipherSuites: ['TLS_AES_128_GCM_SHA256'] },
    async script(p) {
      await p.readClientHello();
      await p.sendHelloRetryRequest({ cipherSuite: 0x1303 });
    },
  },
  {
    name: 'HelloRetryRequest: selects TLS 1.2',
    rfc: '§4.1.4, §4.2.1',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendHelloRetryRequest({ selectedVersion: 0x0303 });
    },
  },
  {
    name: 'HelloRetryRequest: empty cookie',
    rfc: '§4.2.2',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    async script(p) {
      await p.readClientHello();
      await p.sendHelloRetryRequest({ extensions: withExt(ext(ET.cookie, Uint8Array.of(0, 0))) });
    },
  },
  {
    name: 'HelloRetryRequest: carries an extension the client never sent',
    rfc: '§4.2',
    code: 'UNSUPPORTED_EXTENSION',
    alert: 'unsupported_extension',
    async script(p) {
      await p.readClientHello();
      await p.sendHelloRetryRequest({ extensions: withExt(ext(0x7777)) });
    },
  },
  {
    name: 'HelloRetryRequest: carries signature_algorithms (offered, not allowed there)',
    rfc: '§4.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendHelloRetryRequest({ extensions: withExt(ext(ET.signature_algorithms, Uint8Array.of(0, 2, 4, 3))) });
    },
  },
  {
    name: 'HelloRetryRequest: key_share with a full entry instead of a group',
    rfc: '§4.2.8',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    async script(p) {
      await p.readClientHello();
      await p.sendHelloRetryRequest({ extensions: replace(ET.key_share, serverKeyShareData(GROUPS.secp256r1, new Uint8Array(65))) });
    },
  },
  {
    name: 'HelloRetryRequest: legacy_session_id_echo differs',
    rfc: '§4.1.3, §4.1.4',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.sendHelloRetryRequest({ sessionId: new Uint8Array(32).fill(1) });
    },
  },
];
