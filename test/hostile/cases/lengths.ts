/**
 * Lengths that disagree with their container, at every level of every
 * message a server sends: each length prefix set one short, one long and to
 * its maximum while the containers keep their true lengths (RFC 8446 §3,
 * §4: decode_error). A handshake length past limits.maxHandshakeMessage is
 * refused before anything of that size is buffered.
 */
import { concat, Reader } from '../../../src/codec.js';
import { ContentType as CT, ExtensionType as ET, HandshakeType as HT } from '../../../src/handshake/constants.js';
import type { Extension } from '../../../src/handshake/extensions.js';
import {
  decodeCertificate,
  decodeCertificateRequest,
  decodeCertificateVerify,
  decodeEncryptedExtensions,
  decodeNewSessionTicket,
  decodeServerHello,
  encodeKeyUpdate,
} from '../../../src/handshake/messages.js';
import { ext, rawRecord, type ScriptedPeer } from '../../peers/scripted-server.js';
import { connected, toEncrypted, type HostileCase } from '../harness.js';
import { bytes, encode, lengthMutations, u16, u32, u8, vec, withLength, type Encoded, type Field } from '../struct.js';

const alpnH2 = Uint8Array.of(0, 3, 2, 0x68, 0x32);
const TRAILER = new Uint8Array(4); // room for a "+1" on the last message to read into

/** Extension bodies whose inner structure we know, as structs. */
function extensionBody(type: number, data: Uint8Array): Field[] {
  const r = new Reader(data, 'test');
  switch (type) {
    case ET.key_share: {
      const group = r.u16();
      return [u16(group), vec(2, 'key_exchange', bytes(r.vec(2)))];
    }
    case ET.application_layer_protocol_negotiation: {
      const list = r.sub(2);
      return [vec(2, 'protocol_name_list', vec(1, 'protocol_name', bytes(list.vec(1))))];
    }
    case ET.signature_algorithms: {
      return [vec(2, 'supported_signature_algorithms', bytes(r.vec(2)))];
    }
    case ET.certificate_authorities: {
      const list = r.sub(2);
      const names: Field[] = [];
      while (list.remaining) names.push(vec(2, 'DistinguishedName', bytes(list.vec(2))));
      return [vec(2, 'authorities', ...names)];
    }
    default:
      return [bytes(data)];
  }
}

const extName = (t: number) => Object.entries(ET).find(([, v]) => v === t)?.[0] ?? `ext ${t}`;
const extensionsField = (exts: readonly Extension[]): Field =>
  vec(2, 'extensions', ...exts.flatMap((e) => [u16(e.type), vec(2, extName(e.type), ...extensionBody(e.type, e.data))]));

const message = (type: number, name: string, ...body: Field[]): Field[] => [u8(type), vec(3, name, ...body)];

/** Rebuilds each message as a struct from the engine's decoding of it. */
const STRUCTS: Record<string, (msg: Uint8Array) => Field[]> = {
  ServerHello(msg) {
    const sh = decodeServerHello(msg.subarray(4));
    return message(HT.server_hello, 'ServerHello', u16(sh.legacyVersion), bytes(sh.random), vec(1, 'legacy_session_id_echo', bytes(sh.sessionId)), u16(sh.cipherSuite), u8(sh.compression), extensionsField(sh.extensions));
  },
  EncryptedExtensions(msg) {
    return message(HT.encrypted_extensions, 'EncryptedExtensions', extensionsField(decodeEncryptedExtensions(msg.subarray(4))));
  },
  CertificateRequest(msg) {
    const cr = decodeCertificateRequest(msg.subarray(4));
    return message(HT.certificate_request, 'CertificateRequest', vec(1, 'certificate_request_context', bytes(cr.context)), extensionsField(cr.extensions));
  },
  Certificate(msg) {
    const c = decodeCertificate(msg.subarray(4));
    const entries = c.entries.flatMap((e, i) => [vec(3, `cert_data[${i}]`, bytes(e.data)), vec(2, `extensions[${i}]`, bytes(new Uint8Array(0)))]);
    return message(HT.certificate, 'Certificate', vec(1, 'certificate_request_context', bytes(c.context)), vec(3, 'certificate_list', ...entries));
  },
  CertificateVerify(msg) {
    const cv = decodeCertificateVerify(msg.subarray(4));
    return message(HT.certificate_verify, 'CertificateVerify', u16(cv.scheme), vec(2, 'signature', bytes(cv.signature)));
  },
  Finished(msg) {
    return message(HT.finished, 'Finished', bytes(msg.subarray(4)));
  },
  NewSessionTicket(msg) {
    const t = decodeNewSessionTicket(msg.subarray(4));
    return message(HT.new_session_ticket, 'NewSessionTicket', u32(t.lifetime), u32(t.ageAdd), vec(1, 'ticket_nonce', bytes(t.nonce)), vec(2, 'ticket', bytes(t.ticket)), extensionsField(t.extensions));
  },
  KeyUpdate(msg) {
    return message(HT.key_update, 'KeyUpdate', u8(msg[4]!));
  },
};

