/**
 * TLS 1.2 from the client's flight on: ChangeCipherSpec and Finished (RFC
 * 5246 §7.1, §7.4.9), NewSessionTicket (RFC 5077 §3.3), resumption (§7.3,
 * RFC 5077 §3.4, RFC 7627 §5.3), protected records (§6.2.3.3, RFC 5288 §3,
 * RFC 7905 §2), HelloRequest (§7.4.1.1, RFC 5746 §4.2), warning alerts
 * (§7.2) and what a TLS 1.2 connection offers afterwards.
 */
import { concat, utf8 } from '../../../src/codec.js';
import { AlertDescription, TlsError } from '../../../src/errors.js';
import { ContentType as CT, ExtensionType as ET } from '../../../src/handshake/constants.js';
import { findExtension } from '../../../src/handshake/extensions.js';
import { encodeFinished } from '../../../src/handshake/messages.js';
import { rawRecord } from '../../peers/scripted-server.js';
import type { ScriptedPeer12 } from '../../peers/scripted-server12.js';
import { closeCleanly, type HostileCase } from '../harness.js';
import {
  case12,
  connected12,
  connectedSends,
  expectData,
  MASTER,
  ONLY12,
  toClientFinished,
  toServerHelloDone,
  withSession,
} from './tls12-common.js';

/** Flips one bit of a sealed record at `index` (negative: from the end). */
const flip = (index: number) => (rec: Uint8Array) => {
  const out = rec.slice();
  const i = index < 0 ? out.length + index : index;
  out[i]! ^= 0x01;
  return out;
};

/** After the client's flight: our ChangeCipherSpec, then `finished` under our keys. */
async function finishWith(p: ScriptedPeer12, finished: Uint8Array): Promise<void> {
  await p.changeCipherSpec();
  await p.send(finished);
}

/** The client's session: checks what it offered (session ID or ticket), then our ServerHello resuming MASTER. */
async function resumingHello(p: ScriptedPeer12, kind: 'id' | 'ticket', o: Parameters<ScriptedPeer12['buildServerHello12']>[0] = {}): Promise<Uint8Array> {
  await p.readClientHello();
  const ch = p.clientHello!;
  const ticket = findExtension(ch.extensions, ET.session_ticket);
  if (kind === 'id' && !ch.sessionId.every((b) => b === 0x51)) throw new Error('the client did not offer its session ID');
  if (kind === 'ticket' && (!ticket || new TextDecoder().decode(ticket) !== 'scripted 1.2 ticket')) throw new Error('the client did not offer its ticket');
  return p.buildServerHello12({ resume: MASTER, ...o });
}

const ccsAndFinished: HostileCase[] = [
  case12({
    name: 'TLS 1.2 ChangeCipherSpec with value 2',
    rfc: 'RFC 5246 §7.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await toClientFinished(p);
      p.sendChangeCipherSpec(Uint8Array.of(2));
    },
  }),
  case12({
    name: 'TLS 1.2 ChangeCipherSpec of two bytes',
    rfc: 'RFC 5246 §7.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await toClientFinished(p);
      p.sendChangeCipherSpec(Uint8Array.of(1, 1));
    },
  }),
  case12({
    name: 'TLS 1.2 ChangeCipherSpec between two fragments of the NewSessionTicket',
    rfc: 'RFC 5246 §7.1, §6.2.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await toClientFinished(p, { serverHello: { ticket: true } });
      const nst = p.buildNewSessionTicket12();
      p.write(rawRecord(CT.handshake, nst.subarray(0, 6)));
      p.sendChangeCipherSpec();
      p.write(rawRecord(CT.handshake, nst.subarray(6)));
    },
  }),
  case12({
    name: 'TLS 1.2 Finished with one bit flipped',
    rfc: 'RFC 5246 §7.4.9',
    code: 'DECRYPT_ERROR',
    alert: 'decrypt_error',
    async script(p) {
      await toClientFinished(p);
      await finishWith(p, p.buildFinished12({ flipBit: 7 }));
    },
  }),
  case12({
    name: 'TLS 1.2 Finished computed with the "client finished" label',
    rfc: 'RFC 5246 §7.4.9',
    code: 'DECRYPT_ERROR',
    alert: 'decrypt_error',
    async script(p) {
      await toClientFinished(p);
      await finishWith(p, p.buildFinished12({ side: 'client' }));
    },
  }),
  case12({
    name: "TLS 1.2 Finished over a transcript without the client's Finished",
    rfc: 'RFC 5246 §7.4.9',
    code: 'DECRYPT_ERROR',
    alert: 'decrypt_error',
    async script(p) {
      await toClientFinished(p);
      await finishWith(p, p.buildFinished12({ messages: p.transcript.slice(0, -1) }));
    },
  }),
  case12({
    name: 'TLS 1.2 Finished with 32 bytes of verify_data (the TLS 1.3 size)',
    rfc: 'RFC 5246 §7.4.9',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    async script(p) {
      await toClientFinished(p);
      await finishWith(p, encodeFinished(new Uint8Array(32)));
    },
  }),
];

