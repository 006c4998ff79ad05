/**
 * TLS 1.2, up to the client's flight: the version and the ServerHello
 * (RFC 5246 §7.4.1.3, RFC 8446 §4.1.3 downgrade protection), its extensions
 * (RFC 5246 §7.4.1.4, RFC 7627, RFC 5746, RFC 8422 §5.2, RFC 7301, RFC 8449),
 * Certificate (§7.4.2), ServerKeyExchange (RFC 8422 §5.4, RFC 5246 §7.4.3),
 * CertificateRequest and ServerHelloDone (§7.4.4, §7.4.5).
 */
import { concat, utf8 } from '../../../src/codec.js';
import { TlsError } from '../../../src/errors.js';
import {
  DOWNGRADE_TLS11,
  DOWNGRADE_TLS12,
  ExtensionType as ET,
  GROUPS,
  HandshakeType as HT,
  HRR_RANDOM,
} from '../../../src/handshake/constants.js';
import { handshakeMessage, encodeCertificate } from '../../../src/handshake/messages.js';
import { RSA_SIGN } from '../../../src/handshake/messages12.js';
import type { SessionStore, StoredSession13 } from '../../../src/handshake/session.js';
import { loadCert } from '../../peers/fixtures.js';
import { ext, u16 } from '../../peers/scripted-server.js';
import type { ScriptedPeer12, ServerHello12Options } from '../../peers/scripted-server12.js';
import { closeCleanly, type HostileCase } from '../harness.js';
import { case12, connectedSends, expectData, ONLY12, toServerHelloDone, type Case12 } from './tls12-common.js';

/** A ServerHello.random ending in a downgrade sentinel (RFC 8446 §4.1.3). */
const sentinel = (tail: Uint8Array) => concat(new Uint8Array(24).fill(0x5a), tail);

/** Reads the ClientHello and answers with one TLS 1.2 ServerHello. */
async function serverHello(p: ScriptedPeer12, o: ServerHello12Options = {}): Promise<void> {
  await p.readClientHello();
  await p.send(await p.buildServerHello12(o));
}

/** Through Certificate: the client waits for ServerKeyExchange. */
async function toServerKeyExchange(p: ScriptedPeer12, o: ServerHello12Options = {}): Promise<Uint8Array[]> {
  await p.readClientHello();
  return [await p.buildServerHello12(o), p.buildCertificate12()];
}

const withExtensions = (edit: (exts: ReturnType<typeof ext>[]) => ReturnType<typeof ext>[]): ServerHello12Options => ({ extensions: edit });
const adding = (...more: ReturnType<typeof ext>[]) => withExtensions((exts) => [...exts, ...more]);

/** A ServerKeyExchange case: ServerHello, Certificate, then `ske`. */
function ske(name: string, rfc: string, code: HostileCase['code'], alert: HostileCase['alert'], o: Parameters<ScriptedPeer12['buildServerKeyExchange']>[0], extra: Partial<Case12> = {}): HostileCase {
  return case12({
    name: `TLS 1.2 ServerKeyExchange: ${name}`,
    rfc,
    code,
    alert,
    async script(p) {
      const msgs = await toServerKeyExchange(p);
      await p.send([...msgs, await p.buildServerKeyExchange(o), p.buildServerHelloDone()]);
    },
    ...extra,
  });
}

/** An accepted ServerKeyExchange variant: the handshake completes and data flows. */
function skeOk(name: string, rfc: string, o: Parameters<ScriptedPeer12['buildServerKeyExchange']>[0], extra: Partial<Case12> = {}): HostileCase {
  return case12({
    name: `TLS 1.2 ServerKeyExchange: ${name}`,
    rfc,
    code: 'OK',
    alert: null,
    script: (p) => connectedSends(p, 'ske ok', { serverKeyExchange: o }),
    check: expectData('ske ok'),
    ...extra,
  });
}

const P256_POINT_LENGTH = 65;