function structOf(kind: string, msg: Uint8Array): Encoded {
  const e = encode(STRUCTS[kind]!(msg));
  if (Buffer.compare(Buffer.from(e.bytes), Buffer.from(msg)) !== 0) throw new Error(`struct of ${kind} does not re-encode`);
  return e;
}

type Mutator = (msg: Uint8Array) => Uint8Array;

/** Plays a handshake in which message `kind` passes through `mutate`. */
const SCRIPTS: Record<string, (p: ScriptedPeer, mutate: Mutator) => Promise<void>> = {
  async ServerHello(p, mutate) {
    await p.readClientHello();
    const sh = await p.buildServerHello({ mutate });
    p.write(rawRecord(CT.handshake, concat(sh, TRAILER)));
  },
  async EncryptedExtensions(p, mutate) {
    await toEncrypted(p);
    const exts = [ext(ET.server_name), ext(ET.application_layer_protocol_negotiation, alpnH2), ext(ET.record_size_limit, Uint8Array.of(0x40, 0))];
    await p.send([p.buildEncryptedExtensions(exts, mutate), TRAILER]);
  },
  async CertificateRequest(p, mutate) {
    await toEncrypted(p);
    const ca = ext(ET.certificate_authorities, Uint8Array.of(0, 7, 0, 5, 0x30, 3, 0x31, 1, 0x30));
    const sa = ext(ET.signature_algorithms, Uint8Array.of(0, 4, 4, 3, 8, 4));
    await p.send([p.buildEncryptedExtensions(), p.buildCertificateRequest([sa, ca], undefined, mutate), TRAILER]);
  },
  async Certificate(p, mutate) {
    await toEncrypted(p);
    await p.send([p.buildEncryptedExtensions(), p.buildCertificate({ mutate }), TRAILER]);
  },
  async CertificateVerify(p, mutate) {
    await toEncrypted(p);
    await p.send([p.buildEncryptedExtensions(), p.buildCertificate(), await p.buildCertificateVerify({ mutate }), TRAILER]);
  },
  async Finished(p, mutate) {
    await toEncrypted(p);
    const msgs = await p.buildAuthMessages();
    await p.send([...msgs, p.buildFinished({ mutate }), TRAILER]);
  },
  async NewSessionTicket(p, mutate) {
    await connected(p);
    await p.send([mutate(p.newSessionTicket({ nonce: Uint8Array.of(1, 2), extensions: [ext(ET.early_data, Uint8Array.of(0, 0, 0x40, 0))] })), TRAILER]);
  },
  async KeyUpdate(p, mutate) {
    await connected(p);
    await p.send([mutate(encodeKeyUpdate(false)), TRAILER]);
  },
};

/**
 * The length fields of each message, by label (their values are found at
 * run time from the real message; the labels are fixed by the structs).
 */