const tickets: HostileCase[] = [
  case12({
    name: 'TLS 1.2 NewSessionTicket with an empty ticket is accepted',
    rfc: 'RFC 5077 §3.3',
    code: 'OK',
    alert: null,
    script: (p) => connectedSends(p, 'no ticket after all', { serverHello: { ticket: true }, newSessionTicket: { ticket: new Uint8Array(0) } }),
    check: expectData('no ticket after all'),
  }),
  case12({
    name: 'TLS 1.2 resumption by session ID (baseline)',
    rfc: 'RFC 5246 §7.3, §7.4.1.3',
    code: 'OK',
    alert: null,
    client: withSession('id'),
    async script(p) {
      await p.send(await resumingHello(p, 'id'));
      await finishWith(p, p.buildFinished12());
      await p.readClientFinished12();
      await p.sendAppData('resumed by id');
      await closeCleanly(p);
    },
    check(o) {
      expectData('resumed by id')(o);
      if (!o.info?.resumed || o.info.peerCertificates.length !== 0 || o.info.signatureScheme !== null) throw new Error('not reported as resumed');
    },
  }),
  case12({
    name: 'TLS 1.2 resumption by ticket, with a new ticket (baseline)',
    rfc: 'RFC 5077 §3.1, §3.3',
    code: 'OK',
    alert: null,
    client: withSession('ticket'),
    async script(p) {
      await p.send([await resumingHello(p, 'ticket', { ticket: true }), p.buildNewSessionTicket12({ ticket: utf8('next') })]);
      await finishWith(p, p.buildFinished12());
      await p.readClientFinished12();
      await p.sendAppData('resumed by ticket');
      await closeCleanly(p);
    },
    check(o) {
      expectData('resumed by ticket')(o);
      if (!o.info?.resumed) throw new Error('not reported as resumed');
    },
  }),
  case12({
    name: 'TLS 1.2 resumption by session ID without extended_master_secret',
    rfc: 'RFC 7627 §5.3',
    code: 'EMS_REQUIRED',
    alert: 'handshake_failure',
    client: withSession('id'),
    script: async (p) => p.send(await resumingHello(p, 'id', { ems: false })),
  }),
  case12({
    name: 'TLS 1.2 resumption by ticket without extended_master_secret',
    rfc: 'RFC 7627 §5.3',
    code: 'EMS_REQUIRED',
    alert: 'handshake_failure',
    client: withSession('ticket'),
    script: async (p) => p.send(await resumingHello(p, 'ticket', { ems: false })),
  }),
  case12({
    name: 'TLS 1.2 resumption without extended_master_secret, even with requireExtendedMasterSecret false',
    rfc: 'RFC 7627 §5.3',
    code: 'EMS_REQUIRED',
    alert: 'handshake_failure',
    client: withSession('id', {}, { requireExtendedMasterSecret: false }),
    script: async (p) => p.send(await resumingHello(p, 'id', { ems: false })),
  }),
  case12({
    name: 'TLS 1.2 resumption of a session we did not offer (our random session ID echoed)',
    rfc: 'RFC 5246 §7.4.1.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      if (p.clientHello!.sessionId.length !== 32) throw new Error('no compatibility session ID to echo');
      await p.send(await p.buildServerHello12({ resume: MASTER }));
    },
  }),
  case12({
    name: 'TLS 1.2 resumption with another cipher suite',
    rfc: 'RFC 5246 §7.4.1.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    client: withSession('id'),
    script: async (p) => p.send(await resumingHello(p, 'id', { cipherSuite: 0xc02c })),
  }),
  case12({
    name: 'TLS 1.2 resumption declined: a new session ID and a full handshake',
    rfc: 'RFC 5246 §7.4.1.3',
    code: 'OK',
    alert: null,
    client: withSession('id'),
    script: (p) => connectedSends(p, 'full again'),
    check(o) {
      expectData('full again')(o);
      if (o.info?.resumed) throw new Error('reported as resumed');
    },
  }),
  case12({
    name: 'TLS 1.2 resumed, then a Certificate instead of ChangeCipherSpec',
    rfc: 'RFC 5246 §7.3',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    client: withSession('id'),
    script: async (p) => p.send([await resumingHello(p, 'id'), p.buildCertificate12()]),
  }),
  case12({
    name: 'TLS 1.2 resumed, then a wrong Finished',
    rfc: 'RFC 5246 §7.4.9',
    code: 'DECRYPT_ERROR',
    alert: 'decrypt_error',
    client: withSession('id'),
    async script(p) {
      await p.send(await resumingHello(p, 'id'));
      await finishWith(p, p.buildFinished12({ flipBit: 95 }));
    },
  }),
  case12({
    name: 'TLS 1.2 resumed with session_ticket answered, then ChangeCipherSpec without the NewSessionTicket',
    rfc: 'RFC 5077 §3.3',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    client: withSession('ticket'),
    async script(p) {
      await p.send(await resumingHello(p, 'ticket', { ticket: true }));
      p.sendChangeCipherSpec();
    },
  }),
  case12({
    name: 'TLS 1.2 ticket offered, a new session ID (full handshake), then an abbreviated flight',
    rfc: 'RFC 5077 §3.4',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    client: withSession('ticket'),
    async script(p) {
      await p.send(await resumingHello(p, 'ticket', { sessionId: new Uint8Array(32).fill(0x77) }));
      await p.changeCipherSpec();
    },
  }),
];

