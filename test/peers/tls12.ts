/**
 * TLS 1.2 test matrix: the six ECDHE AEAD suites, the groups and the
 * certificates, with each peer's spelling, and one start function per server
 * peer (OpenSSL s_server, Node, GnuTLS gnutls-serv, Go crypto/tls) taking the
 * same options, so a client test can run one matrix against all four:
 *
 *   for (const name of TLS12_PEER_NAMES) {
 *     const peer = await startTls12Peer(name, { fixture: 'server-p256', suites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'], groups: ['x25519'] });
 *     // connect to peer.port, send "hello\n", expect peer.expectedReply("hello\n")
 *     const conn = await peer.connectionFrom(clientLocalPort); // the wire as the server saw it
 *     await peer.stop();
 *   }
 *
 * Every peer keeps a key log and is observed on the wire (a tap in front of
 * it, or the Node server's own), so `connectionFrom()` reports the version,
 * suite, group, resumption, and the alerts / close_notify each side sent
 * (TLS 1.2 records are decrypted both ways).
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { certFiles, type ServerCertName } from './fixtures.js';
import { GNUTLS_TLS12_PRIORITY, startGnutlsServer, type GnutlsServer } from './gnutls-server.js';
import { goTool, startGoServer, type GoServer } from './go-server.js';
import { startNodeTlsServer, type NodeTlsServer } from './node-server.js';
import { startOpenSslServer, type OpenSslServer } from './openssl-server.js';
import { startTlsTap, type TlsTap } from './tap.js';
import type { ConnectionObserver } from './tls-wire.js';

// ---------------------------------------------------------------------------
// Suites, groups, certificates
// ---------------------------------------------------------------------------

export type Tls12SuiteName =
  | 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'
  | 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'
  | 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'
  | 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'
  | 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'
  | 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256';

export interface Tls12Suite {
  /** IANA name (also Go's, tls.CipherSuiteName, and Node's getCipher().standardName). */
  iana: Tls12SuiteName;
  /** Code point. */
  id: number;
  /** OpenSSL name (s_server -cipher, Node `ciphers`). */
  openssl: string;
  /** Go crypto/tls name. */
  go: string;
  /** GnuTLS priority tokens for this suite (key exchange, cipher, MAC). */
  gnutls: string;
  /** What gnutls-serv prints as "- Cipher:". */
  gnutlsCipher: string;
  /** The certificate key type the suite needs. */
  auth: 'ECDSA' | 'RSA';
  /** The PRF / Finished hash. */
  hash: 'sha256' | 'sha384';
}

const suite = (
  iana: Tls12SuiteName,
  id: number,
  openssl: string,
  auth: 'ECDSA' | 'RSA',
  gnutlsCipher: string,
  hash: 'sha256' | 'sha384',
): Tls12Suite => ({
  iana,
  id,
  openssl,
  go: iana,
  gnutls: `+ECDHE-${auth}:+${gnutlsCipher}:+AEAD`,
  gnutlsCipher,
  auth,
  hash,
});

