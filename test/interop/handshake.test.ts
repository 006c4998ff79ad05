/**
 * Interop: the engine (Connector over a real TCP socket) against real servers,
 * `openssl s_server` and Node's `tls.Server`, with certificate verification on.
 *
 * Each server is started once per (peer, certificate) and reused for every
 * cipher suite × group case. Every case exchanges data both ways, closes with
 * close_notify, and checks both our ConnectionInfo and the server's view of
 * the wire (group, suite, SNI, the client's close_notify).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySessionStore, TlsError } from '../../src/index.js';
import { connect as nodeConnect } from '../../src/node.js';
import {
  loadCert,
  pemToDer,
  SERVER_ROOT,
  startNodeTlsServer,
  startOpenSslServer,
  trustedRootsPem,
  type ClientHelloInfo,
  type NodeTlsServer,
  type OpenSslServer,
  type ServerCertName,
  type ServerHelloInfo,
} from '../peers/index.js';
import { connectEngine, dec, enc, type ConnectorOptions } from './engine.js';

const SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;
const GROUPS = ['x25519', 'secp256r1', 'secp384r1'] as const;
type Suite = (typeof SUITES)[number];
type Group = (typeof GROUPS)[number];

const SERVER_CERTS = [
  { fixture: 'server-p256', scheme: 'ecdsa_secp256r1_sha256' },
  { fixture: 'server-p384', scheme: 'ecdsa_secp384r1_sha384' },
  { fixture: 'server-rsa2048', scheme: 'rsa_pss_rsae_sha256' },
  { fixture: 'server-ed25519', scheme: 'ed25519' },
] as const satisfies ReadonlyArray<{ fixture: ServerCertName; scheme: string }>;

const MATRIX: Array<[Suite, Group]> = SUITES.flatMap((suite) => GROUPS.map((group): [Suite, Group] => [suite, group]));

type PeerKind = 'openssl' | 'node';
const PEERS: readonly PeerKind[] = ['openssl', 'node'];

/** What the server saw of one connection. */
interface ServerView {
  clientHellos: ClientHelloInfo[];
  serverHellos: ServerHelloInfo[];
  /** Names of the alerts the client sent, e.g. ['close_notify'] or ['bad_certificate']. */
  clientAlerts: string[];
  /** Raw evidence for failure messages. */
  detail: string;
}

interface Peer {
  readonly kind: PeerKind;
  readonly port: number;
  /** Call before connecting; pass the result to view(). */
  mark(): number;
  /**
   * Wait until the server is done with the connection started after `mark`
   * (for the Node peer: the one from `clientPort`, when known).
   */
  view(mark: number, clientPort?: number): Promise<ServerView>;
  /** The reply the server sends for one line of input. */
  reply(line: string): string;
  stop(): Promise<void>;
}

interface PeerOptions {
  fixture: ServerCertName;
  groups?: readonly string[];
  ciphers?: readonly string[];
  alpn?: readonly string[];
}

async function startPeer(kind: PeerKind, o: PeerOptions): Promise<Peer> {
  const groups = o.groups ?? GROUPS;
  if (kind === 'openssl') {
    const server: OpenSslServer = await startOpenSslServer({
      fixture: o.fixture,
      groups,
      ciphersuites: o.ciphers,
      alpn: o.alpn,
      mode: 'rev',
    });
    return {
      kind,
      port: server.port,
      mark: () => server.mark(),
      async view(mark) {
        await server.waitForOutput(/CONNECTION (CLOSED|FAILURE)/, { since: mark });
        const t = server.transcript(mark);
        return {
          clientHellos: t.clientHellos,
          serverHellos: t.serverHellos,
          clientAlerts: t.alertsReceived.map((a) => a.name),
          detail: server.process.outputSince(mark).slice(-3000),
        };
      },
      reply: (line) => [...line.replace(/\n$/, '')].reverse().join('') + '\n',
      stop: () => server.stop(),
    };
  }
  const server: NodeTlsServer = await startNodeTlsServer({ fixture: o.fixture, groups, ciphers: o.ciphers, alpn: o.alpn });
  return {
    kind,
    port: server.port,
    mark: () => server.connections.length,
    async view(index, clientPort) {
      const c = await (clientPort === undefined ? server.closedConnection(index) : server.closedConnectionFrom(clientPort));
      return {
        clientHellos: c.observer.clientHellos,
        serverHellos: c.observer.serverHellos,
        clientAlerts: c.observer.clientAlerts.map((a) => a.name),
        detail: JSON.stringify({
          secure: c.secure,
          cipher: c.cipher,
          error: c.error ? `${(c.error as { code?: string }).code}: ${c.error.message}` : undefined,
          notes: c.observer.notes,
          clientErrors: server.clientErrors.map((e) => (e as { code?: string }).code),
        }),
      };
    },
    reply: (line) => line,
    stop: () => server.stop(),
  };
}

