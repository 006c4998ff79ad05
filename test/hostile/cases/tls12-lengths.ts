/**
 * TLS 1.2 lengths that disagree with their container, at every level of
 * every message a TLS 1.2 server sends: each length prefix one short, one
 * long and at its maximum while the containers keep their true lengths
 * (RFC 5246 §4.3, §7.4: decode_error), as cases/lengths.ts does for TLS 1.3.
 * The structs are rebuilt from the engine's decoding of the real message.
 */
import { Reader } from '../../../src/codec.js';
import { ContentType as CT, ExtensionType as ET, HandshakeType as HT } from '../../../src/handshake/constants.js';
import type { Extension } from '../../../src/handshake/extensions.js';
import { decodeServerHello } from '../../../src/handshake/messages.js';
import { decodeCertificate12, decodeCertificateRequest12, decodeNewSessionTicket12, decodeServerKeyExchange } from '../../../src/handshake/messages12.js';
import { rawRecord } from '../../peers/scripted-server.js';
import type { ScriptedPeer12 } from '../../peers/scripted-server12.js';
import type { HostileCase } from '../harness.js';
import { bytes, encode, lengthMutations, u16, u32, u8, vec, withLength, type Encoded, type Field } from '../struct.js';
import { case12, connected12, toClientFinished } from './tls12-common.js';

/**
 * What follows each message in its record: an empty ClientHello, which no
 * state expects (a zero type would be a HelloRequest, ignored in TLS 1.2),
 * and room for a "+1" to read into. Its type byte is 1 so that a "-1"
 * leaves a next header claiming 2^16 bytes, under the message size limit.
 */
const TRAILER = Uint8Array.of(HT.client_hello, 0, 0, 0);