/** The six TLS 1.2 ECDHE AEAD suites (RFC 5289, RFC 7905). */
export const TLS12_SUITES: readonly Tls12Suite[] = [
  suite('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 0xc02b, 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDSA', 'AES-128-GCM', 'sha256'),
  suite('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 0xc02c, 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDSA', 'AES-256-GCM', 'sha384'),
  suite('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 0xcca9, 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDSA', 'CHACHA20-POLY1305', 'sha256'),
  suite('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 0xc02f, 'ECDHE-RSA-AES128-GCM-SHA256', 'RSA', 'AES-128-GCM', 'sha256'),
  suite('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 0xc030, 'ECDHE-RSA-AES256-GCM-SHA384', 'RSA', 'AES-256-GCM', 'sha384'),
  suite('TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 0xcca8, 'ECDHE-RSA-CHACHA20-POLY1305', 'RSA', 'CHACHA20-POLY1305', 'sha256'),
];

export function tls12Suite(name: Tls12SuiteName): Tls12Suite {
  const s = TLS12_SUITES.find((x) => x.iana === name);
  if (!s) throw new Error(`unknown TLS 1.2 suite ${name}`);
  return s;
}

export type Tls12GroupName = 'x25519' | 'secp256r1' | 'secp384r1';

export interface Tls12Group {
  /** IANA name (as tls-wire.ts reports it). */
  name: Tls12GroupName;
  id: number;
  /** s_server -groups */
  openssl: string;
  /** Node `ecdhCurve` */
  node: string;
  /** Go -curves */
  go: string;
  /** GnuTLS priority token */
  gnutls: string;
  /** What gnutls-serv prints as " - Using curve:". */
  gnutlsName: string;
}

export const TLS12_GROUPS: readonly Tls12Group[] = [
  { name: 'x25519', id: 0x001d, openssl: 'x25519', node: 'X25519', go: 'X25519', gnutls: '+GROUP-X25519', gnutlsName: 'X25519' },
  { name: 'secp256r1', id: 0x0017, openssl: 'secp256r1', node: 'P-256', go: 'P-256', gnutls: '+GROUP-SECP256R1', gnutlsName: 'SECP256R1' },
  { name: 'secp384r1', id: 0x0018, openssl: 'secp384r1', node: 'P-384', go: 'P-384', gnutls: '+GROUP-SECP384R1', gnutlsName: 'SECP384R1' },
];

export function tls12Group(name: Tls12GroupName): Tls12Group {
  const g = TLS12_GROUPS.find((x) => x.name === name);
  if (!g) throw new Error(`unknown group ${name}`);
  return g;
}

export type Tls12CertName = 'server-p256' | 'server-p384' | 'server-rsa2048' | 'server-ecdsa-chain' | 'server-rsa-chain';

/** The test PKI's server certificates usable with the TLS 1.2 suites, by key type. */
export const TLS12_CERTS: Readonly<Record<Tls12CertName, 'ECDSA' | 'RSA'>> = {
  'server-p256': 'ECDSA',
  'server-p384': 'ECDSA',
  'server-ecdsa-chain': 'ECDSA',
  'server-rsa2048': 'RSA',
  'server-rsa-chain': 'RSA',
};

/** The suites a certificate can serve. */
export function suitesForCert(fixture: Tls12CertName): Tls12Suite[] {
  return TLS12_SUITES.filter((s) => s.auth === TLS12_CERTS[fixture]);
}

export interface Tls12Combo {
  suite: Tls12SuiteName;
  group: Tls12GroupName;
  fixture: Tls12CertName;
}

/** Every suite x group x certificate combination that can work (5 certs x 3 suites x 3 groups = 45). */
export function allTls12Combos(): Tls12Combo[] {
  const out: Tls12Combo[] = [];
  for (const fixture of Object.keys(TLS12_CERTS) as Tls12CertName[]) {
    for (const s of suitesForCert(fixture)) for (const g of TLS12_GROUPS) out.push({ suite: s.iana, group: g.name, fixture });
  }
  return out;
}

/**
 * A small set that still covers each suite, each group and each certificate
 * at least once (6 combinations).
 */
export function representativeTls12Combos(): Tls12Combo[] {
  return [
    { suite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', group: 'x25519', fixture: 'server-p256' },
    { suite: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', group: 'secp384r1', fixture: 'server-p384' },
    { suite: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', group: 'secp256r1', fixture: 'server-ecdsa-chain' },
    { suite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', group: 'secp256r1', fixture: 'server-rsa2048' },
    { suite: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', group: 'x25519', fixture: 'server-rsa-chain' },
    { suite: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', group: 'secp384r1', fixture: 'server-rsa2048' },
  ];
}

/**
 * A GnuTLS priority string: NORMAL, TLS 1.2 (and 1.3 with `tls13`), narrowed
 * to the suites' key exchanges / ciphers (GnuTLS combines them, so suites of
 * one key type are exact) and to the groups.
 */
export function gnutlsPriority(options: { suites?: readonly Tls12SuiteName[]; groups?: readonly Tls12GroupName[]; tls13?: boolean } = {}): string {
  let p = options.tls13 ? 'NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2' : GNUTLS_TLS12_PRIORITY;
  if (options.suites?.length) {
    const suites = options.suites.map(tls12Suite);
    const kx = [...new Set(suites.map((s) => `+ECDHE-${s.auth}`))];
    const ciphers = [...new Set(suites.map((s) => `+${s.gnutlsCipher}`))];
    p += `:-KX-ALL:${kx.join(':')}:-CIPHER-ALL:${ciphers.join(':')}:-MAC-ALL:+AEAD`;
  }
  if (options.groups?.length) p += `:-GROUP-ALL:${options.groups.map((g) => tls12Group(g).gnutls).join(':')}`;
  return p;
}

// ---------------------------------------------------------------------------
// One start function per peer, same options
// ---------------------------------------------------------------------------

export type Tls12PeerName = 'openssl' | 'node' | 'gnutls' | 'go';
export const TLS12_PEER_NAMES: readonly Tls12PeerName[] = ['openssl', 'node', 'gnutls', 'go'];

const onPath = (cmd: string) => (process.env.PATH ?? '').split(path.delimiter).some((d) => d && existsSync(path.join(d, cmd)));

/**
 * Whether the peer's tool is installed (gnutls-bin, golang-1.19-go; .ci/run
 * installs both). Tests can skip a missing peer outside CI, as the tshark and
 * Chromium tests do: `peerAvailable || process.env.CI ? describe : describe.skip`.
 */
export function tls12PeerAvailable(name: Tls12PeerName): boolean {
  if (name === 'gnutls') return onPath('gnutls-serv');
  if (name === 'go') return goTool() !== undefined;
  return onPath(process.env.OPENSSL ?? 'openssl') || name === 'node';
}

export interface Tls12PeerOptions {
  fixture: Tls12CertName;
  /** Restrict the server to these suites (default: the peer's defaults). */
  suites?: readonly Tls12SuiteName[];
  /** Restrict the server to these groups (default: the peer's defaults). */
  groups?: readonly Tls12GroupName[];
  /** ALPN protocols the server accepts. */
  alpn?: readonly string[];
  /** Require a client certificate and verify it against this CA file (PEM path), e.g. certFiles('client-ca').certPath. */
  clientCa?: string;
  /**
   * 'ticket' (default): session tickets (RFC 5077). 'sessionId': no tickets,
   * a session-ID cache (Go has none: it then does full handshakes only).
   */
  resumption?: 'ticket' | 'sessionId';
  /** Accept TLS 1.3 as well (default: TLS 1.2 only). */
  allowTls13?: boolean;
}

/** One connection as the server's side of the wire saw it. */
export interface Tls12PeerConnection {
  readonly clientPort: number | undefined;
  /** Version, suite, group, resumed, extendedMasterSecret, alerts and close_notify each way, ... */
  readonly observer: ConnectionObserver;
  /** Resolves when the TCP connection is fully closed. */
  readonly closed: Promise<void>;
}

interface Tls12PeerBase {
  readonly host: string;
  /** Connect here. */
  readonly port: number;
  /** The server's key log (NSS format). */
  readonly keylogFile: string;
  /** False for Go 1.19 (tickets only). */
  readonly supportsSessionIdResumption: boolean;
  /** Whether it negotiates extended_master_secret (RFC 7627): false for Go 1.19. */
  readonly supportsExtendedMasterSecret: boolean;
  /**
   * What the server sends back for `data` (newline-terminated text):
   * s_server -rev reverses each line; the others echo it.
   */
  expectedReply(data: string): string;
  /** Resolves once the connection from the client's local port has closed on both sides. */
  connectionFrom(clientPort: number, timeoutMs?: number): Promise<Tls12PeerConnection>;
  /** Every connection accepted so far, in order. */
  readonly connections: readonly Tls12PeerConnection[];
  stop(): Promise<void>;
}

export type Tls12Peer =
  | (Tls12PeerBase & { readonly name: 'openssl'; readonly server: OpenSslServer; readonly tap: TlsTap })
  | (Tls12PeerBase & { readonly name: 'node'; readonly server: NodeTlsServer })
  | (Tls12PeerBase & { readonly name: 'gnutls'; readonly server: GnutlsServer; readonly tap: TlsTap })
  | (Tls12PeerBase & { readonly name: 'go'; readonly server: GoServer; readonly tap: TlsTap });

const echo = (data: string) => data;
const reverseLines = (data: string) =>
  data
    .split('\n')
    .map((line, i, all) => (i < all.length - 1 ? [...line].reverse().join('') : line))
    .join('\n');

function tempKeylog(peer: string): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), `puretls-${peer}12-`));
  return { dir, file: path.join(dir, 'keylog.txt') };
}

async function tapped<S extends { port: number; stop(): Promise<void> }>(
  server: S,
  keylog: { dir: string; file: string },
): Promise<{ tap: TlsTap; connectionFrom: Tls12PeerBase['connectionFrom']; connections: readonly Tls12PeerConnection[]; stop: () => Promise<void> }> {
  let tap: TlsTap;
  try {
    tap = await startTlsTap({ upstreamPort: server.port, keylogFile: keylog.file });
  } catch (err) {
    await server.stop();
    rmSync(keylog.dir, { recursive: true, force: true });
    throw err;
  }
  return {
    tap,
    connectionFrom: (clientPort, timeoutMs) => tap.connectionFrom(clientPort, timeoutMs),
    connections: tap.connections,
    stop: async () => {
      await tap.stop();
      await server.stop();
      rmSync(keylog.dir, { recursive: true, force: true });
    },
  };
}

/** `openssl s_server -tls1_2` (-rev: each line comes back reversed), behind a tap. */
export async function startOpenSsl12(o: Tls12PeerOptions): Promise<Tls12Peer> {
  const keylog = tempKeylog('openssl');
  const server = await startOpenSslServer({
    fixture: o.fixture as ServerCertName,
    protocol: o.allowTls13 ? 'tls1.2+' : 'tls1.2',
    ...(o.suites?.length ? { cipher: o.suites.map((s) => tls12Suite(s).openssl) } : {}),
    ...(o.groups?.length ? { groups: o.groups.map((g) => tls12Group(g).openssl) } : {}),
    ...(o.alpn?.length ? { alpn: o.alpn } : {}),
    ...(o.clientCa ? { verifyClient: { caFile: o.clientCa } } : {}),
    noTicket: o.resumption === 'sessionId',
    keylogFile: keylog.file,
  }).catch((err: unknown) => {
    rmSync(keylog.dir, { recursive: true, force: true });
    throw err;
  });
  const t = await tapped(server, keylog);
  return {
    name: 'openssl',
    server,
    tap: t.tap,
    host: '127.0.0.1',
    port: t.tap.port,
    keylogFile: keylog.file,
    supportsSessionIdResumption: true,
    supportsExtendedMasterSecret: true,
    expectedReply: reverseLines,
    connectionFrom: t.connectionFrom,
    get connections() {
      return t.connections;
    },
    stop: t.stop,
  };
}

/** A Node tls.Server pinned to TLS 1.2 (echo), observed by its own tap. */
export async function startNode12(o: Tls12PeerOptions): Promise<Tls12Peer> {
  const keylog = tempKeylog('node');
  const server = await startNodeTlsServer({
    fixture: o.fixture as ServerCertName,
    minVersion: 'TLSv1.2',
    maxVersion: o.allowTls13 ? 'TLSv1.3' : 'TLSv1.2',
    ...(o.suites?.length
      ? { ciphers: [...o.suites.map((s) => tls12Suite(s).openssl), ...(o.allowTls13 ? ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] : [])] }
      : {}),
    ...(o.groups?.length ? { groups: o.groups } : {}),
    ...(o.alpn?.length ? { alpn: o.alpn } : {}),
    ...(o.clientCa ? { requestCert: true, rejectUnauthorized: true, ca: readFileSync(o.clientCa, 'utf8') } : {}),
    ...(o.resumption === 'sessionId' ? { tickets: false, sessionCache: true } : {}),
  });
  // Node reports its secrets as 'keylog' events; keep them in a file as the other peers do.
  server.server.on('keylog', (line: Buffer) => appendFileSync(keylog.file, line));
  return {
    name: 'node',
    server,
    host: server.host,
    port: server.port,
    keylogFile: keylog.file,
    supportsSessionIdResumption: true,
    supportsExtendedMasterSecret: true,
    expectedReply: echo,
    connectionFrom: async (clientPort, timeoutMs) => {
      const c = await server.closedConnectionFrom(clientPort, timeoutMs);
      return { clientPort: c.remotePort, observer: c.observer, closed: c.closed };
    },
    get connections() {
      return server.connections.map((c) => ({ clientPort: c.remotePort, observer: c.observer, closed: c.closed }));
    },
    stop: async () => {
      await server.stop();
      rmSync(keylog.dir, { recursive: true, force: true });
    },
  };
}

/** gnutls-serv --echo with a TLS 1.2 priority string, behind a tap. */
export async function startGnutls12(o: Tls12PeerOptions): Promise<Tls12Peer> {
  const keylog = tempKeylog('gnutls');
  const server = await startGnutlsServer({
    fixture: o.fixture as ServerCertName,
    priority: gnutlsPriority({ ...(o.suites ? { suites: o.suites } : {}), ...(o.groups ? { groups: o.groups } : {}), tls13: o.allowTls13 ?? false }),
    ...(o.alpn?.length ? { alpn: o.alpn } : {}),
    ...(o.clientCa ? { clientCa: o.clientCa } : {}),
    noTicket: o.resumption === 'sessionId',
    keylogFile: keylog.file,
  }).catch((err: unknown) => {
    rmSync(keylog.dir, { recursive: true, force: true });
    throw err;
  });
  const t = await tapped(server, keylog);
  return {
    name: 'gnutls',
    server,
    tap: t.tap,
    host: '127.0.0.1',
    port: t.tap.port,
    keylogFile: keylog.file,
    supportsSessionIdResumption: true,
    supportsExtendedMasterSecret: true,
    expectedReply: echo,
    connectionFrom: t.connectionFrom,
    get connections() {
      return t.connections;
    },
    stop: t.stop,
  };
}

/** The Go crypto/tls server (echo), TLS 1.2, behind a tap. */
export async function startGo12(o: Tls12PeerOptions): Promise<Tls12Peer> {
  const keylog = tempKeylog('go');
  const server = await startGoServer({
    fixture: o.fixture as ServerCertName,
    minVersion: '1.2',
    maxVersion: o.allowTls13 ? '1.3' : '1.2',
    ...(o.suites?.length ? { ciphers: o.suites.map((s) => tls12Suite(s).go) } : {}),
    ...(o.groups?.length ? { curves: o.groups.map((g) => tls12Group(g).go) } : {}),
    ...(o.alpn?.length ? { alpn: o.alpn } : {}),
    ...(o.clientCa ? { clientCa: o.clientCa } : {}),
    tickets: o.resumption !== 'sessionId',
    keylogFile: keylog.file,
  }).catch((err: unknown) => {
    rmSync(keylog.dir, { recursive: true, force: true });
    throw err;
  });
  const t = await tapped(server, keylog);
  return {
    name: 'go',
    server,
    tap: t.tap,
    host: '127.0.0.1',
    port: t.tap.port,
    keylogFile: keylog.file,
    supportsSessionIdResumption: false,
    supportsExtendedMasterSecret: false,
    expectedReply: echo,
    connectionFrom: t.connectionFrom,
    get connections() {
      return t.connections;
    },
    stop: t.stop,
  };
}

export const START_TLS12_PEER: Readonly<Record<Tls12PeerName, (o: Tls12PeerOptions) => Promise<Tls12Peer>>> = {
  openssl: startOpenSsl12,
  node: startNode12,
  gnutls: startGnutls12,
  go: startGo12,
};

export function startTls12Peer(name: Tls12PeerName, o: Tls12PeerOptions): Promise<Tls12Peer> {
  return START_TLS12_PEER[name](o);
}

/** The client-CA file of the test PKI (for `clientCa`). */
export function clientCaFile(): string {
  return certFiles('client-ca').certPath;
}
