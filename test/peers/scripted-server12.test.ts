/**
 * The scripted server's TLS 1.2 side, played straight: puretls (through
 * connect(), the whole stack) completes every suite, client authentication,
 * ALPN, record_size_limit, both kinds of resumption and the exporter with it.
 * The hostile cases (test/hostile/cases/tls12*.ts) deviate from these.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/codec.js';
import { nobleProvider } from '../../src/crypto/noble.js';
import { ContentType, ExtensionType as ET, TLS12_CIPHER_SUITES } from '../../src/handshake/constants.js';
import { findExtension } from '../../src/handshake/extensions.js';
import { MemorySessionStore } from '../../src/handshake/session.js';
import { connect, type NodeConnectOptions, type TlsConnection } from '../../src/node.js';
import { RecordProtection12 } from '../../src/record/protection12.js';
import { loadCert, type ServerCertName } from './fixtures.js';
import { ScriptedServer, seededRandom } from './scripted-server.js';
import { as12, PeerKeys12, ScriptedPeer12 } from './scripted-server12.js';

let server: ScriptedServer;
beforeAll(async () => {
  server = await ScriptedServer.start();
});
afterAll(async () => {
  await server.stop();
});

const base = (name: string): NodeConnectOptions => ({
  host: '127.0.0.1',
  port: server.port,
  servername: 'localhost',
  ca: loadCert('root').cert,
  groups: ['x25519', 'secp256r1'],
  sessions: false,
  handshakeTimeout: 4000,
  random: seededRandom(`client12:${name}`),
});

async function readAll(conn: TlsConnection): Promise<string> {
  const reader = conn.readable.getReader();
  let out = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return out;
    out += new TextDecoder().decode(value);
  }
}

async function write(conn: TlsConnection, s: string): Promise<void> {
  const w = conn.writable.getWriter();
  await w.write(utf8(s));
  w.releaseLock();
}

/** Echoes one client write back with a prefix, then closes. */
async function echo(p: ScriptedPeer12, prefix: string): Promise<void> {
  const got = await p.readAppData();
  if (!got) throw new Error('no application data from the client');
  await p.sendAppData(prefix + new TextDecoder().decode(got));
  await p.sendAlert('close_notify', 1);
  p.end();
}

const SUITE_IDENTITY: Record<'ECDSA' | 'RSA', ServerCertName> = { ECDSA: 'server-p256', RSA: 'server-rsa2048' };

