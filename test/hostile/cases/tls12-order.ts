/**
 * TLS 1.2 messages out of order: every handshake message type a server
 * could send, and ChangeCipherSpec, in every state of the client's TLS 1.2
 * handshake where it is not the one expected (RFC 5246 §7.3, §7.4:
 * unexpected_message). HelloRequest is legal everywhere (ignored during the
 * handshake, §7.4.1.1) and has its own cases.
 */
import { utf8 } from '../../../src/codec.js';
import { ContentType as CT, ExtensionType as ET, HandshakeType as HT } from '../../../src/handshake/constants.js';
import {
  encodeCertificateVerify,
  encodeClientHello,
  encodeEncryptedExtensions,
  encodeFinished,
  encodeKeyUpdate,
  encodeServerHello,
  handshakeMessage,
} from '../../../src/handshake/messages.js';
import {
  encodeCertificate12,
  encodeCertificateRequest12,
  encodeClientKeyExchange,
  encodeNewSessionTicket12,
  encodeServerKeyExchange,
} from '../../../src/handshake/messages12.js';
import { ext, rawRecord, serverIdentity } from '../../peers/scripted-server.js';
import type { ScriptedPeer12 } from '../../peers/scripted-server12.js';
import type { HostileCase } from '../harness.js';
import { case12, connected12, MASTER, toClientFinished, withSession } from './tls12-common.js';

/** ChangeCipherSpec is a record of its own, not a handshake message. */
const CCS = 'ChangeCipherSpec';

/** Well-formed TLS 1.2 messages of each type, so only their position is wrong. */
const MESSAGES: Record<string, () => Uint8Array> = {
  ClientHello: () =>
    encodeClientHello({ random: new Uint8Array(32), sessionId: new Uint8Array(0), cipherSuites: [0xc02b], extensions: [] }),
  ServerHello: () =>
    encodeServerHello({
      legacyVersion: 0x0303,
      random: new Uint8Array(32).fill(7),
      sessionId: new Uint8Array(0),
      cipherSuite: 0xc02b,
      compression: 0,
      extensions: [ext(ET.renegotiation_info, Uint8Array.of(0)), ext(ET.extended_master_secret)],
    }),
  Certificate: () => encodeCertificate12(serverIdentity().chain),
  ServerKeyExchange: () =>
    encodeServerKeyExchange({ group: 0x1d, publicKey: new Uint8Array(32).fill(9), scheme: 0x0403, signature: new Uint8Array(70).fill(1) }),
  CertificateRequest: () => encodeCertificateRequest12({ certificateTypes: [64], schemes: [0x0403], authorities: [] }),
  ServerHelloDone: () => handshakeMessage(HT.server_hello_done, new Uint8Array(0)),
  CertificateVerify: () => encodeCertificateVerify({ scheme: 0x0403, signature: new Uint8Array(70).fill(1) }),
  ClientKeyExchange: () => encodeClientKeyExchange(new Uint8Array(32).fill(5)),
  NewSessionTicket: () => encodeNewSessionTicket12({ lifetimeHint: 60, ticket: utf8('t') }),
  Finished: () => encodeFinished(new Uint8Array(12)),
  EncryptedExtensions: () => encodeEncryptedExtensions([]),
  KeyUpdate: () => encodeKeyUpdate(false),
  'unknown type 99': () => handshakeMessage(99, Uint8Array.of(1, 2, 3)),
  [CCS]: () => new Uint8Array(0),
};

interface State {
  /** What the client waits for, for the test name. */
  waitingFor: string;
  /** Message names that are legal here. */
  legal: string[];
  /** Brings the client into the state; the next send() lands there. */
  reach: (p: ScriptedPeer12) => Promise<void>;
  client?: HostileCase['client'];
  phase?: 'post';
}

async function afterServerHello(p: ScriptedPeer12, n: number): Promise<void> {
  await p.readClientHello();
  const msgs = [await p.buildServerHello12(), p.buildCertificate12(), await p.buildServerKeyExchange(), p.buildCertificateRequest12()];
  await p.send(msgs.slice(0, n));
}

const STATES: State[] = [
  { waitingFor: 'Certificate', legal: ['Certificate'], reach: (p) => afterServerHello(p, 1) },
  { waitingFor: 'ServerKeyExchange', legal: ['ServerKeyExchange'], reach: (p) => afterServerHello(p, 2) },
  { waitingFor: 'CertificateRequest or ServerHelloDone', legal: ['CertificateRequest', 'ServerHelloDone'], reach: (p) => afterServerHello(p, 3) },
  { waitingFor: 'ServerHelloDone after CertificateRequest', legal: ['ServerHelloDone'], reach: (p) => afterServerHello(p, 4) },
  { waitingFor: 'ChangeCipherSpec (no ticket promised)', legal: [CCS], reach: (p) => toClientFinished(p) },
  { waitingFor: 'NewSessionTicket (promised)', legal: ['NewSessionTicket'], reach: (p) => toClientFinished(p, { serverHello: { ticket: true } }) },
  {
    waitingFor: 'Finished',
    legal: ['Finished'],
    reach: async (p) => {
      await toClientFinished(p);
      await p.changeCipherSpec();
    },
  },
  {
    waitingFor: 'ChangeCipherSpec (resumed)',
    legal: [CCS],
    client: withSession('id'),
    reach: async (p) => {
      await p.readClientHello();
      await p.send(await p.buildServerHello12({ resume: MASTER }));
    },
  },
  { waitingFor: 'post-handshake messages', legal: [], reach: (p) => connected12(p), phase: 'post' },
];

export const tls12OrderCases: HostileCase[] = STATES.flatMap((state) =>
  Object.entries(MESSAGES)
    .filter(([name]) => !state.legal.includes(name))
    .map(([name, make]) =>
      case12({
        name: `TLS 1.2 order: ${name} while waiting for ${state.waitingFor}`,
        rfc: name === CCS ? 'RFC 5246 §7.1' : 'RFC 5246 §7.3, §7.4',
        code: 'UNEXPECTED_MESSAGE',
        alert: 'unexpected_message',
        ...(state.phase ? { phase: state.phase } : {}),
        ...(state.client ? { client: state.client } : {}),
        async script(p) {
          await state.reach(p);
          // In clear, so that its place is all that is wrong (after a key change a protected one is malformed too).
          if (name === CCS) p.write(rawRecord(CT.change_cipher_spec, Uint8Array.of(1)));
          else await p.send(make());
        },
      }),
    ),
);
