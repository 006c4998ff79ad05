/**
 * Resumption and 0-RTT misuse (RFC 8446 §4.2.10, §4.2.11): the client holds
 * a ticket whose PSK the scripted server knows, and the server abuses it.
 */
import { utf8 } from '../../../src/codec.js';
import { ExtensionType as ET } from '../../../src/handshake/constants.js';
import type { SessionStore, StoredSession, StoredSession13 } from '../../../src/handshake/session.js';
import { ext, type ScriptedPeer } from '../../peers/scripted-server.js';
import { closeCleanly, type HostileCase } from '../harness.js';

const PSK = new Uint8Array(32).fill(0x5c);

function ticket(over: Partial<StoredSession13> = {}): StoredSession13 {
  return {
    serverName: 'localhost',
    cipherSuite: 'TLS_AES_128_GCM_SHA256',
    psk: PSK,
    ticket: utf8('scripted ticket'),
    ageAdd: 7,
    lifetime: 3600,
    receivedAt: Date.now() - 1000,
    maxEarlyData: 0,
    alpn: null,
    ...over,
  };
}

/** A store that hands out one ticket, whatever the key. */
function storeWith(session: StoredSession): SessionStore {
  let s: StoredSession | undefined = session;
  return {
    get: () => {
      const out = s;
      s = undefined;
      return out;
    },
    put: () => undefined,
    delete: () => undefined,
  };
}

const withTicket = (over: Partial<StoredSession13> = {}, extra: object = {}) => () => ({ sessions: storeWith(ticket(over)), ...extra });

/** ServerHello accepting the PSK, then EncryptedExtensions `exts`. */
async function resumed(p: ScriptedPeer, exts: Parameters<ScriptedPeer['buildEncryptedExtensions']>[0] = []): Promise<Uint8Array> {
  await p.readClientHello();
  if (!p.clientHello!.extensionTypes.includes(ET.pre_shared_key)) throw new Error('the client offered no PSK');
  await p.sendServerHello({ psk: PSK });
  return p.buildEncryptedExtensions(exts);
}

export const resumptionCases: HostileCase[] = [
  {
    name: 'resumption: PSK accepted, EncryptedExtensions then Finished (baseline)',
    rfc: '§2.2, §4.2.11',
    code: 'OK',
    alert: null,
    client: withTicket(),
    async script(p) {
      const ee = await resumed(p);
      await p.send([ee, p.buildFinished()]);
      await p.installAppKeys();
      await p.readClientFinished();
      await closeCleanly(p);
    },
    check: (o) => {
      if (!o.info?.resumed || o.info.peerCertificates.length !== 0) throw new Error('not reported as resumed');
    },
  },
  {
    name: 'resumption: selected_identity 1 when one PSK was offered',
    rfc: '§4.2.11',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    client: withTicket(),
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ psk: PSK, selectedIdentity: 1 });
    },
  },
  {
    name: 'resumption: PSK accepted under a suite whose hash differs from the ticket',
    rfc: '§4.2.11',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    client: withTicket(),
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello({ psk: PSK, cipherSuite: 0x1302 });
    },
  },
  {
    name: 'resumption: Certificate after the PSK was accepted',
    rfc: '§4.2.11, §A.1',
    code: 'UNEXPECTED_MESSAGE',
    alert: 'unexpected_message',
    client: withTicket(),
    async script(p) {
      const ee = await resumed(p);
      await p.send([ee, p.buildCertificate()]);
    },
  },
  {
    name: 'resumption: pre_shared_key selected after a HelloRetryRequest dropped the PSK',
    rfc: '§4.1.4, §4.2',
    code: 'UNSUPPORTED_EXTENSION',
    alert: 'unsupported_extension',
    client: withTicket(),
    async script(p) {
      await p.readClientHello();
      // SHA-384 suite: the SHA-256 ticket cannot be offered again.
      await p.sendHelloRetryRequest({ group: 'secp256r1', cipherSuite: 0x1302 });
      const ch2 = await p.readClientHello();
      if (ch2.extensionTypes.includes(ET.pre_shared_key)) throw new Error('the PSK was offered again');
      await p.sendServerHello({ pskClaimOnly: true });
    },
  },
  {
    name: 'early data: accepted in a handshake where no PSK was selected',
    rfc: '§4.2.10',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    wire: false, // the client's alert goes out under its early-data keys
    client: withTicket({ maxEarlyData: 16384 }, { earlyData: true }),
    async script(p) {
      await p.readClientHello();
      await p.sendServerHello();
      await p.send([p.buildEncryptedExtensions([ext(ET.early_data)]), p.buildCertificate()]);
    },
  },
  {
    name: 'early data: accepted under another cipher suite with the same hash',
    rfc: '§4.2.10',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    wire: false,
    client: withTicket({ maxEarlyData: 16384 }, { earlyData: true }),
    async script(p) {
      await p.readClientHello();
      // The ticket is TLS_AES_128_GCM_SHA256; early data was sealed with it.
      await p.sendServerHello({ psk: PSK, cipherSuite: 0x1303 });
      await p.send([p.buildEncryptedExtensions([ext(ET.early_data)]), p.buildFinished()]);
    },
  },
  {
    name: 'early data: accepted under a different ALPN protocol than the ticket',
    rfc: '§4.2.10',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    wire: false,
    client: withTicket({ maxEarlyData: 16384, alpn: 'h2' }, { earlyData: true, alpn: ['h2', 'http/1.1'] }),
    async script(p) {
      const http11 = Uint8Array.of(0, 9, 8, ...utf8('http/1.1'));
      const ee = await resumed(p, [ext(ET.early_data), ext(ET.application_layer_protocol_negotiation, http11)]);
      await p.send([ee, p.buildFinished()]);
    },
  },
];