const records: HostileCase[] = [
  case12({
    name: 'TLS 1.2 record: bad tag on the Finished record',
    rfc: 'RFC 5246 §6.2.3.3',
    code: 'BAD_RECORD_MAC',
    alert: 'bad_record_mac',
    async script(p) {
      await toClientFinished(p);
      await p.changeCipherSpec();
      p.write(await p.sealRecord(CT.handshake, p.buildFinished12(), { mutate: flip(-1) }));
    },
  }),
  case12({
    name: 'TLS 1.2 record: explicit nonce altered (AES-GCM)',
    rfc: 'RFC 5288 §3, RFC 5246 §6.2.3.3',
    code: 'BAD_RECORD_MAC',
    alert: 'bad_record_mac',
    phase: 'post',
    async script(p) {
      await connected12(p);
      p.write(await p.sealRecord(CT.application_data, utf8('nonce'), { mutate: flip(5 + 7) }));
    },
  }),
  case12({
    name: 'TLS 1.2 record: an explicit nonce other than the sequence number is accepted (AES-GCM)',
    rfc: 'RFC 5288 §3',
    code: 'OK',
    alert: null,
    async script(p) {
      await connected12(p);
      p.write(await p.sealRecord(CT.application_data, utf8('any nonce'), { explicitNonce: Uint8Array.of(0xfe, 1, 2, 3, 4, 5, 6, 7) }));
      await closeCleanly(p);
    },
    check: expectData('any nonce'),
  }),
  case12({
    name: 'TLS 1.2 record: header type changed after sealing (additional data)',
    rfc: 'RFC 5246 §6.2.3.3',
    code: 'BAD_RECORD_MAC',
    alert: 'bad_record_mac',
    phase: 'post',
    async script(p) {
      await connected12(p);
      p.write(await p.sealRecord(CT.application_data, utf8('retyped'), { mutate: (r) => concat(Uint8Array.of(CT.handshake), r.subarray(1)) }));
    },
  }),
  case12({
    name: 'TLS 1.2 record: ChaCha20-Poly1305 sealed for the wrong sequence number',
    rfc: 'RFC 7905 §2',
    code: 'BAD_RECORD_MAC',
    alert: 'bad_record_mac',
    phase: 'post',
    async script(p) {
      await connected12(p, { serverHello: { cipherSuite: 0xcca9 } });
      p.writeKeys12!.seq++;
      await p.sendAppData('skipped one');
    },
  }),
  case12({
    name: 'TLS 1.2 record: ChaCha20-Poly1305 bad tag',
    rfc: 'RFC 7905 §2',
    code: 'BAD_RECORD_MAC',
    alert: 'bad_record_mac',
    phase: 'post',
    async script(p) {
      await connected12(p, { serverHello: { cipherSuite: 0xcca9 } });
      p.write(await p.sealRecord(CT.application_data, utf8('tag'), { mutate: flip(-3) }));
    },
  }),
  case12({
    name: 'TLS 1.2 record: a record replayed',
    rfc: 'RFC 5246 §6.2.3.3',
    code: 'BAD_RECORD_MAC',
    alert: 'bad_record_mac',
    phase: 'post',
    async script(p) {
      await connected12(p);
      const rec = await p.sealRecord(CT.application_data, utf8('once'));
      p.write(concat(rec, rec));
    },
    check: expectData('once'),
  }),
  case12({
    name: 'TLS 1.2 record: shorter than explicit nonce and tag',
    rfc: 'RFC 5246 §6.2.3.3',
    code: 'BAD_RECORD_MAC',
    alert: 'bad_record_mac',
    phase: 'post',
    async script(p) {
      await connected12(p);
      p.write(rawRecord(CT.application_data, new Uint8Array(23)));
    },
  }),
  case12({
    name: 'TLS 1.2 record: plaintext of 2^14+1 bytes after decryption',
    rfc: 'RFC 5246 §6.2.3',
    code: 'RECORD_OVERFLOW',
    alert: 'record_overflow',
    phase: 'post',
    async script(p) {
      await connected12(p);
      await p.sendAppData(new Uint8Array(16385).fill(0x61));
    },
  }),
  case12({
    name: 'TLS 1.2 record: plaintext of exactly 2^14 bytes is accepted',
    rfc: 'RFC 5246 §6.2.3',
    code: 'OK',
    alert: null,
    async script(p) {
      await connected12(p);
      await p.sendAppData(new Uint8Array(16384).fill(0x61));
      await closeCleanly(p);
    },
    check: (o) => {
      if (o.data.length !== 16384) throw new Error(`got ${o.data.length} bytes`);
    },
  }),
  case12({
    name: 'TLS 1.2 record: length field 2^14+2049 fails before the body arrives',
    rfc: 'RFC 5246 §6.2.3',
    code: 'RECORD_OVERFLOW',
    alert: 'record_overflow',
    phase: 'post',
    async script(p) {
      await connected12(p);
      const n = 16384 + 2049;
      p.write(Uint8Array.of(CT.application_data, 3, 3, n >> 8, n & 0xff));
    },
  }),
  case12({
    name: 'TLS 1.2 record: ciphertext of 2^14+1024 bytes (within 2^14+2048, too long for any AEAD record)',
    rfc: 'RFC 5246 §6.2.3',
    code: 'RECORD_OVERFLOW',
    alert: 'record_overflow',
    phase: 'post',
    async script(p) {
      await connected12(p);
      p.write(rawRecord(CT.application_data, new Uint8Array(16384 + 1024)));
    },
  }),
  case12({
    name: 'TLS 1.2 record: larger than our record_size_limit (1025 of 1024)',
    rfc: 'RFC 8449 §4',
    code: 'RECORD_OVERFLOW',
    alert: 'record_overflow',
    phase: 'post',
    client: { recordSizeLimit: 1024 },
    async script(p) {
      await connected12(p);
      await p.sendAppData(new Uint8Array(1025).fill(0x61));
    },
  }),
  case12({
    name: 'TLS 1.2 record: exactly our record_size_limit (1024, no content type byte in TLS 1.2) is accepted',
    rfc: 'RFC 8449 §4',
    code: 'OK',
    alert: null,
    client: { recordSizeLimit: 1024 },
    async script(p) {
      await connected12(p);
      await p.sendAppData(new Uint8Array(1024).fill(0x61));
      await closeCleanly(p);
    },
    check: (o) => {
      if (o.data.length !== 1024) throw new Error(`got ${o.data.length} bytes`);
    },
  }),
  case12({
    name: 'TLS 1.2 record: zero-length plaintext handshake record',
    rfc: 'RFC 5246 §6.2.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await p.readClientHello();
      await p.send(await p.buildServerHello12());
      p.write(rawRecord(CT.handshake, new Uint8Array(0)));
    },
  }),
  case12({
    name: 'TLS 1.2 record: zero-length protected handshake record before Finished',
    rfc: 'RFC 5246 §6.2.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await toClientFinished(p);
      await p.changeCipherSpec();
      p.write(await p.sealRecord(CT.handshake, new Uint8Array(0)));
    },
  }),
  case12({
    name: 'TLS 1.2 record: zero-length protected alert record',
    rfc: 'RFC 5246 §6.2.1, §7.2',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    phase: 'post',
    async script(p) {
      await connected12(p);
      p.write(await p.sealRecord(CT.alert, new Uint8Array(0)));
    },
  }),
  case12({
    name: 'TLS 1.2 record: zero-length application data is accepted',
    rfc: 'RFC 5246 §6.2.1',
    code: 'OK',
    alert: null,
    async script(p) {
      await connected12(p);
      await p.sendAppData(new Uint8Array(0));
      await p.sendAppData('after nothing');
      await closeCleanly(p);
    },
    check: expectData('after nothing'),
  }),
  case12({
    name: 'TLS 1.2 record: protected record with version 0x0301',
    rfc: 'RFC 5246 §6.2.1, §E.1',
    code: 'PROTOCOL_VERSION',
    alert: 'protocol_version',
    phase: 'post',
    async script(p) {
      await connected12(p);
      p.write(await p.sealRecord(CT.application_data, utf8('old'), { version: 0x0301 }));
    },
  }),
  case12({
    name: 'TLS 1.2 record: application data after our ChangeCipherSpec, before Finished',
    rfc: 'RFC 5246 §7.4.9',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await toClientFinished(p);
      await p.changeCipherSpec();
      await p.sendAppData('too soon');
    },
  }),
  case12({
    name: 'TLS 1.2 record: plaintext application data before the ChangeCipherSpec',
    rfc: 'RFC 5246 §7.4.9',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await toClientFinished(p);
      p.sendPlainRecord(CT.application_data, utf8('in clear'));
    },
  }),
];