/** Client options holding a TLS 1.3 ticket (its PSK unknown to the TLS 1.2 server), with 0-RTT if `early`. */
const withTicket13 = (early: boolean) => () => {
  let s: StoredSession13 | undefined = {
    serverName: 'localhost',
    cipherSuite: 'TLS_AES_128_GCM_SHA256',
    psk: new Uint8Array(32).fill(0x13),
    ticket: utf8('a TLS 1.3 ticket'),
    ageAdd: 7,
    lifetime: 3600,
    receivedAt: Date.now() - 1000,
    maxEarlyData: early ? 1024 : 0,
    alpn: null,
  };
  const sessions: SessionStore = {
    get: () => {
      const out = s;
      s = undefined;
      return out;
    },
    put: () => undefined,
    delete: () => undefined,
  };
  return early ? { sessions, earlyData: true, initialData: utf8('0-RTT request') } : { sessions };
};

const version: HostileCase[] = [
  case12({
    name: 'TLS 1.2: full handshake with TLS 1.3 offered too (baseline)',
    rfc: 'RFC 5246 §7.3',
    code: 'OK',
    alert: null,
    script: (p) => connectedSends(p, 'hello 1.2'),
    check(o) {
      expectData('hello 1.2')(o);
      const i = o.info!;
      if (i.version !== 'TLSv1.2' || !i.extendedMasterSecret || i.resumed || i.signatureScheme !== 'ecdsa_secp256r1_sha256') {
        throw new Error(`info ${JSON.stringify({ ...i, peerCertificates: i.peerCertificates.length })}`);
      }
    },
  }),
  case12({
    name: 'TLS 1.2: full handshake with maxVersion TLSv1.2 (baseline)',
    rfc: 'RFC 5246 §7.3',
    code: 'OK',
    alert: null,
    client: ONLY12,
    script: (p) => connectedSends(p, 'only 1.2'),
    check: expectData('only 1.2'),
  }),
  case12({
    name: 'TLS 1.2: the whole server flight in one-byte records, Finished too',
    rfc: 'RFC 5246 §6.2.1',
    code: 'OK',
    alert: null,
    async script(p) {
      await p.readClientHello();
      await p.serverHelloFlight12({ serverHello: { ticket: true } }, { fragment: 1 });
      await p.readClientFinished12();
      await p.send(p.buildNewSessionTicket12(), { fragment: 1 });
      await p.changeCipherSpec();
      await p.send(p.buildFinished12(), { fragment: 1 });
      await p.sendAppData('bytewise');
      await closeCleanly(p);
    },
    check: expectData('bytewise'),
  }),
  case12({
    name: 'TLS 1.2: downgrade sentinel DOWNGRD\\x01 while TLS 1.3 was offered',
    rfc: 'RFC 8446 §4.1.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    script: (p) => serverHello(p, { random: sentinel(DOWNGRADE_TLS12) }),
  }),
  case12({
    name: 'TLS 1.2: downgrade sentinel DOWNGRD\\x00 while TLS 1.3 was offered',
    rfc: 'RFC 8446 §4.1.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    script: (p) => serverHello(p, { random: sentinel(DOWNGRADE_TLS11) }),
  }),
  case12({
    name: 'TLS 1.2: DOWNGRD\\x01 is accepted when TLS 1.3 was not offered',
    rfc: 'RFC 8446 §4.1.3',
    code: 'OK',
    alert: null,
    client: ONLY12,
    script: (p) => connectedSends(p, 'no 1.3 offered', { serverHello: { random: sentinel(DOWNGRADE_TLS12) } }),
    check: expectData('no 1.3 offered'),
  }),
  case12({
    name: 'TLS 1.2: DOWNGRD\\x00 is accepted when TLS 1.3 was not offered',
    rfc: 'RFC 8446 §4.1.3',
    code: 'OK',
    alert: null,
    client: ONLY12,
    script: (p) => connectedSends(p, 'no 1.3 offered', { serverHello: { random: sentinel(DOWNGRADE_TLS11) } }),
    check: expectData('no 1.3 offered'),
  }),
  case12({
    name: 'TLS 1.2: ServerHello after the client attempted 0-RTT',
    rfc: 'RFC 8446 §D.3',
    code: 'PROTOCOL_VERSION',
    alert: 'protocol_version',
    client: withTicket13(true),
    async script(p) {
      await p.readClientHello();
      if (!p.clientHello!.extensionTypes.includes(ET.early_data)) throw new Error('the client did not offer early data');
      await p.send(await p.buildServerHello12());
    },
  }),
  case12({
    name: 'TLS 1.2: a TLS 1.3 ticket offered without 0-RTT, answered with a full TLS 1.2 handshake',
    rfc: 'RFC 8446 §D.1',
    code: 'OK',
    alert: null,
    client: withTicket13(false),
    async script(p) {
      await p.readClientHello();
      if (!p.clientHello!.extensionTypes.includes(ET.pre_shared_key)) throw new Error('the client offered no PSK');
      await p.serverHelloFlight12();
      await p.readClientFinished12();
      await p.finishHandshake12();
      await p.sendAppData('psk ignored');
      await closeCleanly(p);
    },
    check(o) {
      expectData('psk ignored')(o);
      if (o.info?.version !== 'TLSv1.2' || o.info.resumed) throw new Error('not a full TLS 1.2 handshake');
    },
  }),
  case12({
    name: 'TLS 1.2: ServerHello version 0x0302 (TLS 1.1)',
    rfc: 'RFC 5246 §E.1',
    code: 'PROTOCOL_VERSION',
    alert: 'protocol_version',
    script: (p) => serverHello(p, { legacyVersion: 0x0302 }),
  }),
  case12({
    name: 'TLS 1.2: ServerHello version 0x0302 (TLS 1.1), TLS 1.2 only',
    rfc: 'RFC 5246 §E.1',
    code: 'PROTOCOL_VERSION',
    alert: 'protocol_version',
    client: ONLY12,
    script: (p) => serverHello(p, { legacyVersion: 0x0302 }),
  }),
  case12({
    name: 'TLS 1.2: ServerHello version 0x0304 without supported_versions',
    rfc: 'RFC 8446 §4.1.3, §4.2.1',
    code: 'PROTOCOL_VERSION',
    alert: 'protocol_version',
    script: (p) => serverHello(p, { legacyVersion: 0x0304 }),
  }),
  case12({
    name: 'TLS 1.2: cipher suite we did not offer (ECDHE_ECDSA_WITH_AES_128_CBC_SHA)',
    rfc: 'RFC 5246 §7.4.1.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    script: (p) => serverHello(p, { cipherSuite: 0xc009 }),
  }),
  case12({
    name: 'TLS 1.2: a known TLS 1.2 suite left out by cipherSuites',
    rfc: 'RFC 5246 §7.4.1.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    client: { cipherSuites: ['TLS_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] },
    script: (p) => serverHello(p, { cipherSuite: 0xc02c }),
  }),
  case12({
    name: 'TLS 1.2: a TLS 1.3 suite (TLS_AES_128_GCM_SHA256) in a TLS 1.2 ServerHello',
    rfc: 'RFC 8446 §4.1.3, RFC 5246 §7.4.1.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    script: (p) => serverHello(p, { cipherSuite: 0x1301 }),
  }),
  case12({
    name: 'TLS 1.2: compression method 1 (DEFLATE)',
    rfc: 'RFC 5246 §7.4.1.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    script: (p) => serverHello(p, { compression: 1 }),
  }),
  case12({
    name: 'TLS 1.2: HelloRetryRequest random without supported_versions',
    rfc: 'RFC 8446 §4.1.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    script: (p) => serverHello(p, { random: HRR_RANDOM }),
  }),
  case12({
    name: 'TLS 1.2: ChangeCipherSpec before a TLS 1.2 ServerHello (TLS 1.3 offered)',
    rfc: 'RFC 8446 §5, RFC 5246 §7.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await p.readClientHello();
      p.sendChangeCipherSpec();
      await p.send(await p.buildServerHello12());
    },
  }),
  case12({
    name: 'TLS 1.2: ChangeCipherSpec before the ServerHello, TLS 1.2 only',
    rfc: 'RFC 5246 §7.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    client: ONLY12,
    async script(p) {
      await p.readClientHello();
      p.sendChangeCipherSpec();
    },
  }),
  case12({
    name: 'TLS 1.2: HelloRequest before the ServerHello',
    rfc: 'RFC 5246 §7.4.1.1 (puretls: before the version is known it is unexpected)',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await p.readClientHello();
      await p.send(p.buildHelloRequest());
    },
  }),
];

