/**
 * puretls's TLS 1.2 client against four real TLS 1.2 servers: `openssl
 * s_server -tls1_2`, Node's `tls` pinned to 1.2, `gnutls-serv` with a 1.2-only
 * priority and a Go `crypto/tls` server (test/peers/tls12.ts). For each: every
 * suite × x25519 / P-256 / P-384 × ECDSA and RSA certificates (the server
 * pinned to the suite and group, puretls offering its defaults), then
 * resumption by ticket and by session ID, ALPN, mutual TLS, 1 MiB each way
 * and close_notify, checked on both ends and on the wire.
 *
 * Go 1.19 has no extended master secret (RFC 7627): puretls refuses it by
 * default (EMS_REQUIRED), talks to it with `requireExtendedMasterSecret:
 * false`, and never resumes such a session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySessionStore, type StoredSession } from '../../src/index.js';
import { TlsError } from '../../src/errors.js';
import {
  allTls12Combos,
  clientCaFile,
  loadCert,
  SERVER_ROOT,
  startTls12Peer,
  TLS12_PEER_NAMES,
  tls12PeerAvailable,
  type Tls12Peer,
  type Tls12PeerName,
  type Tls12PeerOptions,
} from '../peers/index.js';
import { connectEngine, dec, enc, type ConnectorOptions, type EngineConnection } from './engine.js';

// CI installs every peer (.ci/run); elsewhere a missing gnutls-serv or Go skips that peer.
const peers = TLS12_PEER_NAMES.filter((n) => process.env.CI || tls12PeerAvailable(n));

/** Sessions put into the store, to tell a ticket from a session ID. */
class RecordingStore extends MemorySessionStore {
  readonly stored: StoredSession[] = [];
  override put(key: string, s: StoredSession): void {
    this.stored.push(s);
    super.put(key, s);
  }
}

interface Opened {
  conn: EngineConnection;
  clientPort: number;
}

async function open(peer: Tls12Peer, fixture: Tls12PeerOptions['fixture'], extra: ConnectorOptions = {}): Promise<Opened> {
  let clientPort = 0;
  const conn = await connectEngine({
    port: peer.port,
    connector: {
      ca: loadCert(SERVER_ROOT[fixture]).cert,
      sessions: false,
      // Go 1.19 predates RFC 7627 in crypto/tls.
      requireExtendedMasterSecret: peer.supportsExtendedMasterSecret,
      ...extra,
    },
    onSocket: (s) => {
      clientPort = s.localPort!;
    },
  });
  return { conn, clientPort };
}

/** A line out, the peer's answer back, then close_notify both ways; returns what the wire showed. */
async function exchange(peer: Tls12Peer, { conn, clientPort }: Opened, line = 'hello over TLS 1.2\n') {
  await conn.write(enc(line));
  const want = peer.expectedReply(line);
  expect(dec(await conn.read(want.length))).toBe(want);
  await conn.close();
  const wire = await peer.connectionFrom(clientPort);
  expect(wire.observer.version).toBe('TLSv1.2');
  expect(wire.observer.clientSentCloseNotify).toBe(true);
  expect(wire.observer.notes).toEqual([]);
  return wire.observer;
}

