/**
 * Broken networks: the server closes (FIN or reset) at any point, or stops
 * talking. connect() must reject — never hang — and the caller's
 * AbortSignal and handshakeTimeout must end a stalled handshake.
 */
import { ContentType as CT, HandshakeType as HT } from '../../../src/handshake/constants.js';
import { handshakeMessage } from '../../../src/handshake/messages.js';
import { rawRecord, type ScriptedPeer } from '../../peers/scripted-server.js';
import { connected, toEncrypted, type HostileCase } from '../harness.js';

/** Writes `bytes`, waits for them to leave, then sends FIN. */
async function writeThenClose(p: ScriptedPeer, bytes: Uint8Array): Promise<void> {
  p.write(bytes);
  await p.flush();
  p.end();
}

async function serverHelloRecord(p: ScriptedPeer): Promise<Uint8Array> {
  await p.readClientHello();
  return rawRecord(CT.handshake, await p.buildServerHello());
}

const closed = (name: string, rfc: string, script: (p: ScriptedPeer) => Promise<void>, phase?: 'post'): HostileCase => ({
  name: `close: ${name}`,
  rfc,
  code: 'CONNECTION_CLOSED',
  alert: null,
  wire: false,
  ...(phase ? { phase } : {}),
  script,
});

export const transportCases: HostileCase[] = [
  closed('FIN before anything is read', 'RFC 8446 §6.1', async (p) => p.end()),
  closed('FIN right after the ClientHello', '§6.1', async (p) => {
    await p.readClientHello();
    p.end();
  }),
  closed('FIN after 3 bytes of a record header', '§6.1', async (p) => {
    const rec = await serverHelloRecord(p);
    await writeThenClose(p, rec.subarray(0, 3));
  }),
  closed('FIN in the middle of a record', '§6.1', async (p) => {
    const rec = await serverHelloRecord(p);
    await writeThenClose(p, rec.subarray(0, 40));
  }),
  closed('FIN in the middle of a message (ServerHello split over records)', '§6.1', async (p) => {
    await p.readClientHello();
    const sh = await p.buildServerHello();
    await writeThenClose(p, rawRecord(CT.handshake, sh.subarray(0, 20)));
  }),
  closed('FIN after ServerHello', '§6.1', async (p) => {
    await toEncrypted(p);
    await p.flush();
    p.end();
  }),
  closed('FIN in the middle of a protected record', '§6.1', async (p) => {
    await toEncrypted(p);
    const rec = await p.sealRecord(CT.handshake, p.buildEncryptedExtensions());
    await writeThenClose(p, rec.subarray(0, rec.length - 5));
  }),
  closed('FIN after the server flight without Finished', '§6.1', async (p) => {
    await toEncrypted(p);
    await p.send(await p.buildAuthMessages());
    await p.flush();
    p.end();
  }),
  closed('connection reset after ServerHello', '§6.1', async (p) => {
    await toEncrypted(p);
    await p.flush();
    p.socket.resetAndDestroy();
  }),
  closed(
    'FIN after the handshake without close_notify (truncation)',
    '§6.1',
    async (p) => {
      await connected(p);
      await p.sendAppData('half');
      await p.flush();
      p.end();
    },
    'post',
  ),
  closed(
    'connection reset after the handshake',
    '§6.1',
    async (p) => {
      await connected(p);
      await p.flush();
      p.socket.resetAndDestroy();
    },
    'post',
  ),
  {
    name: 'stall: server silent after ServerHello, the caller aborts',
    rfc: 'options.signal',
    code: 'ABORTED',
    alert: 'user_canceled',
    client: () => ({ signal: AbortSignal.timeout(300) }),
    script: toEncrypted,
  },
  {
    name: 'stall: server silent after ServerHello, handshakeTimeout fires',
    rfc: 'options.handshakeTimeout',
    code: 'TIMEOUT',
    alert: 'user_canceled',
    client: { handshakeTimeout: 300 },
    script: toEncrypted,
  },
  {
    name: 'stall: server never answers the ClientHello, handshakeTimeout fires',
    rfc: 'options.handshakeTimeout',
    code: 'TIMEOUT',
    alert: 'user_canceled',
    client: { handshakeTimeout: 300 },
    async script(p) {
      await p.readClientHello();
    },
  },
  {
    name: 'stall: half a protected record, then silence',
    rfc: 'options.handshakeTimeout',
    code: 'TIMEOUT',
    alert: 'user_canceled',
    client: { handshakeTimeout: 300 },
    async script(p) {
      await toEncrypted(p);
      const rec = await p.sealRecord(CT.handshake, p.buildEncryptedExtensions());
      p.write(rec.subarray(0, 20));
    },
  },
  {
    name: 'stall: a handshake header claiming 16 MiB is refused at once',
    rfc: 'limits.maxHandshakeMessage',
    code: 'LIMIT_EXCEEDED',
    alert: 'illegal_parameter',
    async script(p) {
      await p.readClientHello();
      p.write(rawRecord(CT.handshake, Uint8Array.of(HT.server_hello, 0xff, 0xff, 0xff, 3, 3)));
    },
  },
  {
    name: 'stall: a Certificate over limits.maxHandshakeMessage',
    rfc: 'limits.maxHandshakeMessage',
    code: 'LIMIT_EXCEEDED',
    alert: 'illegal_parameter',
    client: { limits: { maxHandshakeMessage: 1024 } },
    async script(p) {
      await toEncrypted(p);
      await p.send([p.buildEncryptedExtensions(), handshakeMessage(HT.certificate, new Uint8Array(2000))]);
    },
  },
];