describe('scripted server, TLS 1.2 played straight', () => {
  for (const suite of TLS12_CIPHER_SUITES) {
    it(`full handshake with ${suite.name}, data both ways`, async () => {
      const job = server.next(
        async (peer) => {
          const p = as12(peer);
          await p.handshake12({ serverHello: { cipherSuite: suite.code } });
          await echo(p, 'echo:');
        },
        { create: ScriptedPeer12.create, identity: SUITE_IDENTITY[suite.auth], random: seededRandom(`s12:${suite.name}`) },
      );
      const conn = await connect({ ...base(suite.name), cipherSuites: [suite.name] });
      expect(conn.info).toMatchObject({ version: 'TLSv1.2', cipherSuite: suite.name, group: 'x25519', resumed: false, extendedMasterSecret: true });
      await write(conn, 'ping');
      expect(await readAll(conn)).toBe('echo:ping');
      await conn.close();
      await job;
    });
  }

  it('ALPN, record_size_limit 64 (the client sends records of at most 64 bytes) and P-256', async () => {
    const sizes: number[] = [];
    const job = server.next(
      async (peer) => {
        const p = as12(peer);
        await p.handshake12({ serverHello: { alpn: 'h2', recordSizeLimit: 64 }, serverKeyExchange: { group: 'secp256r1' } });
        let got = '';
        while (got.length < 200) {
          const rec = await p.readRecord();
          if (rec === null || rec === 'timeout' || rec.innerType !== ContentType.application_data) throw new Error('no data');
          sizes.push(rec.content.length);
          got += new TextDecoder().decode(rec.content);
        }
        await p.sendAppData(`${got.length}`);
        await p.sendAlert('close_notify', 1);
        p.end();
      },
      { create: ScriptedPeer12.create, random: seededRandom('s12:alpn') },
    );
    const conn = await connect({ ...base('alpn'), alpn: ['h2', 'http/1.1'] });
    expect(conn.info).toMatchObject({ version: 'TLSv1.2', alpn: 'h2', group: 'secp256r1' });
    await write(conn, 'x'.repeat(200));
    expect(await readAll(conn)).toBe('200');
    await conn.close();
    await job;
    expect(Math.max(...sizes)).toBe(64);
  });

  it('client certificate (ECDSA P-256): Certificate and CertificateVerify verify at the server', async () => {
    const client = loadCert('client-p256');
    const job = server.next(
      async (peer) => {
        const p = as12(peer);
        const flight = await p.handshake12({ certificateRequest: true });
        await p.sendAlert('close_notify', 1);
        p.end();
        return flight;
      },
      { create: ScriptedPeer12.create, random: seededRandom('s12:mtls') },
    );
    const conn = await connect({ ...base('mtls'), clientCertificate: { chain: client.chain, key: client.key } });
    expect(conn.info.clientCertificateSent).toBe(true);
    await readAll(conn);
    await conn.close();
    const { result } = await job;
    expect(result.certificates?.length).toBeGreaterThan(0);
    expect(result.certificateVerified).toBe(true);
  });

  for (const [label, schemes, want] of [
    ['rsa_pss_rsae_sha256', [0x0804], 0x0804],
    ['rsa_pkcs1_sha256, TLS 1.2 only', [0x0401], 0x0401],
  ] as const) {
    it(`client certificate (RSA, ${label}): CertificateVerify verifies at the server`, async () => {
      const client = loadCert('client-rsa2048');
      let scheme = -1;
      const job = server.next(
        async (peer) => {
          const p = as12(peer);
          const flight = await p.handshake12({ certificateRequest: { schemes: [...schemes] } });
          const cv = p.transcript.find((m) => m[0] === 15);
          scheme = cv ? (cv[4]! << 8) | cv[5]! : -1;
          await p.sendAlert('close_notify', 1);
          p.end();
          return flight;
        },
        { create: ScriptedPeer12.create, random: seededRandom(`s12:mtls-rsa:${label}`) },
      );
      const conn = await connect({ ...base(`mtls-rsa ${label}`), clientCertificate: { chain: client.chain, key: client.key } });
      expect(conn.info.clientCertificateSent).toBe(true);
      await readAll(conn);
      await conn.close();
      const { result } = await job;
      expect(result.certificateVerified).toBe(true);
      expect(scheme).toBe(want);
    });
  }

  it('CertificateRequest without a client certificate: an empty Certificate, no CertificateVerify', async () => {
    const job = server.next(
      async (peer) => {
        const p = as12(peer);
        const flight = await p.handshake12({ certificateRequest: true });
        await p.sendAlert('close_notify', 1);
        p.end();
        return flight;
      },
      { create: ScriptedPeer12.create, random: seededRandom('s12:no-mtls') },
    );
    const conn = await connect(base('no-mtls'));
    expect(conn.info.clientCertificateSent).toBe(false);
    await readAll(conn);
    await conn.close();
    const { result } = await job;
    expect(result).toEqual({ certificates: [], certificateVerified: false });
  });

  it('the RFC 5705 exporter gives what the server computes', async () => {
    let expected: Uint8Array[] = [];
    const job = server.next(
      async (peer) => {
        const p = as12(peer);
        await p.handshake12();
        expected = [p.exporter('EXPERIMENTAL puretls', null, 32), p.exporter('EXPERIMENTAL puretls', new Uint8Array(0), 32)];
        await p.sendAlert('close_notify', 1);
        p.end();
      },
      { create: ScriptedPeer12.create, random: seededRandom('s12:exporter') },
    );
    const conn = await connect(base('exporter'));
    await readAll(conn);
    await job;
    const noContext = conn.exportKeyingMaterial('EXPERIMENTAL puretls', null, 32);
    const emptyContext = conn.exportKeyingMaterial('EXPERIMENTAL puretls', new Uint8Array(0), 32);
    expect([noContext, emptyContext]).toEqual(expected);
    // RFC 5705 §4: no context and an empty context are different inputs.
    expect(noContext).not.toEqual(emptyContext);
    await conn.close();
  });

  for (const kind of ['session ID', 'ticket'] as const) {
    it(`full handshake, then resumption by ${kind} (RFC 5246 §7.3, RFC 5077 §3)`, async () => {
      const store = new MemorySessionStore();
      const ticket = utf8(`opaque ticket ${kind}`);
      let master: Uint8Array = new Uint8Array(0);
      let sessionId: Uint8Array = new Uint8Array(0);
      const first = server.next(
        async (peer) => {
          const p = as12(peer);
          await p.handshake12({ serverHello: { ticket: kind === 'ticket' }, newSessionTicket: { ticket, lifetimeHint: 600 } });
          master = p.master12!;
          sessionId = p.serverSessionId;
          await p.sendAlert('close_notify', 1);
          p.end();
        },
        { create: ScriptedPeer12.create, random: seededRandom(`s12:first:${kind}`) },
      );
      const c1 = await connect({ ...base(`first ${kind}`), sessions: store });
      await readAll(c1);
      await c1.close();
      await first;
      expect(store.size).toBe(1);

      const offered: { sessionId?: Uint8Array; ticket?: Uint8Array } = {};
      const second = server.next(
        async (peer) => {
          const p = as12(peer);
          await p.readClientHello();
          offered.sessionId = p.clientHello!.sessionId;
          offered.ticket = findExtension(p.clientHello!.extensions, ET.session_ticket);
          await p.send(await p.buildServerHello12({ resume: master }));
          await p.changeCipherSpec();
          await p.send(p.buildFinished12());
          await p.readClientFinished12();
          await echo(p, 'again:');
        },
        { create: ScriptedPeer12.create, random: seededRandom(`s12:second:${kind}`) },
      );
      const c2 = await connect({ ...base(`second ${kind}`), sessions: store });
      expect(c2.info).toMatchObject({ version: 'TLSv1.2', resumed: true, peerCertificates: [], extendedMasterSecret: true });
      await write(c2, 'hi');
      expect(await readAll(c2)).toBe('again:hi');
      await c2.close();
      await second;
      if (kind === 'ticket') {
        expect(offered.ticket).toEqual(ticket);
      } else {
        expect(offered.sessionId).toEqual(sessionId);
        expect(offered.ticket).toEqual(new Uint8Array(0));
      }
    });
  }
});

