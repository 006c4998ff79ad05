/**
 * Extensions where they do not belong, unsolicited, duplicated or malformed:
 * RFC 8446 §4.2 (and its table), §4.3.1, §4.3.2, §4.4.2; RFC 7301; RFC 8449.
 */
import { Writer } from '../../../src/codec.js';
import { ExtensionType as ET } from '../../../src/handshake/constants.js';
import { ext, u16, type Extension, type ScriptedPeer } from '../../peers/scripted-server.js';
import { toEncrypted, type HostileCase } from '../harness.js';

const alpnData = (...names: string[]) =>
  new Writer().vec(2, (w) => names.forEach((n) => w.opaque(1, new TextEncoder().encode(n)))).finish();
const sigAlgs = new Writer().vec(2, (w) => w.u16(0x0403)).finish();

/** Sends EncryptedExtensions with `exts` (and the rest of a genuine flight after it). */
function eeCase(
  name: string,
  rfc: string,
  exts: Extension[],
  code: HostileCase['code'],
  alert: HostileCase['alert'],
  client?: HostileCase['client'],
): HostileCase {
  return {
    name: `EncryptedExtensions: ${name}`,
    rfc,
    code,
    alert,
    ...(client ? { client } : {}),
    async script(p) {
      await toEncrypted(p);
      const msgs = [p.buildEncryptedExtensions(exts), p.buildCertificate(), await p.buildCertificateVerify()];
      msgs.push(p.buildFinished());
      await p.send(msgs);
    },
  };
}

/** Sends a CertificateRequest built from `exts` (and `context`) after EncryptedExtensions. */
function crCase(name: string, rfc: string, exts: Extension[], code: HostileCase['code'], alert: HostileCase['alert'], context?: Uint8Array): HostileCase {
  return {
    name: `CertificateRequest: ${name}`,
    rfc,
    code,
    alert,
    async script(p) {
      await toEncrypted(p);
      await p.send([p.buildEncryptedExtensions(), p.buildCertificateRequest(exts, context)]);
    },
  };
}

async function certificateWithEntryExtensions(p: ScriptedPeer, exts: Extension[]): Promise<void> {
  await toEncrypted(p);
  const chain = p.identity.chain;
  await p.send([
    p.buildEncryptedExtensions(),
    p.buildCertificate({ entries: chain.map((data, i) => ({ data, extensions: i === 0 ? exts : [] })) }),
  ]);
}