const helloRequest: HostileCase[] = [
  case12({
    name: 'TLS 1.2 HelloRequest between ServerHello and Certificate is ignored',
    rfc: 'RFC 5246 §7.4.1.1',
    code: 'OK',
    alert: null,
    async script(p) {
      await p.readClientHello();
      const sh = await p.buildServerHello12();
      const hr = p.buildHelloRequest();
      await p.send([sh, hr, p.buildCertificate12(), await p.buildServerKeyExchange(), p.buildServerHelloDone()]);
      await p.readClientFinished12();
      await p.finishHandshake12();
      await p.sendAppData('ignored');
      await closeCleanly(p);
    },
    check: expectData('ignored'),
  }),
  case12({
    name: "TLS 1.2 HelloRequest between the client's Finished and our ChangeCipherSpec is ignored",
    rfc: 'RFC 5246 §7.4.1.1',
    code: 'OK',
    alert: null,
    async script(p) {
      await toClientFinished(p);
      await p.send(p.buildHelloRequest());
      await p.finishHandshake12();
      await p.sendAppData('ignored');
      await closeCleanly(p);
    },
    check: expectData('ignored'),
  }),
  case12({
    name: 'TLS 1.2 HelloRequest with a body during the handshake',
    rfc: 'RFC 5246 §7.4.1.1',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    async script(p) {
      await p.readClientHello();
      await p.send([await p.buildServerHello12(), p.buildHelloRequest(Uint8Array.of(0))]);
    },
  }),
  case12({
    name: 'TLS 1.2 HelloRequest after the handshake: a no_renegotiation warning, and data still flows',
    rfc: 'RFC 5746 §4.2, RFC 5246 §7.4.1.1',
    code: 'OK',
    alert: null,
    async script(p) {
      await connected12(p);
      await p.send(p.buildHelloRequest());
      const rec = await p.readRecord();
      if (rec === null || rec === 'timeout' || rec.innerType !== CT.alert || rec.content[0] !== 1 || rec.content[1] !== AlertDescription.no_renegotiation) {
        throw new Error(`the client did not answer with a no_renegotiation warning: ${JSON.stringify(rec)}`);
      }
      await p.sendAppData('still here');
      await closeCleanly(p);
    },
    check: expectData('still here'),
  }),
  case12({
    name: 'TLS 1.2 HelloRequest with a body after the handshake',
    rfc: 'RFC 5246 §7.4.1.1',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    phase: 'post',
    async script(p) {
      await connected12(p);
      await p.send(p.buildHelloRequest(Uint8Array.of(1, 2)));
    },
  }),
  case12({
    name: 'TLS 1.2 HelloRequest flood over limits.maxPostHandshakePerSecond',
    rfc: 'limits.maxPostHandshakePerSecond',
    code: 'LIMIT_EXCEEDED',
    alert: 'unexpected_message',
    phase: 'post',
    client: { limits: { maxPostHandshakePerSecond: 5 } },
    async script(p) {
      await connected12(p);
      await p.send(Array.from({ length: 6 }, () => p.buildHelloRequest()));
    },
    check: (o) => {
      const warnings = (o.peer as ScriptedPeer12).clientWarnings;
      if (warnings !== 5) throw new Error(`${warnings} no_renegotiation warnings before the fatal alert, wanted 5`);
    },
  }),
];