describe('PeerKeys12 and the engine\'s RecordProtection12 agree', () => {
  for (const suite of TLS12_CIPHER_SUITES.filter((s) => s.auth === 'ECDSA')) {
    it(`${suite.aead}: each opens what the other seals`, async () => {
      const key = new Uint8Array(suite.keyLength).fill(7);
      const iv = new Uint8Array(suite.fixedIvLength).fill(9);
      const mkPeer = async () => new PeerKeys12(await nobleProvider.aead(suite.aead, key), iv, suite.explicitNonceLength);
      const mkEngine = async () => new RecordProtection12(await nobleProvider.aead(suite.aead, key), iv, suite.explicitNonceLength);
      const peerTx = await mkPeer();
      const engineRx = await mkEngine();
      const engineTx = await mkEngine();
      const peerRx = await mkPeer();
      for (let i = 0; i < 3; i++) {
        const content = utf8(`record ${i}`);
        const a = await peerTx.seal(ContentType.application_data, content);
        const opened = await engineRx.open(a.subarray(0, 5), a.subarray(5));
        expect(opened.content).toEqual(content);
        const b = await engineTx.seal(ContentType.handshake, content);
        expect(b.length).toBe(a.length);
        expect(await peerRx.open(b.subarray(0, 5), b.subarray(5))).toEqual({ type: ContentType.handshake, content });
      }
    });
  }
});
