/**
 * After the handshake: NewSessionTicket, KeyUpdate, post-handshake
 * CertificateRequest (RFC 8446 §4.6), floods, and alerts (§6).
 */
import { Writer } from '../../../src/codec.js';
import { ContentType as CT, ExtensionType as ET, HandshakeType as HT } from '../../../src/handshake/constants.js';
import { encodeCertificateRequest, encodeKeyUpdate, handshakeMessage } from '../../../src/handshake/messages.js';
import { ext, u16 } from '../../peers/scripted-server.js';
import { closeCleanly, connected, type HostileCase } from '../harness.js';

const sigAlgs = new Writer().vec(2, (w) => w.u16(0x0403)).finish();

export const postHandshakeCases: HostileCase[] = [
  {
    name: 'NewSessionTicket: lifetime over seven days',
    rfc: '§4.6.1',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    phase: 'post',
    async script(p) {
      await connected(p);
      await p.send(p.newSessionTicket({ lifetime: 604801 }));
    },
  },
  {
    name: 'NewSessionTicket: empty ticket',
    rfc: '§4.6.1',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    phase: 'post',
    async script(p) {
      await connected(p);
      await p.send(p.newSessionTicket({ ticket: new Uint8Array(0) }));
    },
  },
  {
    name: 'NewSessionTicket: trailing byte',
    rfc: '§4.6.1',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    phase: 'post',
    async script(p) {
      await connected(p);
      const t = p.newSessionTicket();
      const body = new Uint8Array(t.length - 4 + 1);
      body.set(t.subarray(4));
      await p.send(handshakeMessage(HT.new_session_ticket, body));
    },
  },
  {
    name: 'NewSessionTicket: early_data extension of two bytes',
    rfc: '§4.2.10',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    phase: 'post',
    async script(p) {
      await connected(p);
      await p.send(p.newSessionTicket({ extensions: [ext(ET.early_data, u16(1))] }));
    },
  },
  {
    name: 'NewSessionTicket: key_share extension (not allowed there)',
    rfc: '§4.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    phase: 'post',
    async script(p) {
      await connected(p);
      await p.send(p.newSessionTicket({ extensions: [ext(ET.key_share, u16(0x1d))] }));
    },
  },
  {
    name: 'NewSessionTicket: duplicate extensions',
    rfc: '§4.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    phase: 'post',
    async script(p) {
      await connected(p);
      await p.send(p.newSessionTicket({ extensions: [ext(0x7777), ext(0x7777)] }));
    },
  },
  {
    name: 'NewSessionTicket: unknown extension is ignored',
    rfc: '§4.6.1',
    code: 'OK',
    alert: null,
    async script(p) {
      await connected(p);
      await p.send(p.newSessionTicket({ extensions: [ext(0x7777, Uint8Array.of(1, 2))] }));
      await p.sendAppData('ok');
      await closeCleanly(p);
    },
    check: (o) => {
      if (o.data !== 'ok') throw new Error(`data ${o.data}`);
    },
  },
  {
    name: 'NewSessionTicket: flood over limits.maxPostHandshakePerSecond',
    rfc: 'limits.maxPostHandshakePerSecond',
    code: 'LIMIT_EXCEEDED',
    alert: 'unexpected_message',
    phase: 'post',
    client: { limits: { maxPostHandshakePerSecond: 5 } },
    async script(p) {
      await connected(p);
      await p.send(Array.from({ length: 6 }, (_, i) => p.newSessionTicket({ nonce: Uint8Array.of(i) })));
    },
  },
  {
    name: 'NewSessionTicket: as many as the limit allows are accepted',
    rfc: 'limits.maxPostHandshakePerSecond',
    code: 'OK',
    alert: null,
    client: { limits: { maxPostHandshakePerSecond: 5 } },
    async script(p) {
      await connected(p);
      await p.send(Array.from({ length: 5 }, (_, i) => p.newSessionTicket({ nonce: Uint8Array.of(i) })));
      await closeCleanly(p);
    },
  },
  {
    name: 'KeyUpdate: flood over the default limit of 32 a second',
    rfc: 'limits.maxPostHandshakePerSecond',
    code: 'LIMIT_EXCEEDED',
    alert: 'unexpected_message',
    phase: 'post',
    async script(p) {
      await connected(p);
      for (let i = 0; i < 64; i++) await p.sendKeyUpdate(false);
    },
  },
  {
    name: 'KeyUpdate: request_update value 2',
    rfc: '§4.6.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    phase: 'post',
    async script(p) {
      await connected(p);
      await p.send(handshakeMessage(HT.key_update, Uint8Array.of(2)));
    },
  },
  {
    name: 'KeyUpdate: two-byte body',
    rfc: '§4.6.3',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    phase: 'post',
    async script(p) {
      await connected(p);
      await p.send(handshakeMessage(HT.key_update, Uint8Array.of(0, 0)));
    },
  },
  {
    name: 'KeyUpdate: empty body',
    rfc: '§4.6.3',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    phase: 'post',
    async script(p) {
      await connected(p);
      await p.send(handshakeMessage(HT.key_update, new Uint8Array(0)));
    },
  },
  {
    name: 'KeyUpdate: data still sealed under the old key',
    rfc: '§4.6.3',
    code: 'BAD_RECORD_MAC',
    alert: 'bad_record_mac',
    phase: 'post',
    async script(p) {
      await connected(p);
      await p.send(encodeKeyUpdate(false));
      await p.sendAppData('old key');
    },
  },
  {
    name: 'KeyUpdate: update_requested is answered and data flows under the new keys',
    rfc: '§4.6.3',
    code: 'OK',
    alert: null,
    async script(p) {
      await connected(p);
      await p.sendKeyUpdate(true);
      const rec = await p.readRecord();
      if (rec === null || rec === 'timeout' || rec.innerType !== CT.handshake || rec.content[0] !== HT.key_update || rec.content[4] !== 0) {
        throw new Error('the client did not answer with KeyUpdate(update_not_requested)');
      }
      await p.sendAppData('new keys');
      await closeCleanly(p);
    },
    check: (o) => {
      if (o.data !== 'new keys') throw new Error(`data ${o.data}`);
    },
  },
  {
    name: 'CertificateRequest after the handshake with an empty context',
    rfc: '§4.3.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    phase: 'post',
    client: { postHandshakeAuth: true },
    async script(p) {
      await connected(p);
      await p.send(encodeCertificateRequest({ context: new Uint8Array(0), extensions: [ext(ET.signature_algorithms, sigAlgs)] }));
    },
  },
  {
    name: 'CertificateRequest after the handshake without signature_algorithms',
    rfc: '§4.3.2',
    code: 'MISSING_EXTENSION',
    alert: 'missing_extension',
    phase: 'post',
    client: { postHandshakeAuth: true },
    async script(p) {
      await connected(p);
      await p.send(encodeCertificateRequest({ context: Uint8Array.of(1), extensions: [] }));
    },
  },
  {
    name: 'post-handshake message over limits.maxHandshakeMessage',
    rfc: 'limits.maxHandshakeMessage',
    code: 'LIMIT_EXCEEDED',
    alert: 'illegal_parameter',
    phase: 'post',
    client: { limits: { maxHandshakeMessage: 8192 } },
    async script(p) {
      await connected(p);
      await p.send(p.newSessionTicket({ ticket: new Uint8Array(9000) }));
    },
  },
  {
    name: 'NewSessionTickets coalesced into a record larger than limits.maxHandshakeMessage are accepted',
    rfc: '§5.1, limits.maxHandshakeMessage',
    code: 'OK',
    alert: null,
    client: { limits: { maxHandshakeMessage: 8192 } },
    async script(p) {
      await connected(p);
      await p.send(Array.from({ length: 3 }, (_, i) => p.newSessionTicket({ nonce: Uint8Array.of(i), ticket: new Uint8Array(3000) })));
      await p.sendAppData('ok');
      await closeCleanly(p);
    },
    check: (o) => {
      if (o.data !== 'ok') throw new Error(`data ${o.data}`);
    },
  },
  // --- alerts, RFC 8446 §6 ---
  {
    name: 'alert: fatal handshake_failure during the handshake',
    rfc: '§6.2',
    code: 'ALERT_RECEIVED',
    alert: null,
    receivedAlert: 40,
    async script(p) {
      await p.readClientHello();
      await p.sendAlert('handshake_failure');
    },
  },
  {
    name: 'alert: handshake_failure at warning level is still fatal',
    rfc: '§6',
    code: 'ALERT_RECEIVED',
    alert: null,
    receivedAlert: 40,
    async script(p) {
      await p.readClientHello();
      await p.sendAlert('handshake_failure', 1);
    },
  },
  {
    name: 'alert: unknown alert description at warning level is fatal',
    rfc: '§6',
    code: 'ALERT_RECEIVED',
    alert: null,
    receivedAlert: 200,
    async script(p) {
      await p.readClientHello();
      await p.sendAlert(200, 1);
    },
  },
  {
    name: 'alert: encrypted fatal alert mid-handshake',
    rfc: '§6.2',
    code: 'ALERT_RECEIVED',
    alert: null,
    receivedAlert: 80,
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello();
      await p.sendAlert('internal_error');
    },
  },
  {
    name: 'alert: close_notify during the handshake',
    rfc: '§6.1',
    code: 'CONNECTION_CLOSED',
    alert: null,
    receivedAlert: 0,
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello();
      await p.sendAlert('close_notify', 1);
    },
  },
  {
    name: 'alert: user_canceled then close_notify during the handshake',
    rfc: '§6.1',
    code: 'ALERT_RECEIVED',
    alert: null,
    receivedAlert: 90,
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello();
      await p.sendAlert('user_canceled', 1);
      await p.sendAlert('close_notify', 1);
    },
  },
  {
    name: 'alert: user_canceled then close_notify after the handshake ends cleanly',
    rfc: '§6.1',
    code: 'OK',
    alert: null,
    async script(p) {
      await connected(p);
      await p.sendAppData('bye');
      await p.sendAlert('user_canceled', 1);
      await p.sendAlert('close_notify', 1);
    },
    check: (o) => {
      if (o.data !== 'bye') throw new Error(`data ${o.data}`);
    },
  },
  {
    name: 'alert: fatal alert after the handshake',
    rfc: '§6.2',
    code: 'ALERT_RECEIVED',
    alert: null,
    receivedAlert: 10,
    phase: 'post',
    async script(p) {
      await connected(p);
      await p.sendAppData('partial');
      await p.sendAlert('unexpected_message');
    },
    check: (o) => {
      if (o.data !== 'partial') throw new Error(`data before the alert was lost: ${o.data}`);
    },
  },
];