const extensions: HostileCase[] = [
  case12({
    name: 'TLS 1.2: key_share (TLS 1.3 only) in a TLS 1.2 ServerHello',
    rfc: 'RFC 8446 §4.2, RFC 5246 §7.4.1.4',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    script: (p) => serverHello(p, adding(ext(ET.key_share, concat(u16(GROUPS.x25519), u16(32), new Uint8Array(32).fill(9))))),
  }),
  case12({
    name: 'TLS 1.2: psk_key_exchange_modes (TLS 1.3 only) in a TLS 1.2 ServerHello',
    rfc: 'RFC 8446 §4.2, RFC 5246 §7.4.1.4',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    script: (p) => serverHello(p, adding(ext(ET.psk_key_exchange_modes, Uint8Array.of(1, 1)))),
  }),
  case12({
    name: 'TLS 1.2: supported_groups in the ServerHello',
    rfc: 'RFC 8422 §5.1, RFC 5246 §7.4.1.4',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    script: (p) => serverHello(p, adding(ext(ET.supported_groups, Uint8Array.of(0, 2, 0, 0x1d)))),
  }),
  case12({
    name: 'TLS 1.2: key_share when only TLS 1.2 was offered (never sent)',
    rfc: 'RFC 5246 §7.4.1.4',
    code: 'UNSUPPORTED_EXTENSION',
    alert: 'unsupported_extension',
    client: ONLY12,
    script: (p) => serverHello(p, adding(ext(ET.key_share, concat(u16(GROUPS.x25519), u16(32), new Uint8Array(32).fill(9))))),
  }),
  case12({
    name: 'TLS 1.2: status_request, which we did not send',
    rfc: 'RFC 5246 §7.4.1.4',
    code: 'UNSUPPORTED_EXTENSION',
    alert: 'unsupported_extension',
    script: (p) => serverHello(p, adding(ext(ET.status_request))),
  }),
  case12({
    name: 'TLS 1.2: an unknown extension we did not send (0x7777)',
    rfc: 'RFC 5246 §7.4.1.4',
    code: 'UNSUPPORTED_EXTENSION',
    alert: 'unsupported_extension',
    script: (p) => serverHello(p, adding(ext(0x7777))),
  }),
  case12({
    name: 'TLS 1.2: application_layer_protocol_negotiation when we offered no ALPN',
    rfc: 'RFC 7301 §3.2, RFC 5246 §7.4.1.4',
    code: 'UNSUPPORTED_EXTENSION',
    alert: 'unsupported_extension',
    script: (p) => serverHello(p, { alpn: 'h2' }),
  }),
  case12({
    name: 'TLS 1.2: ALPN protocol we did not offer',
    rfc: 'RFC 7301 §3.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    client: { alpn: ['http/1.1'] },
    script: (p) => serverHello(p, { alpn: 'h2' }),
  }),
  case12({
    name: 'TLS 1.2: extended_master_secret twice',
    rfc: 'RFC 5246 §7.4.1.4',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    script: (p) => serverHello(p, adding(ext(ET.extended_master_secret))),
  }),
  case12({
    name: 'TLS 1.2: renegotiation_info absent',
    rfc: 'RFC 5746 §3.4',
    code: 'HANDSHAKE_FAILURE',
    alert: 'handshake_failure',
    script: (p) => serverHello(p, { renegotiationInfo: null }),
  }),
  case12({
    name: 'TLS 1.2: renegotiation_info with a non-empty renegotiated_connection',
    rfc: 'RFC 5746 §3.4',
    code: 'HANDSHAKE_FAILURE',
    alert: 'handshake_failure',
    script: (p) => serverHello(p, { renegotiationInfo: concat(Uint8Array.of(12), new Uint8Array(12).fill(1)) }),
  }),
  case12({
    name: 'TLS 1.2: renegotiation_info with empty extension_data',
    rfc: 'RFC 5746 §3.2, §3.4',
    code: 'HANDSHAKE_FAILURE',
    alert: 'handshake_failure',
    script: (p) => serverHello(p, { renegotiationInfo: new Uint8Array(0) }),
  }),
  case12({
    name: 'TLS 1.2: no extensions block at all',
    rfc: 'RFC 5746 §3.4, RFC 7627 §5.2',
    code: 'HANDSHAKE_FAILURE',
    alert: 'handshake_failure',
    async script(p) {
      await p.readClientHello();
      const sh = await p.buildServerHello12({ extensions: () => [] });
      // Drop the empty extensions block (its two length bytes) and fix the message length.
      await p.send(handshakeMessage(HT.server_hello, sh.subarray(4, sh.length - 2)));
    },
  }),
  case12({
    name: 'TLS 1.2: extended_master_secret absent on a full handshake',
    rfc: 'RFC 7627 §5.2',
    code: 'EMS_REQUIRED',
    alert: 'handshake_failure',
    script: (p) => serverHello(p, { ems: false }),
  }),
  case12({
    name: 'TLS 1.2: extended_master_secret absent, requireExtendedMasterSecret false: accepted, no exporter',
    rfc: 'RFC 7627 §5.2, §5.4',
    code: 'OK',
    alert: null,
    client: { requireExtendedMasterSecret: false },
    script: (p) => connectedSends(p, 'legacy master secret', { serverHello: { ems: false } }),
    onConnect(conn) {
      if (conn.info.extendedMasterSecret !== false) throw new Error('extendedMasterSecret reported true');
      let err: unknown = null;
      try {
        conn.exportKeyingMaterial('EXPERIMENTAL puretls', null, 32);
      } catch (e) {
        err = e;
      }
      if (!(err instanceof TlsError) || err.code !== 'EMS_REQUIRED' || err.alert !== null) {
        throw new Error(`exporter without EMS: ${String(err)}`);
      }
    },
    check: expectData('legacy master secret'),
  }),
  case12({
    name: 'TLS 1.2: extended_master_secret with a body',
    rfc: 'RFC 7627 §5.1',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    script: (p) => serverHello(p, withExtensions((exts) => exts.map((e) => (e.type === ET.extended_master_secret ? ext(e.type, Uint8Array.of(0)) : e)))),
  }),
  case12({
    name: 'TLS 1.2: session_ticket with a body',
    rfc: 'RFC 5077 §3.2',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    script: (p) => serverHello(p, adding(ext(ET.session_ticket, utf8('ticket')))),
  }),
  case12({
    name: 'TLS 1.2: server_name with a body',
    rfc: 'RFC 6066 §3',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    script: (p) => serverHello(p, adding(ext(ET.server_name, Uint8Array.of(0, 0)))),
  }),
  case12({
    name: 'TLS 1.2: ec_point_formats without the uncompressed format',
    rfc: 'RFC 8422 §5.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    script: (p) => serverHello(p, { ecPointFormats: Uint8Array.of(1, 1) }),
  }),
  case12({
    name: 'TLS 1.2: ec_point_formats whose list length disagrees with the extension',
    rfc: 'RFC 8422 §5.2, RFC 5246 §7.2.2',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    script: (p) => serverHello(p, { ecPointFormats: Uint8Array.of(2, 0) }),
  }),
  case12({
    name: 'TLS 1.2: ec_point_formats with an empty list',
    rfc: 'RFC 8422 §5.2',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    script: (p) => serverHello(p, { ecPointFormats: Uint8Array.of(0) }),
  }),
  case12({
    name: 'TLS 1.2: ec_point_formats absent is accepted',
    rfc: 'RFC 8422 §5.2',
    code: 'OK',
    alert: null,
    script: (p) => connectedSends(p, 'no point formats', { serverHello: { ecPointFormats: null } }),
    check: expectData('no point formats'),
  }),
  case12({
    name: 'TLS 1.2: record_size_limit 63',
    rfc: 'RFC 8449 §4',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    script: (p) => serverHello(p, { recordSizeLimit: 63 }),
  }),
  case12({
    name: 'TLS 1.2: unexpected server_name echo, ALPN and record_size_limit together are accepted',
    rfc: 'RFC 6066 §3, RFC 7301, RFC 8449',
    code: 'OK',
    alert: null,
    client: { alpn: ['h2'] },
    script: (p) => connectedSends(p, 'all in', { serverHello: { alpn: 'h2', recordSizeLimit: 1024, extensions: (e) => [ext(ET.server_name), ...e] } }),
    check(o) {
      expectData('all in')(o);
      if (o.info?.alpn !== 'h2') throw new Error(`alpn ${o.info?.alpn}`);
    },
  }),
];