describe.each(peers)('TLS 1.2 against %s', (name: Tls12PeerName) => {
  describe('every suite × group × certificate', () => {
    it.each(allTls12Combos().map((c) => [`${c.suite} ${c.group} ${c.fixture}`, c] as const))('%s', async (_label, c) => {
      const peer = await startTls12Peer(name, { fixture: c.fixture, suites: [c.suite], groups: [c.group] });
      try {
        const opened = await open(peer, c.fixture);
        const info = opened.conn.info;
        expect(info).toMatchObject({ version: 'TLSv1.2', cipherSuite: c.suite, group: c.group, resumed: false });
        expect(info.extendedMasterSecret).toBe(peer.supportsExtendedMasterSecret);
        expect(info.peerCertificates.length).toBeGreaterThanOrEqual(2);
        const wire = await exchange(peer, opened);
        expect(wire.cipherSuite).toBe(c.suite);
        expect(wire.extendedMasterSecret).toBe(peer.supportsExtendedMasterSecret);
      } finally {
        await peer.stop();
      }
    });
  });

  describe('features', () => {
    let peer: Tls12Peer;
    beforeAll(async () => {
      peer = await startTls12Peer(name, { fixture: 'server-p256', alpn: ['h2', 'http/1.1'] });
    });
    afterAll(() => peer?.stop());

    it('ALPN: the server picks one of ours', async () => {
      const opened = await open(peer, 'server-p256', { alpn: ['http/1.1'] });
      expect(opened.conn.info.alpn).toBe('http/1.1');
      await exchange(peer, opened);
    });

    it('1 MiB each way, then close_notify both ways', async () => {
      const opened = await open(peer, 'server-p256');
      // Line-based peers (s_server -rev, gnutls-serv --echo): 16384 lines of 64 bytes.
      const line = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.\n';
      const text = line.repeat(16384);
      const want = peer.expectedReply(text);
      const reply = opened.conn.read(want.length);
      await opened.conn.write(enc(text));
      expect(dec(await reply) === want).toBe(true);
      await exchange(peer, opened);
    });

    it('resumption by ticket (RFC 5077): the second connection is abbreviated', async () => {
      const sessions = new RecordingStore();
      const first = await open(peer, 'server-p256', { sessions });
      await exchange(peer, first);
      const second = await open(peer, 'server-p256', { sessions });
      if (!peer.supportsExtendedMasterSecret) {
        // RFC 7627 §5.3: a session without extended master secret is never resumed, nor kept.
        expect(sessions.stored).toHaveLength(0);
        expect(second.conn.info.resumed).toBe(false);
      } else {
        expect(sessions.stored[0]).toMatchObject({ version: 'TLSv1.2' });
        expect((sessions.stored[0] as { ticket: Uint8Array }).ticket.length).toBeGreaterThan(0);
        expect(second.conn.info.resumed).toBe(true);
        expect(second.conn.info.peerCertificates).toHaveLength(0);
      }
      const wire = await exchange(peer, second);
      expect(wire.resumed).toBe(peer.supportsExtendedMasterSecret);
    });

    it('mutual TLS with an ECDSA and an RSA client certificate', async () => {
      const strict = await startTls12Peer(name, { fixture: 'server-p256', clientCa: clientCaFile() });
      try {
        for (const client of ['client-p256', 'client-rsa2048'] as const) {
          const id = loadCert(client);
          const opened = await open(strict, 'server-p256', { clientCertificate: { chain: id.cert, key: id.key } });
          expect(opened.conn.info.clientCertificateSent).toBe(true);
          await exchange(strict, opened);
        }
      } finally {
        await strict.stop();
      }
    });
  });

  it('with tickets off, the session ID resumes it (Go 1.19 keeps no session-ID cache: nothing to resume)', async () => {
    const peer = await startTls12Peer(name, { fixture: 'server-rsa2048', resumption: 'sessionId' });
    try {
      const sessions = new RecordingStore();
      await exchange(peer, await open(peer, 'server-rsa2048', { sessions }));
      const second = await open(peer, 'server-rsa2048', { sessions });
      if (!peer.supportsSessionIdResumption) {
        expect(sessions.stored).toHaveLength(0);
        expect(second.conn.info.resumed).toBe(false);
      } else {
        const stored = sessions.stored[0] as { version: string; ticket: Uint8Array; sessionId: Uint8Array };
        expect(stored.version).toBe('TLSv1.2');
        expect(stored.ticket.length).toBe(0);
        expect(stored.sessionId.length).toBeGreaterThan(0);
        expect(second.conn.info.resumed).toBe(true);
      }
      expect((await exchange(peer, second)).resumed).toBe(peer.supportsSessionIdResumption);
    } finally {
      await peer.stop();
    }
  });

  if (name === 'go') {
    it('Go 1.19 has no extended master secret: refused by default with EMS_REQUIRED and handshake_failure', async () => {
      const peer = await startTls12Peer(name, { fixture: 'server-p256' });
      try {
        let clientPort = 0;
        const err = await connectEngine({
          port: peer.port,
          connector: { ca: loadCert('root').cert, sessions: false },
          onSocket: (s) => {
            clientPort = s.localPort!;
          },
        }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(TlsError);
        expect((err as TlsError).code).toBe('EMS_REQUIRED');
        const wire = await peer.connectionFrom(clientPort);
        expect(wire.observer.clientAlerts.map((a) => a.description)).toContain(40);
      } finally {
        await peer.stop();
      }
    });
  }
});