const alerts: HostileCase[] = [
  case12({
    name: 'TLS 1.2 warning no_renegotiation during the handshake is ignored',
    rfc: 'RFC 5246 §7.2',
    code: 'OK',
    alert: null,
    async script(p) {
      await toServerHelloDone(p);
      await p.sendAlert('no_renegotiation', 1);
      await p.readClientFinished12();
      await p.finishHandshake12();
      await p.sendAppData('warned');
      await closeCleanly(p);
    },
    check: expectData('warned'),
  }),
  case12({
    name: 'TLS 1.2 warning unrecognized_name before the ServerHello is ignored (TLS 1.2 offered)',
    rfc: 'RFC 6066 §3, RFC 5246 §7.2',
    code: 'OK',
    alert: null,
    async script(p) {
      await p.readClientHello();
      await p.sendAlert('unrecognized_name', 1);
      await p.serverHelloFlight12();
      await p.readClientFinished12();
      await p.finishHandshake12();
      await p.sendAppData('warned');
      await closeCleanly(p);
    },
    check: expectData('warned'),
  }),
  case12({
    name: 'TLS 1.2 warning unrecognized_name before the ServerHello is fatal when only TLS 1.3 was offered',
    rfc: 'RFC 8446 §6',
    code: 'ALERT_RECEIVED',
    alert: null,
    receivedAlert: 112,
    client: { minVersion: 'TLSv1.3' },
    async script(p) {
      await p.readClientHello();
      await p.sendAlert('unrecognized_name', 1);
    },
  }),
  case12({
    name: 'TLS 1.2 four warnings in a row are ignored',
    rfc: 'RFC 5246 §7.2',
    code: 'OK',
    alert: null,
    async script(p) {
      await toServerHelloDone(p);
      for (let i = 0; i < 4; i++) await p.sendAlert(i % 2 ? 'unrecognized_name' : 'no_renegotiation', 1);
      await p.readClientFinished12();
      await p.finishHandshake12();
      await p.sendAppData('four');
      await closeCleanly(p);
    },
    check: expectData('four'),
  }),
  case12({
    name: 'TLS 1.2 a fifth warning in a row is fatal',
    rfc: 'RFC 5246 §7.2 (puretls: at most 4 in a row)',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await p.readClientHello();
      for (let i = 0; i < 5; i++) await p.sendAlert('no_renegotiation', 1);
    },
  }),
  case12({
    name: 'TLS 1.2 warnings separated by a handshake record are counted afresh',
    rfc: 'RFC 5246 §7.2',
    code: 'OK',
    alert: null,
    async script(p) {
      await p.readClientHello();
      for (let i = 0; i < 4; i++) await p.sendAlert('no_renegotiation', 1);
      await p.serverHelloFlight12();
      for (let i = 0; i < 4; i++) await p.sendAlert('no_renegotiation', 1);
      await p.readClientFinished12();
      await p.finishHandshake12();
      await p.sendAppData('eight');
      await closeCleanly(p);
    },
    check: expectData('eight'),
  }),
  case12({
    name: 'TLS 1.2 warning handshake_failure is fatal',
    rfc: 'RFC 5246 §7.2',
    code: 'ALERT_RECEIVED',
    alert: null,
    receivedAlert: 40,
    async script(p) {
      await toClientFinished(p);
      await p.sendAlert('handshake_failure', 1);
    },
  }),
  case12({
    name: 'TLS 1.2 warning decrypt_error after the handshake is fatal',
    rfc: 'RFC 5246 §7.2',
    code: 'ALERT_RECEIVED',
    alert: null,
    receivedAlert: 51,
    phase: 'post',
    async script(p) {
      await connected12(p);
      await p.sendAlert('decrypt_error', 1);
    },
  }),
  case12({
    name: 'TLS 1.2 no_renegotiation at fatal level',
    rfc: 'RFC 5246 §7.2',
    code: 'ALERT_RECEIVED',
    alert: null,
    receivedAlert: 100,
    async script(p) {
      await toClientFinished(p);
      await p.sendAlert('no_renegotiation', 2);
    },
  }),
  case12({
    name: 'TLS 1.2 warning no_renegotiation after the handshake is ignored, data flows',
    rfc: 'RFC 5246 §7.2',
    code: 'OK',
    alert: null,
    async script(p) {
      await connected12(p);
      await p.sendAlert('no_renegotiation', 1);
      await p.sendAppData('after warning');
      await closeCleanly(p);
    },
    check: expectData('after warning'),
  }),
  case12({
    name: 'TLS 1.2 five warnings in a row after the handshake',
    rfc: 'RFC 5246 §7.2 (puretls: at most 4 in a row)',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    phase: 'post',
    async script(p) {
      await connected12(p);
      for (let i = 0; i < 5; i++) await p.sendAlert('unrecognized_name', 1);
    },
  }),
];

const afterwards: HostileCase[] = [
  case12({
    name: 'TLS 1.2 keyUpdate() fails with TLS13_ONLY and the connection keeps working',
    rfc: 'RFC 5246 (no key update), RFC 8446 §4.6.3',
    code: 'OK',
    alert: null,
    client: ONLY12,
    async script(p) {
      await connected12(p);
      const got = await p.readAppData();
      if (!got || new TextDecoder().decode(got) !== 'ping') throw new Error('no data from the client after keyUpdate()');
      await p.sendAppData('pong');
      await closeCleanly(p);
    },
    async onConnect(conn) {
      let err: unknown = null;
      try {
        await conn.keyUpdate();
      } catch (e) {
        err = e;
      }
      if (!(err instanceof TlsError) || err.code !== 'TLS13_ONLY') throw new Error(`keyUpdate() on TLS 1.2: ${String(err)}`);
      const w = conn.writable.getWriter();
      await w.write(utf8('ping'));
      w.releaseLock();
    },
    check: expectData('pong'),
  }),
];

export const tls12FlowCases: HostileCase[] = [...ccsAndFinished, ...tickets, ...records];
export const tls12AfterCases: HostileCase[] = [...helloRequest, ...alerts, ...afterwards];