/** Extension bodies with an inner structure, as structs. */
function extensionBody(type: number, data: Uint8Array): Field[] {
  const r = new Reader(data, 'test');
  switch (type) {
    case ET.renegotiation_info:
      return [vec(1, 'renegotiated_connection', bytes(r.vec(1)))];
    case ET.ec_point_formats:
      return [vec(1, 'ec_point_format_list', bytes(r.vec(1)))];
    case ET.application_layer_protocol_negotiation: {
      const list = r.sub(2);
      return [vec(2, 'protocol_name_list', vec(1, 'protocol_name', bytes(list.vec(1))))];
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
    return message(HT.server_hello, 'ServerHello', u16(sh.legacyVersion), bytes(sh.random), vec(1, 'session_id', bytes(sh.sessionId)), u16(sh.cipherSuite), u8(sh.compression), extensionsField(sh.extensions));
  },
  Certificate(msg) {
    const chain = decodeCertificate12(msg.subarray(4));
    return message(HT.certificate, 'Certificate', vec(3, 'certificate_list', ...chain.map((c, i) => vec(3, `ASN.1Cert[${i}]`, bytes(c)))));
  },
  ServerKeyExchange(msg) {
    const ske = decodeServerKeyExchange(msg.subarray(4));
    return message(HT.server_key_exchange, 'ServerKeyExchange', u8(3), u16(ske.group), vec(1, 'point', bytes(ske.publicKey)), u16(ske.scheme), vec(2, 'signature', bytes(ske.signature)));
  },
  CertificateRequest(msg) {
    const cr = decodeCertificateRequest12(msg.subarray(4));
    return message(
      HT.certificate_request,
      'CertificateRequest',
      vec(1, 'certificate_types', ...cr.certificateTypes.map(u8)),
      vec(2, 'supported_signature_algorithms', ...cr.schemes.map(u16)),
      vec(2, 'certificate_authorities', ...cr.authorities.map((a) => vec(2, 'DistinguishedName', bytes(a)))),
    );
  },
  ServerHelloDone(msg) {
    return message(HT.server_hello_done, 'ServerHelloDone', bytes(msg.subarray(4)));
  },
  NewSessionTicket(msg) {
    const t = decodeNewSessionTicket12(msg.subarray(4));
    return message(HT.new_session_ticket, 'NewSessionTicket', u32(t.lifetimeHint), vec(2, 'ticket', bytes(t.ticket)));
  },
  Finished(msg) {
    return message(HT.finished, 'Finished', bytes(msg.subarray(4)));
  },
  HelloRequest(msg) {
    return message(HT.hello_request, 'HelloRequest', bytes(msg.subarray(4)));
  },
};

function structOf(kind: string, msg: Uint8Array): Encoded {
  const e = encode(STRUCTS[kind]!(msg));
  if (Buffer.compare(Buffer.from(e.bytes), Buffer.from(msg)) !== 0) throw new Error(`struct of ${kind} does not re-encode`);
  return e;
}

type Mutator = (msg: Uint8Array) => Uint8Array;

/** A DistinguishedName (an empty RDNSequence) for certificate_authorities. */
const DN = Uint8Array.of(0x30, 0);

/** Plays a handshake in which message `kind` passes through `mutate`. */
const SCRIPTS: Record<string, (p: ScriptedPeer12, mutate: Mutator) => Promise<void>> = {
  async ServerHello(p, mutate) {
    await p.readClientHello();
    const sh = await p.buildServerHello12({ ticket: true, alpn: 'h2', recordSizeLimit: 4096, mutate });
    p.write(rawRecord(CT.handshake, new Uint8Array([...sh, ...TRAILER])));
  },
  async Certificate(p, mutate) {
    await p.readClientHello();
    await p.send([await p.buildServerHello12(), p.buildCertificate12({ mutate }), TRAILER]);
  },
  async ServerKeyExchange(p, mutate) {
    await p.readClientHello();
    await p.send([await p.buildServerHello12(), p.buildCertificate12(), await p.buildServerKeyExchange({ mutate }), TRAILER]);
  },
  async CertificateRequest(p, mutate) {
    await p.readClientHello();
    const msgs = [await p.buildServerHello12(), p.buildCertificate12(), await p.buildServerKeyExchange()];
    await p.send([...msgs, p.buildCertificateRequest12({ authorities: [DN] }, mutate), TRAILER]);
  },
  async ServerHelloDone(p, mutate) {
    await p.readClientHello();
    const msgs = [await p.buildServerHello12(), p.buildCertificate12(), await p.buildServerKeyExchange()];
    await p.send([...msgs, p.buildServerHelloDone(mutate), TRAILER]);
  },
  async NewSessionTicket(p, mutate) {
    await toClientFinished(p, { serverHello: { ticket: true } });
    await p.send([p.buildNewSessionTicket12({}, mutate), TRAILER]);
  },
  async Finished(p, mutate) {
    await toClientFinished(p);
    await p.changeCipherSpec();
    await p.send([p.buildFinished12({ mutate }), TRAILER]);
  },
  async HelloRequest(p, mutate) {
    await connected12(p);
    await p.send([mutate(p.buildHelloRequest()), TRAILER]);
  },
};

/** The length fields of each message, by label. */
const FIELDS: Record<string, string[]> = {
  ServerHello: [
    'ServerHello',
    'ServerHello > session_id',
    'ServerHello > extensions',
    'ServerHello > extensions > renegotiation_info',
    'ServerHello > extensions > renegotiation_info > renegotiated_connection',
    'ServerHello > extensions > extended_master_secret',
    'ServerHello > extensions > ec_point_formats',
    'ServerHello > extensions > ec_point_formats > ec_point_format_list',
    'ServerHello > extensions > session_ticket',
    'ServerHello > extensions > application_layer_protocol_negotiation',
    'ServerHello > extensions > application_layer_protocol_negotiation > protocol_name_list',
    'ServerHello > extensions > application_layer_protocol_negotiation > protocol_name_list > protocol_name',
    'ServerHello > extensions > record_size_limit',
  ],
  Certificate: ['Certificate', 'Certificate > certificate_list', 'Certificate > certificate_list > ASN.1Cert[0]', 'Certificate > certificate_list > ASN.1Cert[1]'],
  ServerKeyExchange: ['ServerKeyExchange', 'ServerKeyExchange > point', 'ServerKeyExchange > signature'],
  CertificateRequest: [
    'CertificateRequest',
    'CertificateRequest > certificate_types',
    'CertificateRequest > supported_signature_algorithms',
    'CertificateRequest > certificate_authorities',
    'CertificateRequest > certificate_authorities > DistinguishedName',
  ],
  ServerHelloDone: ['ServerHelloDone'],
  NewSessionTicket: ['NewSessionTicket', 'NewSessionTicket > ticket'],
  Finished: ['Finished'],
  HelloRequest: ['HelloRequest'],
};

/** Zero-length fields cannot be made one shorter. */
const EMPTY = new Set([
  'ServerHello > extensions > renegotiation_info > renegotiated_connection',
  'ServerHello > extensions > extended_master_secret',
  'ServerHello > extensions > session_ticket',
  'ServerHelloDone',
  'HelloRequest',
]);

/**
 * Where the engine answers other than decode_error, and why. The inner
 * length of renegotiation_info is RFC 5746 §3.4's own check: any
 * renegotiated_connection but the empty one is handshake_failure.
 */
const NOT_DECODE_ERROR: Record<string, { code: HostileCase['code']; alert: HostileCase['alert'] }> = {
  'length +1: ServerHello > extensions > renegotiation_info > renegotiated_connection': { code: 'HANDSHAKE_FAILURE', alert: 'handshake_failure' },
  'length max: ServerHello > extensions > renegotiation_info > renegotiated_connection': { code: 'HANDSHAKE_FAILURE', alert: 'handshake_failure' },
};

const POST = new Set(['HelloRequest']);
/** Finished accepted ends the handshake: the control's trailer arrives after it. */
const POST_CONTROL = new Set(['HelloRequest', 'Finished']);

/** Controls: each message re-encoded from its struct unchanged is accepted, so the failure is the trailer's. */
const controls: HostileCase[] = Object.keys(FIELDS).map((kind) =>
  case12({
    name: `TLS 1.2 length control: ${kind} re-encoded unchanged is accepted`,
    rfc: 'RFC 5246 §7.4',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    ...(POST_CONTROL.has(kind) ? { phase: 'post' as const } : {}),
    ...(kind === 'ServerHello' ? { client: { alpn: ['h2'] } } : {}),
    script: (p) => SCRIPTS[kind]!(p, (msg) => structOf(kind, msg).bytes),
  }),
);

export const tls12LengthCases: HostileCase[] = controls.concat(
  Object.entries(FIELDS).flatMap(([kind, labels]) =>
    labels.flatMap((label) =>
      (['-1', '+1', 'max'] as const)
        .filter((m) => !(m === '-1' && EMPTY.has(label)))
        .map((m) => {
          const topLevel = !label.includes(' > ');
          const name = `TLS 1.2 length ${m}: ${label}`;
          const other = NOT_DECODE_ERROR[name.replace('TLS 1.2 ', '')];
          return case12({
            name,
            rfc: other ? 'RFC 5746 §3.4' : 'RFC 5246 §4.3, §7.4',
            // A handshake length past the limit is refused as such, before buffering.
            code: other?.code ?? (topLevel && m === 'max' ? 'LIMIT_EXCEEDED' : 'DECODE_ERROR'),
            alert: other?.alert ?? (topLevel && m === 'max' ? 'illegal_parameter' : 'decode_error'),
            ...(POST.has(kind) ? { phase: 'post' as const } : {}),
            ...(kind === 'ServerHello' ? { client: { alpn: ['h2'] } } : {}),
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
          });
        }),
    ),
  ),
);
