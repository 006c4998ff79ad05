/**
 * What the TLS 1.2 catalogue files share: cases played by ScriptedPeer12,
 * script fragments that bring the client to a given point of RFC 5246 §7.3,
 * and a stored TLS 1.2 session whose master secret the server knows.
 */
import { utf8 } from '../../../src/codec.js';
import type { SessionStore, StoredSession12 } from '../../../src/handshake/session.js';
import type { NodeConnectOptions } from '../../../src/node.js';
import { as12, ScriptedPeer12, type Handshake12Options } from '../../peers/scripted-server12.js';
import { closeCleanly, type HostileCase } from '../harness.js';

/** A case whose script plays the TLS 1.2 peer. */
export type Case12 = Omit<HostileCase, 'script' | 'peer'> & { script: (p: ScriptedPeer12) => Promise<void> };

/** Turns a TLS 1.2 case into a catalogue case (its peer made by ScriptedPeer12.create). */
export function case12(c: Case12): HostileCase {
  return { ...c, peer: ScriptedPeer12.create, script: (p) => c.script(as12(p)) };
}

/** Client options: TLS 1.2 only (no TLS 1.3 offered, so no downgrade sentinel check). */
export const ONLY12: Partial<NodeConnectOptions> = { maxVersion: 'TLSv1.2' };

/** Through ServerHelloDone: the client has sent its flight and waits for [NewSessionTicket] ChangeCipherSpec. */
export async function toServerHelloDone(p: ScriptedPeer12, o: Handshake12Options = {}): Promise<void> {
  await p.readClientHello();
  await p.serverHelloFlight12(o);
}

/** Through the client's Finished, read and checked: the next thing the client reads is ours. */
export async function toClientFinished(p: ScriptedPeer12, o: Handshake12Options = {}): Promise<void> {
  await toServerHelloDone(p, o);
  await p.readClientFinished12();
}

/** A completed full handshake; the client is connected. */
export async function connected12(p: ScriptedPeer12, o: Handshake12Options = {}): Promise<void> {
  await p.handshake12(o);
}

/** A completed handshake, `data` sent, then close_notify and FIN. */
export async function connectedSends(p: ScriptedPeer12, data: string, o: Handshake12Options = {}): Promise<void> {
  await p.handshake12(o);
  await p.sendAppData(data);
  await closeCleanly(p);
}

/** The master secret of the stored sessions (RFC 5246 §8.1: 48 bytes). */
export const MASTER = new Uint8Array(48).fill(0x3c);

export function session12(over: Partial<StoredSession12> = {}): StoredSession12 {
  return {
    version: 'TLSv1.2',
    serverName: 'localhost',
    cipherSuite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
    masterSecret: MASTER,
    sessionId: new Uint8Array(32).fill(0x51),
    ticket: new Uint8Array(0),
    group: 'x25519',
    lifetime: 3600,
    receivedAt: Date.now() - 1000,
    alpn: null,
    ...over,
  };
}

/** A store that hands out one session, whatever the key, and keeps nothing. */
export function storeWith(session: StoredSession12): SessionStore {
  let s: StoredSession12 | undefined = session;
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

/** Client options holding a TLS 1.2 session resumable by session ID, or by ticket with `ticket`. */
export const withSession = (kind: 'id' | 'ticket', over: Partial<StoredSession12> = {}, extra: Partial<NodeConnectOptions> = {}) => () => ({
  sessions: storeWith(session12(kind === 'ticket' ? { sessionId: new Uint8Array(0), ticket: utf8('scripted 1.2 ticket'), ...over } : over)),
  ...extra,
});

/** Throws unless the outcome's data is `want`. */
export const expectData = (want: string) => (o: { data: string }) => {
  if (o.data !== want) throw new Error(`data ${JSON.stringify(o.data)}, wanted ${JSON.stringify(want)}`);
};
