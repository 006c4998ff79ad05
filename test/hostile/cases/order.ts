/**
 * Handshake messages out of order: every message type a server could send,
 * in every client state where it is not the one expected (RFC 8446 §4,
 * Appendix A.1: unexpected_message).
 */
import { utf8 } from '../../../src/codec.js';
import { HandshakeType as HT } from '../../../src/handshake/constants.js';
import {
  encodeCertificate,
  encodeCertificateRequest,
  encodeCertificateVerify,
  encodeClientHello,
  encodeEncryptedExtensions,
  encodeEndOfEarlyData,
  encodeFinished,
  encodeKeyUpdate,
  encodeNewSessionTicket,
  encodeServerHello,
  handshakeMessage,
} from '../../../src/handshake/messages.js';
import { ext, serverIdentity, u16, type ScriptedPeer } from '../../peers/scripted-server.js';
import { connected, type HostileCase } from '../harness.js';

/** Well-formed messages of each type, so only their position is wrong. */
const MESSAGES: Record<string, () => Uint8Array> = {
  ClientHello: () =>
    encodeClientHello({ random: new Uint8Array(32), sessionId: new Uint8Array(0), cipherSuites: [0x1301], extensions: [] }),
  ServerHello: () =>
    encodeServerHello({
      legacyVersion: 0x0303,
      random: new Uint8Array(32).fill(7),
      sessionId: new Uint8Array(0),
      cipherSuite: 0x1301,
      compression: 0,
      extensions: [ext(43, u16(0x0304))],
    }),
  NewSessionTicket: () =>
    encodeNewSessionTicket({ lifetime: 60, ageAdd: 1, nonce: Uint8Array.of(0), ticket: utf8('t'), extensions: [] }),
  EndOfEarlyData: () => encodeEndOfEarlyData(),
  EncryptedExtensions: () => encodeEncryptedExtensions([]),
  Certificate: () =>
    encodeCertificate({ context: new Uint8Array(0), entries: serverIdentity().chain.map((data) => ({ data, extensions: [] })) }),
  CertificateRequest: () =>
    encodeCertificateRequest({ context: new Uint8Array(0), extensions: [ext(13, Uint8Array.of(0, 2, 4, 3))] }),
  CertificateVerify: () => encodeCertificateVerify({ scheme: 0x0403, signature: new Uint8Array(70).fill(1) }),
  Finished: () => encodeFinished(new Uint8Array(32)),
  KeyUpdate: () => encodeKeyUpdate(false),
  message_hash: () => handshakeMessage(HT.message_hash, new Uint8Array(32)),
  'unknown type 99': () => handshakeMessage(99, Uint8Array.of(1, 2, 3)),
};

interface State {
  /** What the client waits for, for the test name. */
  waitingFor: string;
  /** Message names that are legal here. */
  legal: string[];
  /** Brings the client into the state; the next send() lands there. */
  reach: (p: ScriptedPeer) => Promise<void>;
  phase?: 'post';
}

const STATES: State[] = [
  {
    waitingFor: 'ServerHello',
    legal: ['ServerHello'],
    reach: async (p) => {
      await p.readClientHello();
    },
  },
  {
    waitingFor: 'EncryptedExtensions',
    legal: ['EncryptedExtensions'],
    reach: async (p) => {
      await p.readClientHello();
      await p.sendServerHello();
    },
  },
  {
    waitingFor: 'Certificate or CertificateRequest',
    legal: ['Certificate', 'CertificateRequest'],
    reach: async (p) => {
      await p.readClientHello();
      await p.sendServerHello();
      await p.send(p.buildEncryptedExtensions());
    },
  },
  {
    waitingFor: 'CertificateVerify',
    legal: ['CertificateVerify'],
    reach: async (p) => {
      await p.readClientHello();
      await p.sendServerHello();
      await p.send([p.buildEncryptedExtensions(), p.buildCertificate()]);
    },
  },
  {
    waitingFor: 'Finished',
    legal: ['Finished'],
    reach: async (p) => {
      await p.readClientHello();
      await p.sendServerHello();
      await p.send(await p.buildAuthMessages());
    },
  },
  {
    waitingFor: 'post-handshake messages',
    legal: ['NewSessionTicket', 'KeyUpdate'],
    reach: connected,
    phase: 'post',
  },
];

export const orderCases: HostileCase[] = STATES.flatMap((state) =>
  Object.entries(MESSAGES)
    .filter(([name]) => !state.legal.includes(name))
    .map(
      ([name, make]): HostileCase => ({
        name: `order: ${name} while waiting for ${state.waitingFor}`,
        rfc: name === 'CertificateRequest' && state.phase ? '§4.6.2' : '§4, §A.1',
        code: 'UNEXPECTED_MESSAGE',
        alert: 'unexpected_message',
        ...(state.phase ? { phase: state.phase } : {}),
        async script(p) {
          await state.reach(p);
          await p.send(make());
        },
      }),
    ),
);