export const extensionCases: HostileCase[] = [
  eeCase('key_share (sent by the client, not allowed here)', '§4.2', [ext(ET.key_share, u16(0x1d))], 'ILLEGAL_PARAMETER', 'illegal_parameter'),
  eeCase('supported_versions', '§4.2', [ext(ET.supported_versions, u16(0x0304))], 'ILLEGAL_PARAMETER', 'illegal_parameter'),
  eeCase('signature_algorithms', '§4.2', [ext(ET.signature_algorithms, sigAlgs)], 'ILLEGAL_PARAMETER', 'illegal_parameter'),
  eeCase('psk_key_exchange_modes', '§4.2', [ext(ET.psk_key_exchange_modes, Uint8Array.of(1, 1))], 'ILLEGAL_PARAMETER', 'illegal_parameter'),
  eeCase(
    'post_handshake_auth (offered in ClientHello only)',
    '§4.2',
    [ext(ET.post_handshake_auth)],
    'ILLEGAL_PARAMETER',
    'illegal_parameter',
    { postHandshakeAuth: true },
  ),
  eeCase('pre_shared_key, never offered', '§4.2', [ext(ET.pre_shared_key, u16(0))], 'UNSUPPORTED_EXTENSION', 'unsupported_extension'),
  eeCase('cookie, never sent', '§4.2', [ext(ET.cookie, Uint8Array.of(0, 1, 1))], 'UNSUPPORTED_EXTENSION', 'unsupported_extension'),
  eeCase('an unknown extension the client never sent', '§4.2', [ext(0x7777, Uint8Array.of(1))], 'UNSUPPORTED_EXTENSION', 'unsupported_extension'),
  eeCase('ALPN when none was offered', '§4.2, RFC 7301 §3.1', [ext(ET.application_layer_protocol_negotiation, alpnData('h2'))], 'UNSUPPORTED_EXTENSION', 'unsupported_extension'),
  eeCase(
    'ALPN protocol that was not offered',
    'RFC 7301 §3.1',
    [ext(ET.application_layer_protocol_negotiation, alpnData('spdy/1'))],
    'ILLEGAL_PARAMETER',
    'illegal_parameter',
    { alpn: ['h2', 'http/1.1'] },
  ),
  eeCase(
    'ALPN with two protocols',
    'RFC 7301 §3.1',
    [ext(ET.application_layer_protocol_negotiation, alpnData('h2', 'http/1.1'))],
    'DECODE_ERROR',
    'decode_error',
    { alpn: ['h2', 'http/1.1'] },
  ),
  eeCase(
    'ALPN with an empty protocol name',
    'RFC 7301 §3.1',
    [ext(ET.application_layer_protocol_negotiation, alpnData(''))],
    'DECODE_ERROR',
    'decode_error',
    { alpn: ['h2'] },
  ),
  eeCase(
    'ALPN with an empty list',
    'RFC 7301 §3.1',
    [ext(ET.application_layer_protocol_negotiation, Uint8Array.of(0, 0))],
    'DECODE_ERROR',
    'decode_error',
    { alpn: ['h2'] },
  ),
  eeCase(
    'duplicate ALPN extension',
    '§4.2',
    [ext(ET.application_layer_protocol_negotiation, alpnData('h2')), ext(ET.application_layer_protocol_negotiation, alpnData('h2'))],
    'ILLEGAL_PARAMETER',
    'illegal_parameter',
    { alpn: ['h2'] },
  ),
  eeCase('server_name with a body', 'RFC 6066 §3', [ext(ET.server_name, Uint8Array.of(0, 0))], 'DECODE_ERROR', 'decode_error'),
  eeCase('early_data, never offered', '§4.2.10', [ext(ET.early_data)], 'UNSUPPORTED_EXTENSION', 'unsupported_extension'),
  eeCase('record_size_limit below 64', 'RFC 8449 §4', [ext(ET.record_size_limit, u16(63))], 'ILLEGAL_PARAMETER', 'illegal_parameter'),
  eeCase('record_size_limit of three bytes', 'RFC 8449 §4', [ext(ET.record_size_limit, Uint8Array.of(0, 64, 0))], 'DECODE_ERROR', 'decode_error'),
  eeCase('supported_groups of odd length', '§4.2.7', [ext(ET.supported_groups, Uint8Array.of(0, 3, 0, 0x1d, 0))], 'DECODE_ERROR', 'decode_error'),
  {
    name: 'EncryptedExtensions: trailing byte after the extensions block',
    rfc: '§4.3.1',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    async script(p) {
      await toEncrypted(p);
      await p.send(p.buildEncryptedExtensions([], () => Uint8Array.of(8, 0, 0, 3, 0, 0, 0)));
    },
  },
  crCase('without signature_algorithms', '§4.3.2', [ext(ET.certificate_authorities, Uint8Array.of(0, 3, 0, 1, 0x30))], 'MISSING_EXTENSION', 'missing_extension'),
  crCase('non-empty certificate_request_context in the handshake', '§4.3.2', [ext(ET.signature_algorithms, sigAlgs)], 'ILLEGAL_PARAMETER', 'illegal_parameter', Uint8Array.of(1)),
  crCase('key_share (not allowed here)', '§4.2', [ext(ET.signature_algorithms, sigAlgs), ext(ET.key_share, u16(0x1d))], 'ILLEGAL_PARAMETER', 'illegal_parameter'),
  crCase('duplicate signature_algorithms', '§4.2', [ext(ET.signature_algorithms, sigAlgs), ext(ET.signature_algorithms, sigAlgs)], 'ILLEGAL_PARAMETER', 'illegal_parameter'),
  crCase('empty signature_algorithms list', '§4.2.3', [ext(ET.signature_algorithms, Uint8Array.of(0, 0))], 'DECODE_ERROR', 'decode_error'),
  crCase('malformed certificate_authorities', '§4.2.4', [ext(ET.signature_algorithms, sigAlgs), ext(ET.certificate_authorities, Uint8Array.of(0, 4, 0, 5, 1, 2))], 'DECODE_ERROR', 'decode_error'),
  {
    name: 'Certificate: entry extension the client did not request (status_request)',
    rfc: '§4.4.2',
    code: 'UNSUPPORTED_EXTENSION',
    alert: 'unsupported_extension',
    script: (p) => certificateWithEntryExtensions(p, [ext(ET.status_request, Uint8Array.of(1, 0, 0, 0))]),
  },
  {
    name: 'Certificate: entry extension not allowed in a CertificateEntry (key_share)',
    rfc: '§4.2, §4.4.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    script: (p) => certificateWithEntryExtensions(p, [ext(ET.key_share, u16(0x1d))]),
  },
  {
    name: 'Certificate: duplicate entry extensions',
    rfc: '§4.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    script: (p) => certificateWithEntryExtensions(p, [ext(0x7777), ext(0x7777)]),
  },
];