const certificate: HostileCase[] = [
  case12({
    name: 'TLS 1.2 Certificate: empty certificate_list',
    rfc: 'RFC 5246 §7.4.2',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    async script(p) {
      await p.readClientHello();
      await p.send([await p.buildServerHello12(), p.buildCertificate12({ chain: [] })]);
    },
  }),
  case12({
    name: 'TLS 1.2 Certificate: an RSA key for an ECDHE_ECDSA suite',
    rfc: 'RFC 8422 §5.3, RFC 5246 §7.4.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    identity: 'server-rsa2048',
    async script(p) {
      await p.readClientHello();
      await p.send([await p.buildServerHello12({ cipherSuite: 0xc02b }), p.buildCertificate12()]);
    },
  }),
  case12({
    name: 'TLS 1.2 Certificate: an ECDSA key for an ECDHE_RSA suite',
    rfc: 'RFC 8422 §5.3, RFC 5246 §7.4.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      await p.send([await p.buildServerHello12({ cipherSuite: 0xc02f }), p.buildCertificate12()]);
    },
  }),
  case12({
    name: 'TLS 1.2 Certificate: a chain to a root we do not trust',
    rfc: 'RFC 5246 §7.4.2, RFC 5280',
    code: 'CERT_UNTRUSTED_ROOT',
    alert: 'unknown_ca',
    identity: 'server-untrusted',
    async script(p) {
      await p.readClientHello();
      await p.send([await p.buildServerHello12(), p.buildCertificate12()]);
    },
  }),
  case12({
    name: 'TLS 1.2 Certificate: a TLS 1.3 Certificate (request context, entry extensions)',
    rfc: 'RFC 5246 §7.4.2',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    async script(p) {
      await p.readClientHello();
      const c13 = encodeCertificate({ context: new Uint8Array(0), entries: p.identity.chain.map((data) => ({ data, extensions: [] })) });
      await p.send([await p.buildServerHello12(), c13]);
    },
  }),
  case12({
    name: 'TLS 1.2 Certificate: Ed25519 key with an ECDHE_ECDSA suite and an ed25519 signature',
    rfc: 'RFC 8422 §5.1.3, §5.4',
    code: 'OK',
    alert: null,
    identity: 'server-ed25519',
    script: (p) => connectedSends(p, 'ed25519'),
    check(o) {
      expectData('ed25519')(o);
      if (o.info?.signatureScheme !== 'ed25519') throw new Error(`scheme ${o.info?.signatureScheme}`);
    },
  }),
];