const FIELDS: Record<string, string[]> = {
  ServerHello: [
    'ServerHello',
    'ServerHello > legacy_session_id_echo',
    'ServerHello > extensions',
    'ServerHello > extensions > supported_versions',
    'ServerHello > extensions > key_share',
    'ServerHello > extensions > key_share > key_exchange',
  ],
  EncryptedExtensions: [
    'EncryptedExtensions',
    'EncryptedExtensions > extensions',
    'EncryptedExtensions > extensions > server_name',
    'EncryptedExtensions > extensions > application_layer_protocol_negotiation',
    'EncryptedExtensions > extensions > application_layer_protocol_negotiation > protocol_name_list',
    'EncryptedExtensions > extensions > application_layer_protocol_negotiation > protocol_name_list > protocol_name',
    'EncryptedExtensions > extensions > record_size_limit',
  ],
  CertificateRequest: [
    'CertificateRequest',
    'CertificateRequest > certificate_request_context',
    'CertificateRequest > extensions',
    'CertificateRequest > extensions > signature_algorithms',
    'CertificateRequest > extensions > signature_algorithms > supported_signature_algorithms',
    'CertificateRequest > extensions > certificate_authorities',
    'CertificateRequest > extensions > certificate_authorities > authorities',
    'CertificateRequest > extensions > certificate_authorities > authorities > DistinguishedName',
  ],
  Certificate: [
    'Certificate',
    'Certificate > certificate_request_context',
    'Certificate > certificate_list',
    'Certificate > certificate_list > cert_data[0]',
    'Certificate > certificate_list > extensions[0]',
    'Certificate > certificate_list > cert_data[1]',
    'Certificate > certificate_list > extensions[1]',
  ],
  CertificateVerify: ['CertificateVerify', 'CertificateVerify > signature'],
  Finished: ['Finished'],
  NewSessionTicket: [
    'NewSessionTicket',
    'NewSessionTicket > ticket_nonce',
    'NewSessionTicket > ticket',
    'NewSessionTicket > extensions',
    'NewSessionTicket > extensions > early_data',
  ],
  KeyUpdate: ['KeyUpdate'],
};

/** Zero-length fields cannot be made one shorter. */
const EMPTY = new Set([
  'EncryptedExtensions > extensions > server_name',
  'CertificateRequest > certificate_request_context',
  'Certificate > certificate_request_context',
  'Certificate > certificate_list > extensions[0]',
  'Certificate > certificate_list > extensions[1]',
]);

/**
 * Controls: each message re-encoded from its struct unchanged is accepted,
 * so the failure is the 4-byte trailer (handshake type 0) that follows it.
 */
const controls: HostileCase[] = Object.keys(FIELDS).map((kind) => ({
  name: `length control: ${kind} re-encoded unchanged is accepted`,
  rfc: '§4',
  code: 'UNEXPECTED_MESSAGE',
  alert: 'unexpected_message',
  ...(kind === 'NewSessionTicket' || kind === 'KeyUpdate' ? { phase: 'post' as const } : {}),
  ...(kind === 'EncryptedExtensions' ? { client: { alpn: ['h2'] } } : {}),
  script: (p) => SCRIPTS[kind]!(p, (msg) => structOf(kind, msg).bytes),
}));

export const lengthCases: HostileCase[] = controls.concat(Object.entries(FIELDS).flatMap(([kind, labels]) =>
  labels.flatMap((label) =>
    (['-1', '+1', 'max'] as const)
      .filter((m) => !(m === '-1' && EMPTY.has(label)))
      .map((m): HostileCase => {
        const topLevel = !label.includes(' > ');
        const post = kind === 'NewSessionTicket' || kind === 'KeyUpdate';
        return {
          name: `length ${m}: ${label}`,
          rfc: '§3, §4',
          // A handshake length past the limit is refused as such, before buffering.
          code: topLevel && m === 'max' ? 'LIMIT_EXCEEDED' : 'DECODE_ERROR',
          alert: topLevel && m === 'max' ? 'illegal_parameter' : 'decode_error',
          ...(post ? { phase: 'post' as const } : {}),
          ...(kind === 'EncryptedExtensions' ? { client: { alpn: ['h2'] } } : {}),
          async script(p) {
            await SCRIPTS[kind]!(p, (msg) => {
              const e = structOf(kind, msg);
              const field = e.lengths.find((f) => f.label === label);
              if (!field) throw new Error(`no length field ${label} in ${kind}: ${e.lengths.map((f) => f.label).join(', ')}`);
              const mutation = lengthMutations(field).find((x) => x.name === m);
              if (!mutation) throw new Error(`no ${m} mutation for ${label}`);
              return withLength(e, field, mutation.value);
            });
          },
        };
      }),
  ),
));