function rootFor(fixture: ServerCertName): string {
  return loadCert(SERVER_ROOT[fixture]).cert;
}

/**
 * Connect, check data both ways, close gracefully; returns ConnectionInfo + server view.
 * Resumption is off unless `connector.sessions` says otherwise: every case is a full handshake.
 */
async function roundTrip(peer: Peer, connector: ConnectorOptions, serverName = 'localhost') {
  const mark = peer.mark();
  let clientPort: number | undefined;
  const conn = await connectEngine({
    port: peer.port,
    serverName,
    connector: { sessions: false, ...connector },
    onSocket: (s) => (clientPort = s.localPort),
  });
  try {
    for (const line of ['hello from puretls\n', `${'0123456789abcdef'.repeat(64)}\n`]) {
      await conn.write(line);
      const expected = peer.reply(line);
      expect(dec(await conn.read(enc(expected).length))).toBe(expected);
    }
    await conn.close();
  } finally {
    conn.destroy();
  }
  const view = await peer.view(mark, clientPort);
  return { info: conn.info, view };
}

describe.each(PEERS)('%s peer', (kind) => {
  describe.each(SERVER_CERTS.map((c) => [c.fixture, c.scheme] as const))('server certificate %s', (fixture, scheme) => {
    let peer: Peer;
    beforeAll(async () => {
      peer = await startPeer(kind, { fixture });
    });
    afterAll(async () => {
      await peer?.stop();
    });

    it.each(MATRIX)('%s with %s', async (suite, group) => {
      const leaf = loadCert(fixture);
      const { info, view } = await roundTrip(peer, { ca: rootFor(fixture), cipherSuites: [suite], groups: [group] });

      expect(info.version).toBe('TLSv1.3');
      expect(info.cipherSuite).toBe(suite);
      expect(info.group).toBe(group);
      expect(info.signatureScheme).toBe(scheme);
      expect(info.serverName).toBe('localhost');
      expect(info.resumed).toBe(false);
      expect(info.helloRetryRequest).toBe(false);
      expect(info.peerCertificates.length).toBeGreaterThanOrEqual(1);
      expect(Buffer.from(info.peerCertificates[0]!).equals(Buffer.from(leaf.certDer))).toBe(true);

      // The server's side of the wire agrees.
      expect(view.clientHellos, view.detail).toHaveLength(1);
      expect(view.clientHellos[0]!.serverName).toBe('localhost');
      expect(view.clientHellos[0]!.supportedVersions).toContain('TLSv1.3');
      expect(view.serverHellos.at(-1)?.cipherSuite).toBe(suite);
      expect(view.serverHellos.at(-1)?.group).toBe(group);
      expect(view.serverHellos.some((h) => h.helloRetryRequest)).toBe(false);
      expect(view.clientAlerts, view.detail).toEqual(['close_notify']);
    });
  });

  describe('other chains and trust-store forms', () => {
    const cases = [
      { name: 'RSA root -> RSA intermediate -> RSA leaf', fixture: 'server-rsa-chain', scheme: 'rsa_pss_rsae_sha256', ca: () => rootFor('server-rsa-chain') },
      { name: 'P-384 root -> P-256 intermediate -> P-256 leaf', fixture: 'server-ecdsa-chain', scheme: 'ecdsa_secp256r1_sha256', ca: () => rootFor('server-ecdsa-chain') },
      { name: 'ca as DER', fixture: 'server-p256', scheme: 'ecdsa_secp256r1_sha256', ca: () => loadCert('root').certDer },
      { name: 'ca as a PEM bundle of several roots', fixture: 'server-rsa-chain', scheme: 'rsa_pss_rsae_sha256', ca: () => trustedRootsPem() },
      { name: 'ca as an array of DER and PEM', fixture: 'server-ecdsa-chain', scheme: 'ecdsa_secp256r1_sha256', ca: () => [loadCert('rsa-root').certDer, loadCert('ecdsa-root').cert] },
    ] as const;

    it.each(cases)('$name', async ({ fixture, scheme, ca }) => {
      const peer = await startPeer(kind, { fixture });
      try {
        const { info, view } = await roundTrip(peer, {
          ca: ca(),
          cipherSuites: ['TLS_AES_128_GCM_SHA256'],
          groups: ['x25519'],
        });
        expect(info.signatureScheme).toBe(scheme);
        expect(info.group).toBe('x25519');
        expect(info.peerCertificates.length).toBe(pemToDer(loadCert(fixture).chain).length);
        expect(view.clientAlerts, view.detail).toEqual(['close_notify']);
      } finally {
        await peer.stop();
      }
    });
  });

  describe('negotiation', () => {
    it('HelloRetryRequest when the server only takes secp384r1', async () => {
      const peer = await startPeer(kind, { fixture: 'server-p256', groups: ['secp384r1'] });
      try {
        const { info, view } = await roundTrip(peer, {
          ca: rootFor('server-p256'),
          cipherSuites: [...SUITES],
          groups: ['x25519', 'secp384r1'],
        });
        expect(info.group).toBe('secp384r1');
        const sawHrr = view.serverHellos.some((h) => h.helloRetryRequest);
        // Whether an HRR is needed depends on the key shares we sent first.
        expect(info.helloRetryRequest).toBe(sawHrr);
        if (sawHrr) {
          expect(view.clientHellos).toHaveLength(2);
          expect(view.clientHellos[1]!.keyShares).toEqual(['secp384r1']);
        }
        expect(view.clientAlerts, view.detail).toEqual(['close_notify']);
      } finally {
        await peer.stop();
      }
    });

    it('resumption with a session ticket', async () => {
      const peer = await startPeer(kind, { fixture: 'server-p256' });
      try {
        const sessions = new MemorySessionStore();
        const connector: ConnectorOptions = { ca: rootFor('server-p256'), groups: ['x25519'], sessions, port: peer.port };
        const first = await roundTrip(peer, connector);
        expect(first.info.resumed).toBe(false);
        const second = await roundTrip(peer, connector);
        expect(second.info.resumed).toBe(true);
        expect(second.info.signatureScheme).toBeNull();
        expect(second.info.peerCertificates).toHaveLength(0);
        expect(second.view.clientHellos[0]!.hasPreSharedKey).toBe(true);
        expect(second.view.serverHellos.at(-1)!.extensions).toContain(41); // pre_shared_key accepted
        expect(second.view.clientAlerts, second.view.detail).toEqual(['close_notify']);
      } finally {
        await peer.stop();
      }
    });

    it('ALPN', async () => {
      const peer = await startPeer(kind, { fixture: 'server-p256', alpn: ['http/1.1'] });
      try {
        const { info, view } = await roundTrip(peer, {
          ca: rootFor('server-p256'),
          cipherSuites: [...SUITES],
          groups: [...GROUPS],
          alpn: ['h2', 'http/1.1'],
        });
        expect(info.alpn).toBe('http/1.1');
        expect(view.clientHellos[0]!.alpn).toEqual(['h2', 'http/1.1']);
      } finally {
        await peer.stop();
      }
    });
  });

  describe('refused certificates: own error code, and an alert on the wire', () => {
    const cases = [
      { name: 'wrong server name', fixture: 'server-p256', serverName: 'not-localhost.test', code: 'CERT_NAME_MISMATCH', alert: 'bad_certificate' },
      { name: 'untrusted root', fixture: 'server-untrusted', serverName: 'localhost', code: 'CERT_UNTRUSTED_ROOT', alert: 'unknown_ca' },
      { name: 'expired leaf', fixture: 'server-expired', serverName: 'localhost', code: 'CERT_EXPIRED', alert: 'certificate_expired' },
      { name: 'leaf not yet valid', fixture: 'server-not-yet-valid', serverName: 'localhost', code: 'CERT_NOT_YET_VALID', alert: 'certificate_expired' },
    ] as const satisfies ReadonlyArray<{ name: string; fixture: ServerCertName; serverName: string; code: string; alert: string }>;

    it.each(cases)('$name -> $code / $alert', async ({ fixture, serverName, code, alert }) => {
      const peer = await startPeer(kind, { fixture });
      try {
        const mark = peer.mark();
        let clientPort: number | undefined;
        const error = await connectEngine({
          port: peer.port,
          serverName,
          onSocket: (s) => (clientPort = s.localPort),
          connector: { ca: loadCert('root').cert, cipherSuites: [...SUITES], groups: [...GROUPS], sessions: false },
        }).then(
          (conn) => {
            conn.destroy();
            return undefined;
          },
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(TlsError);
        const tlsError = error as TlsError;
        expect(tlsError.code, tlsError.toDebugString()).toBe(code);
        expect(tlsError.alert).toBe(alert);
        expect(tlsError.toDebugString()).toContain(code);

        const view = await peer.view(mark, clientPort);
        expect(view.clientAlerts, view.detail).toEqual([alert]);
      } finally {
        await peer.stop();
      }
    });
  });
});

describe('bulk data', () => {
  it('1 MiB each direction through the Node echo server', async () => {
    const peer = await startPeer('node', { fixture: 'server-p256' });
    try {
      const mark = peer.mark();
      let clientPort: number | undefined;
      const conn = await connectEngine({
        port: peer.port,
        onSocket: (s) => (clientPort = s.localPort),
        connector: { ca: rootFor('server-p256'), cipherSuites: [...SUITES], groups: [...GROUPS], sessions: false },
      });
      const size = 1 << 20;
      const data = new Uint8Array(size);
      for (let i = 0; i < size; i++) data[i] = (i * 31 + (i >>> 10)) & 0xff;
      const reading = conn.read(size);
      for (let off = 0; off < size; off += 50_000) await conn.write(data.subarray(off, Math.min(size, off + 50_000)));
      const back = await reading;
      expect(back.length).toBe(size);
      expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
      await conn.close();
      conn.destroy();
      const view = await peer.view(mark, clientPort);
      expect(view.clientAlerts, view.detail).toEqual(['close_notify']);
    } finally {
      await peer.stop();
    }
  });
});

describe.each(PEERS)('src/node.js connect() against the %s peer', (kind) => {
  it('exchanges data and closes', async () => {
    const peer = await startPeer(kind, { fixture: 'server-p384' });
    try {
      const mark = peer.mark();
      const conn = await nodeConnect({
        host: '127.0.0.1',
        port: peer.port,
        servername: 'localhost',
        ca: rootFor('server-p384'),
        cipherSuites: ['TLS_AES_256_GCM_SHA384'],
        groups: ['secp384r1'],
        sessions: false,
      });
      expect(conn.info.version).toBe('TLSv1.3');
      expect(conn.info.signatureScheme).toBe('ecdsa_secp384r1_sha384');
      const writer = conn.writable.getWriter();
      const line = 'through node.js\n';
      await writer.write(enc(line));
      const reader = conn.readable.getReader();
      let got = '';
      while (got.length < line.length) {
        const { done, value } = await reader.read();
        if (done) break;
        got += dec(value);
      }
      expect(got).toBe(peer.reply(line));
      reader.releaseLock();
      writer.releaseLock();
      await conn.close();
      const view = await peer.view(mark);
      expect(view.clientAlerts, view.detail).toEqual(['close_notify']);
    } finally {
      await peer.stop();
    }
  });
});
