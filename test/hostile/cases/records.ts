/**
 * Record layer misbehaviour: RFC 8446 §5.1-§5.4.
 */
import { concat } from '../../../src/codec.js';
import { ContentType as CT, ExtensionType as ET, HandshakeType as HT } from '../../../src/handshake/constants.js';
import { encodeKeyUpdate, handshakeMessage } from '../../../src/handshake/messages.js';
import { ext, rawRecord, u16 } from '../../peers/scripted-server.js';
import { closeCleanly, connected, toEncrypted, type HostileCase } from '../harness.js';

/** Flips one bit of a sealed record at `index` (negative: from the end). */
const flip = (index: number) => (rec: Uint8Array) => {
  const out = rec.slice();
  const i = index < 0 ? out.length + index : index;
  out[i]! ^= 0x01;
  return out;
};

export const recordCases: HostileCase[] = [
  {
    name: 'record: unknown content type 99 as the first record',
    rfc: '§5.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await p.readClientHello();
      p.write(rawRecord(99, Uint8Array.of(1, 2, 3)));
    },
  },
  {
    name: 'record: a plaintext HTTP response instead of TLS',
    rfc: '§5.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await p.readClientHello();
      p.write(new TextEncoder().encode('HTTP/1.1 400 Bad Request\r\n\r\n'));
    },
  },
  {
    name: 'record: legacy_record_version 0x0200 (not TLS)',
    rfc: '§5.1',
    code: 'PROTOCOL_VERSION',
    alert: 'protocol_version',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({}, { version: 0x0200 });
    },
  },
  {
    name: 'record: protected record with legacy_record_version 0x0301',
    rfc: '§5.1, §5.2',
    code: 'PROTOCOL_VERSION',
    alert: 'protocol_version',
    async script(p) {
      await toEncrypted(p);
      p.write(await p.sealRecord(CT.handshake, p.buildEncryptedExtensions(), { version: 0x0301 }));
    },
  },
  {
    name: 'record: protected record with outer type handshake',
    rfc: '§5.2',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await toEncrypted(p);
      p.write(await p.sealRecord(CT.handshake, p.buildEncryptedExtensions(), { outerType: CT.handshake }));
    },
  },
  {
    name: 'record: plaintext record of 2^14+1 bytes',
    rfc: '§5.1',
    code: 'RECORD_OVERFLOW',
    alert: 'record_overflow',
    async script(p) {
      await p.readClientHello();
      const sh = await p.buildServerHello();
      // A ServerHello followed by padding bytes of a second message: the record is what is too long.
      p.write(rawRecord(CT.handshake, concat(sh, handshakeMessage(HT.encrypted_extensions, new Uint8Array(16385 - sh.length - 4)))));
    },
  },
  {
    name: 'record: length field 2^14+256+1 fails before the body arrives',
    rfc: '§5.2',
    code: 'RECORD_OVERFLOW',
    alert: 'record_overflow',
    async script(p) {
      await toEncrypted(p);
      // Only the header: a client that waited for 16 KiB would hang here.
      p.write(Uint8Array.of(CT.application_data, 3, 3, 0x41, 0x01));
    },
  },
  {
    name: 'record: length field 0xffff on a plaintext record',
    rfc: '§5.1',
    code: 'RECORD_OVERFLOW',
    alert: 'record_overflow',
    async script(p) {
      await p.readClientHello();
      p.write(Uint8Array.of(CT.handshake, 3, 3, 0xff, 0xff));
    },
  },
  {
    name: 'record: TLSInnerPlaintext of 2^14+2 bytes (content plus padding)',
    rfc: '§5.2, §5.4',
    code: 'RECORD_OVERFLOW',
    alert: 'record_overflow',
    async script(p) {
      await toEncrypted(p);
      const ee = p.buildEncryptedExtensions();
      p.write(await p.sealRecord(CT.handshake, ee, { padding: 16384 + 1 - ee.length }));
    },
  },
  {
    name: 'record: protected record of exactly 2^14 bytes of content is accepted',
    rfc: '§5.2',
    code: 'OK',
    alert: null,
    async script(p) {
      await connected(p);
      await p.sendAppData(new Uint8Array(16384).fill(0x61));
      await closeCleanly(p);
    },
    check: (o) => {
      if (o.data.length !== 16384) throw new Error(`got ${o.data.length} bytes`);
    },
  },
  {
    name: 'record: zero-length plaintext handshake record',
    rfc: '§5.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await p.readClientHello();
      p.write(rawRecord(CT.handshake, new Uint8Array(0)));
    },
  },
  {
    name: 'record: zero-length protected handshake record',
    rfc: '§5.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await toEncrypted(p);
      await p.sendEncrypted(CT.handshake, new Uint8Array(0));
    },
  },
  {
    name: 'record: zero-length alert record',
    rfc: '§5.1, §6',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    async script(p) {
      await p.readClientHello();
      p.write(rawRecord(CT.alert, new Uint8Array(0)));
    },
  },
  {
    name: 'record: alert fragment of one byte',
    rfc: '§5.1, §6',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    async script(p) {
      await toEncrypted(p);
      await p.sendEncrypted(CT.alert, Uint8Array.of(2));
    },
  },
  {
    name: 'record: two alerts in one record',
    rfc: '§5.1, §6',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    async script(p) {
      await toEncrypted(p);
      await p.sendEncrypted(CT.alert, Uint8Array.of(1, 0, 1, 0));
    },
  },
  {
    name: 'record: AEAD tag with one bit flipped',
    rfc: '§5.2',
    code: 'BAD_RECORD_MAC',
    alert: 'bad_record_mac',
    async script(p) {
      await toEncrypted(p);
      p.write(await p.sealRecord(CT.handshake, p.buildEncryptedExtensions(), { mutate: flip(-1) }));
    },
  },
  {
    name: 'record: ciphertext body with one bit flipped',
    rfc: '§5.2',
    code: 'BAD_RECORD_MAC',
    alert: 'bad_record_mac',
    async script(p) {
      await toEncrypted(p);
      p.write(await p.sealRecord(CT.handshake, p.buildEncryptedExtensions(), { mutate: flip(5) }));
    },
  },
  {
    name: 'record: header (additional data) altered after sealing',
    rfc: '§5.2',
    code: 'BAD_RECORD_MAC',
    alert: 'bad_record_mac',
    async script(p) {
      await toEncrypted(p);
      // Sealed with 0x0301 as additional data, sent with the legal 0x0303.
      const rec = await p.sealRecord(CT.handshake, p.buildEncryptedExtensions(), { version: 0x0301 });
      rec[2] = 0x03;
      p.write(rec);
    },
  },
  {
    name: 'record: sequence number skipped',
    rfc: '§5.3',
    code: 'BAD_RECORD_MAC',
    alert: 'bad_record_mac',
    async script(p) {
      await toEncrypted(p);
      p.writeKeys!.seq++;
      await p.send(p.buildEncryptedExtensions());
    },
  },
  {
    name: 'record: a protected record replayed',
    rfc: '§5.3',
    code: 'BAD_RECORD_MAC',
    alert: 'bad_record_mac',
    async script(p) {
      await toEncrypted(p);
      const rec = await p.sealRecord(CT.handshake, p.buildEncryptedExtensions());
      p.write(concat(rec, rec));
    },
  },
  {
    name: 'record: AEAD tag truncated by one byte',
    rfc: '§5.2',
    code: 'BAD_RECORD_MAC',
    alert: 'bad_record_mac',
    async script(p) {
      await toEncrypted(p);
      const rec = await p.sealRecord(CT.handshake, p.buildEncryptedExtensions());
      p.write(rawRecord(CT.application_data, rec.subarray(5, rec.length - 1)));
    },
  },
  {
    name: 'record: protected record shorter than the tag',
    rfc: '§5.2',
    code: 'BAD_RECORD_MAC',
    alert: 'bad_record_mac',
    async script(p) {
      await toEncrypted(p);
      p.write(rawRecord(CT.application_data, new Uint8Array(10)));
    },
  },
  {
    name: 'record: empty protected record',
    rfc: '§5.2',
    code: 'BAD_RECORD_MAC',
    alert: 'bad_record_mac',
    async script(p) {
      await toEncrypted(p);
      p.write(rawRecord(CT.application_data, new Uint8Array(0)));
    },
  },
  {
    name: 'record: all-zero padding with no content type',
    rfc: '§5.4',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await toEncrypted(p);
      await p.sendEncrypted(0, new Uint8Array(0), { padding: 32 });
    },
  },
  {
    name: 'record: protected record with inner content type 99',
    rfc: '§5.2',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await toEncrypted(p);
      await p.sendEncrypted(99, Uint8Array.of(1));
    },
  },
  {
    name: 'record: protected change_cipher_spec',
    rfc: '§5',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await toEncrypted(p);
      await p.sendEncrypted(CT.change_cipher_spec, Uint8Array.of(1));
    },
  },
  {
    name: 'record: plaintext handshake record after the handshake keys',
    rfc: '§5.2',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await toEncrypted(p);
      p.write(rawRecord(CT.handshake, p.buildEncryptedExtensions()));
    },
  },
  {
    name: 'record: change_cipher_spec with body 0x02',
    rfc: '§5',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello();
      p.sendChangeCipherSpec(Uint8Array.of(2));
    },
  },
  {
    name: 'record: change_cipher_spec of two bytes',
    rfc: '§5',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello();
      p.sendChangeCipherSpec(Uint8Array.of(1, 1));
    },
  },
  {
    name: 'record: change_cipher_spec after the handshake',
    rfc: '§5',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    phase: 'post',
    async script(p) {
      await connected(p);
      p.sendChangeCipherSpec();
    },
  },
  {
    name: 'record: change_cipher_spec before and after ServerHello is dropped',
    rfc: '§5, §D.4',
    code: 'OK',
    alert: null,
    async script(p) {
      await p.readClientHello();
      p.sendChangeCipherSpec();
      await p.sendServerHello();
      p.sendChangeCipherSpec();
      await p.serverFlight();
      await p.readClientFinished();
      await closeCleanly(p);
    },
  },
  {
    name: 'record: plaintext application data before ServerHello',
    rfc: '§5.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await p.readClientHello();
      p.write(rawRecord(CT.application_data, new TextEncoder().encode('early')));
    },
  },
  {
    name: 'record: application data before the server Finished',
    rfc: '§2, §5.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await toEncrypted(p);
      await p.sendEncrypted(CT.application_data, new TextEncoder().encode('too soon'));
    },
  },
  {
    name: 'record: handshake message interleaved with application data',
    rfc: '§5.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    phase: 'post',
    async script(p) {
      await connected(p);
      const t = p.newSessionTicket();
      await p.send(t.subarray(0, 6));
      await p.sendAppData('interleaved');
      await p.send(t.subarray(6));
    },
  },
  {
    name: 'record: handshake message interleaved with an alert',
    rfc: '§5.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await toEncrypted(p);
      const ee = p.buildEncryptedExtensions();
      await p.send(ee.subarray(0, 3));
      await p.sendAlert('close_notify', 1);
    },
  },
  {
    name: 'record: handshake message interleaved with change_cipher_spec',
    rfc: '§5, §5.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await p.readClientHello();
      const sh = await p.buildServerHello();
      await p.send(sh.subarray(0, 10));
      p.sendChangeCipherSpec();
      await p.send(sh.subarray(10));
    },
  },
  {
    name: 'record: ServerHello and EncryptedExtensions in one record (spans the key change)',
    rfc: '§5.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await p.readClientHello();
      const sh = await p.buildServerHello();
      p.write(rawRecord(CT.handshake, concat(sh, p.buildEncryptedExtensions())));
    },
  },
  {
    name: 'record: ServerHello with its last byte in a protected record',
    rfc: '§5.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await p.readClientHello();
      const sh = await p.buildServerHello();
      p.write(rawRecord(CT.handshake, sh.subarray(0, sh.length - 1)));
      await p.installHandshakeKeys();
      await p.send(concat(sh.subarray(sh.length - 1), p.buildEncryptedExtensions()));
    },
  },
  {
    name: 'record: server Finished and NewSessionTicket in one record (spans the key change)',
    rfc: '§5.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    async script(p) {
      await toEncrypted(p);
      const msgs = await p.buildAuthMessages();
      msgs.push(p.buildFinished());
      msgs.push(p.newSessionTicket());
      await p.send(msgs);
    },
  },
  {
    name: 'record: KeyUpdate and NewSessionTicket in one record (spans the key change)',
    rfc: '§5.1, §4.6.3',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    phase: 'post',
    async script(p) {
      await connected(p);
      await p.send([encodeKeyUpdate(false), p.newSessionTicket()]);
    },
  },
  {
    name: 'record: KeyUpdate split across the key change',
    rfc: '§5.1, §4.6.3',
    code: 'BAD_RECORD_MAC',
    alert: 'bad_record_mac',
    phase: 'post',
    async script(p) {
      await connected(p);
      const ku = encodeKeyUpdate(false);
      await p.send(ku.subarray(0, 3));
      await p.updateWriteKeys();
      await p.send(ku.subarray(3));
    },
  },
  {
    name: 'record: every handshake message split into one-byte records',
    rfc: '§5.1',
    code: 'OK',
    alert: null,
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({}, { fragment: 1 });
      const msgs = await p.buildAuthMessages();
      msgs.push(p.buildFinished());
      await p.send(msgs, { fragment: 1 });
      await p.installAppKeys();
      await p.readClientFinished();
      await p.send(p.newSessionTicket(), { fragment: 1 });
      await p.sendAppData('fragmented');
      await closeCleanly(p);
    },
    check: (o) => {
      if (o.data !== 'fragmented') throw new Error(`data ${o.data}`);
    },
  },
  {
    name: 'record: whole server flight coalesced with ServerHello-sized splits',
    rfc: '§5.1',
    code: 'OK',
    alert: null,
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({}, { fragment: [7, 13] });
      const msgs = await p.buildAuthMessages();
      msgs.push(p.buildFinished());
      await p.send(msgs, { fragment: [1, 2, 3, 500, 4] });
      await p.installAppKeys();
      await p.readClientFinished();
      await closeCleanly(p);
    },
  },
  {
    name: 'record: larger than the record_size_limit the client advertised',
    rfc: 'RFC 8449 §4',
    code: 'RECORD_OVERFLOW',
    alert: 'record_overflow',
    phase: 'post',
    client: { recordSizeLimit: 1024 },
    async script(p) {
      await p.handshake({ extensions: [ext(ET.record_size_limit, u16(16385))] });
      // TLSInnerPlaintext of 1025 bytes: content 1024 plus the type byte.
      await p.sendAppData(new Uint8Array(1024).fill(0x61));
    },
  },
  {
    name: 'record: exactly at the record_size_limit the client advertised is accepted',
    rfc: 'RFC 8449 §4',
    code: 'OK',
    alert: null,
    client: { recordSizeLimit: 1024 },
    async script(p) {
      await p.handshake({ extensions: [ext(ET.record_size_limit, u16(16385))] });
      await p.sendAppData(new Uint8Array(1023).fill(0x61));
      await closeCleanly(p);
    },
    check: (o) => {
      if (o.data.length !== 1023) throw new Error(`got ${o.data.length} bytes`);
    },
  },
  {
    name: 'record: the client keeps to the server\'s record_size_limit of 64',
    rfc: 'RFC 8449 §4',
    code: 'OK',
    alert: null,
    client: { initialData: new Uint8Array(300).fill(0x62) },
    async script(p) {
      await p.handshake({ extensions: [ext(ET.record_size_limit, u16(64))] });
      let got = 0;
      while (got < 300) {
        const rec = await p.readRecord();
        if (rec === null || rec === 'timeout') throw new Error(`client data stopped at ${got} bytes`);
        if (rec.innerType !== CT.application_data) continue;
        if (rec.content.length + 1 > 64) throw new Error(`client sent a record of ${rec.content.length + 1} bytes over the limit of 64`);
        got += rec.content.length;
      }
      await closeCleanly(p);
    },
  },
  {
    name: 'record: 0.5-RTT data, NewSessionTicket and KeyUpdate right after the server Finished',
    rfc: '§2, §4.6',
    code: 'OK',
    alert: null,
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello();
      await p.serverFlight();
      // Before the client's Finished has arrived: all legal from the server's side.
      await p.sendAppData('half-rtt ');
      await p.send(p.newSessionTicket());
      await p.sendKeyUpdate(false);
      await p.sendAppData('after update');
      await p.readClientFinished();
      await closeCleanly(p);
    },
    check: (o) => {
      if (o.data !== 'half-rtt after update') throw new Error(`data ${o.data}`);
    },
  },
  {
    name: 'record: server closes after close_notify with more data (data ignored)',
    rfc: '§6.1',
    code: 'OK',
    alert: null,
    async script(p) {
      await connected(p);
      await p.sendAppData('before');
      await p.sendAlert('close_notify', 1);
      await p.sendAppData('after');
      p.write(Uint8Array.of(0xde, 0xad, 0xbe, 0xef));
      p.end();
    },
    check: (o) => {
      if (o.data !== 'before') throw new Error(`data after close_notify was delivered: ${o.data}`);
    },
  },
];