const serverKeyExchange: HostileCase[] = [
  ske('signature with one bit flipped', 'RFC 5246 §7.4.3', 'DECRYPT_ERROR', 'decrypt_error', { flipBit: 100 }),
  ske('signature over server_random + client_random (swapped)', 'RFC 8422 §5.4', 'DECRYPT_ERROR', 'decrypt_error', {
    signed: (c) => concat(c.subarray(32, 64), c.subarray(0, 32), c.subarray(64)),
  }),
  ske('signature over the params alone', 'RFC 8422 §5.4', 'DECRYPT_ERROR', 'decrypt_error', { signed: (c) => c.subarray(64) }),
  ske('empty signature', 'RFC 5246 §7.4.3', 'DECODE_ERROR', 'decode_error', { signature: new Uint8Array(0) }),
  ske('signed with rsa_pkcs1_sha256, labelled rsa_pss_rsae_sha256', 'RFC 5246 §7.4.1.4.1', 'DECRYPT_ERROR', 'decrypt_error', {
    scheme: 0x0804,
    signWith: { kind: 'rsa-pkcs1', hash: 'SHA-256' },
  }, { identity: 'server-rsa2048' }),
  ske('curve secp384r1, which we did not offer', 'RFC 8422 §5.4', 'ILLEGAL_PARAMETER', 'illegal_parameter', { group: 'secp384r1' }),
  ske('X25519MLKEM768 (TLS 1.3 only) although it was offered', 'RFC 8422 §5.4, draft-ietf-tls-ecdhe-mlkem', 'ILLEGAL_PARAMETER', 'illegal_parameter', {
    claimGroup: GROUPS.X25519MLKEM768,
    // ECPoint is opaque<1..2^8-1>: no hybrid share fits; the group is what is refused.
    publicKey: new Uint8Array(32).fill(3),
  }, { client: { groups: ['X25519MLKEM768', 'x25519', 'secp256r1'] } }),
  ske('unknown NamedCurve 0x0042', 'RFC 8422 §5.4', 'ILLEGAL_PARAMETER', 'illegal_parameter', { claimGroup: 0x0042 }),
  ske('curve_type explicit_prime (1)', 'RFC 8422 §5.4', 'ILLEGAL_PARAMETER', 'illegal_parameter', {
    mutate: (m) => {
      const out = m.slice();
      out[4] = 1;
      return out;
    },
  }),
  ske('x25519 all-zero point', 'RFC 8422 §5.11, RFC 7748 §6.1', 'ILLEGAL_PARAMETER', 'illegal_parameter', {
    group: 'x25519',
    publicKey: new Uint8Array(32),
  }),
  ske('x25519 point of order 4 (u = 1): all-zero shared secret', 'RFC 8422 §5.11, RFC 7748 §6.1', 'ILLEGAL_PARAMETER', 'illegal_parameter', {
    group: 'x25519',
    publicKey: concat(Uint8Array.of(1), new Uint8Array(31)),
  }),
  ske('x25519 point of 31 bytes', 'RFC 8422 §5.4', 'ILLEGAL_PARAMETER', 'illegal_parameter', { group: 'x25519', publicKey: new Uint8Array(31).fill(9) }),
  ske('P-256 point off the curve', 'RFC 8422 §5.11', 'ILLEGAL_PARAMETER', 'illegal_parameter', {
    group: 'secp256r1',
    publicKey: concat(Uint8Array.of(4), new Uint8Array(P256_POINT_LENGTH - 1).fill(1)),
  }),
  ske('P-256 point in compressed form', 'RFC 8422 §5.1.2, §5.4', 'ILLEGAL_PARAMETER', 'illegal_parameter', {
    group: 'secp256r1',
    // The generator's x coordinate: a real point, compressed.
    publicKey: concat(Uint8Array.of(3), Uint8Array.from(Buffer.from('6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296', 'hex'))),
  }),
  ske('P-256 point at infinity (0x00)', 'RFC 8422 §5.11', 'ILLEGAL_PARAMETER', 'illegal_parameter', { group: 'secp256r1', publicKey: Uint8Array.of(0) }),
  ske('scheme ecdsa_sha1, which we did not offer', 'RFC 5246 §7.4.1.4.1', 'ILLEGAL_PARAMETER', 'illegal_parameter', {
    scheme: 0x0203,
    signWith: { kind: 'ecdsa', hash: 'SHA-256' },
  }),
  ske('scheme rsa_pkcs1_sha1 with an RSA certificate, which we did not offer', 'RFC 5246 §7.4.1.4.1', 'ILLEGAL_PARAMETER', 'illegal_parameter', {
    scheme: 0x0201,
    signWith: { kind: 'rsa-pkcs1', hash: 'SHA-256' },
  }, { identity: 'server-rsa2048' }),
  ske('scheme ecdsa_secp256r1_sha256 with an RSA certificate', 'RFC 5246 §7.4.1.4.1, RFC 8422 §5.4', 'ILLEGAL_PARAMETER', 'illegal_parameter', {
    scheme: 0x0403,
    signWith: { kind: 'rsa-pss', hash: 'SHA-256', saltLength: 32 },
  }, { identity: 'server-rsa2048' }),
  ske('scheme rsa_pss_rsae_sha256 with an ECDSA certificate', 'RFC 5246 §7.4.1.4.1', 'ILLEGAL_PARAMETER', 'illegal_parameter', {
    scheme: 0x0804,
    signWith: { kind: 'ecdsa', hash: 'SHA-256' },
  }),
  ske('scheme ed25519 with an ECDSA P-256 certificate', 'RFC 8422 §5.4', 'ILLEGAL_PARAMETER', 'illegal_parameter', {
    scheme: 0x0807,
    signWith: { kind: 'ecdsa', hash: 'SHA-256' },
  }),
  ske('scheme rsa_pss_pss_sha256 with an rsaEncryption certificate', 'RFC 8446 §4.2.3', 'ILLEGAL_PARAMETER', 'illegal_parameter', {
    scheme: 0x0809,
    signWith: { kind: 'rsa-pss', hash: 'SHA-256', saltLength: 32 },
  }, { identity: 'server-rsa2048' }),
  skeOk('rsa_pkcs1_sha256 is accepted in TLS 1.2', 'RFC 5246 §7.4.1.4.1, RFC 8446 §4.2.3', { scheme: 0x0401 }, {
    identity: 'server-rsa2048',
    check(o) {
      expectData('ske ok')(o);
      if (o.info?.signatureScheme !== 'rsa_pkcs1_sha256') throw new Error(`scheme ${o.info?.signatureScheme}`);
    },
  }),
  skeOk('ecdsa_secp256r1_sha256 with a P-384 key is accepted (TLS 1.2 does not bind the curve)', 'RFC 5246 §7.4.1.4.1, RFC 8422 §5.4', { scheme: 0x0403 }, {
    identity: 'server-p384',
  }),
  skeOk('secp384r1 when offered', 'RFC 8422 §5.4', { group: 'secp384r1' }, { client: { groups: ['secp384r1'] } }),
];

const certificateRequest: HostileCase[] = [
  case12({
    name: 'TLS 1.2 CertificateRequest: empty certificate_types',
    rfc: 'RFC 5246 §7.4.4',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    script: (p) => toServerHelloDone(p, { certificateRequest: { certificateTypes: [] } }),
  }),
  case12({
    name: 'TLS 1.2 CertificateRequest: odd-length supported_signature_algorithms',
    rfc: 'RFC 5246 §7.4.4',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    async script(p) {
      const msgs = await toServerKeyExchange(p);
      // certificate_types [ecdsa_sign], supported_signature_algorithms of 3 bytes, no authorities.
      const cr = handshakeMessage(HT.certificate_request, Uint8Array.of(1, 64, 0, 3, 4, 3, 8, 0, 0));
      await p.send([...msgs, await p.buildServerKeyExchange(), cr, p.buildServerHelloDone()]);
    },
  }),
  case12({
    name: 'TLS 1.2 CertificateRequest: only rsa_sign asked, our key is ECDSA: an empty Certificate',
    rfc: 'RFC 5246 §7.4.6',
    code: 'OK',
    alert: null,
    client: () => ({ clientCertificate: { chain: loadCert('client-p256').chain, key: loadCert('client-p256').key } }),
    async script(p) {
      const flight = await p.handshake12({ certificateRequest: { certificateTypes: [RSA_SIGN] } });
      if (flight.certificates?.length !== 0 || flight.certificateVerified) throw new Error('the client sent a certificate');
      await p.sendAppData('anonymous');
      await closeCleanly(p);
    },
    check(o) {
      expectData('anonymous')(o);
      if (o.info?.clientCertificateSent) throw new Error('clientCertificateSent');
    },
  }),
  case12({
    name: 'TLS 1.2 ServerHelloDone with a body',
    rfc: 'RFC 5246 §7.4.5',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    async script(p) {
      const msgs = await toServerKeyExchange(p);
      await p.send([...msgs, await p.buildServerKeyExchange(), handshakeMessage(HT.server_hello_done, Uint8Array.of(0))]);
    },
  }),
];

export const tls12HelloCases: HostileCase[] = [...version, ...extensions];
export const tls12AuthCases: HostileCase[] = [...certificate, ...serverKeyExchange, ...certificateRequest];
