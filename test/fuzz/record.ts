/**
 * Records a server flight for the fuzz corpus: the sans-IO core, with
 * recorded randomness, talks to a real server over TCP; every byte the
 * server sends is kept. Run with PURETLS_RECORD_CORPUS=1 (test/fuzz/corpus.test.ts).
 */
import { writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { toHex, utf8 } from '../../src/codec.js';
import { ClientConnection } from '../../src/handshake/client.js';
import { startNodeTlsServer, type NodeTlsServerOptions } from '../peers/node-server.js';
import { startOpenSslServer, type OpenSslServerOptions } from '../peers/openssl-server.js';
import { seededRandom } from '../peers/scripted-server.js';
import { CORPUS_DIR, coreConfig, recordingRandom, runCore, serverBytes, type ClientKnobs, type RecordedFlight } from './driver.js';

export interface RecordSpec {
  name: string;
  server: { kind: 'openssl'; options: OpenSslServerOptions } | { kind: 'node'; options: NodeTlsServerOptions };
  client: ClientKnobs;
  /** Sent after the handshake; the server echoes it (openssl -rev reverses each line). */
  clientData: string;
  expectData: string;
}

export async function recordFlight(spec: RecordSpec): Promise<RecordedFlight> {
  const server =
    spec.server.kind === 'openssl'
      ? await startOpenSslServer({ msg: false, ...spec.server.options })
      : await startNodeTlsServer(spec.server.options);
  const draws: string[] = [];
  const chunks: string[] = [];
  try {
    const socket = net.connect({ host: server.host, port: server.port });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    let data = '';
    let info: RecordedFlight['expect'] | null = null;
    const finished = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`recording ${spec.name}: no close_notify within 10 s`)), 10_000);
      const core: ClientConnection = new ClientConnection(
        coreConfig(spec.client, recordingRandom(seededRandom(`corpus:${spec.name}`), draws)),
        {
          send: (d) => socket.write(d),
          data: (d) => {
            data += new TextDecoder().decode(d);
            if (data === spec.expectData) void core.close();
          },
          handshakeComplete: (i) => {
            info = {
              cipherSuite: i.cipherSuite,
              group: i.group,
              data: spec.expectData,
              helloRetryRequest: i.helloRetryRequest,
              ...(i.version === 'TLSv1.2' ? { version: i.version } : {}),
            };
            void core.write(utf8(spec.clientData));
          },
          peerClosed: () => {
            clearTimeout(timer);
            // Let anything after close_notify arrive too, then stop.
            setTimeout(resolve, 200);
          },
        },
      );
      socket.on('data', (d: Buffer) => {
        chunks.push(toHex(new Uint8Array(d)));
        core.receive(new Uint8Array(d)).catch(reject);
      });
      socket.on('error', reject);
      core.start().catch(reject);
    });
    await finished;
    socket.destroy();
    if (!info) throw new Error(`recording ${spec.name}: no handshake`);
    const flight: RecordedFlight = {
      name: spec.name,
      source:
        spec.server.kind === 'openssl'
          ? `openssl s_server ${(server as { args: readonly string[] }).args.slice(1).join(' ').replace(/\/\S+\/(?=[^/\s]+\.pem)/g, '')}`
          : `node:tls ${JSON.stringify({ ...spec.server.options, cert: undefined, key: undefined })}`,
      recordedAt: new Date().toISOString(),
      client: spec.client,
      random: draws,
      clientData: toHex(utf8(spec.clientData)),
      server: chunks,
      expect: info,
    };
    // The recording must replay on its own before it is kept.
    const replay = await runCore(flight, [serverBytes(flight)]);
    if (!replay.info || replay.data !== spec.expectData) {
      throw new Error(`recording ${spec.name} does not replay: ${replay.error?.toDebugString() ?? String(replay.foreign)}`);
    }
    return flight;
  } finally {
    await server.stop();
  }
}

export function saveFlight(flight: RecordedFlight): string {
  const file = path.join(CORPUS_DIR, `${flight.name}.json`);
  writeFileSync(file, JSON.stringify(flight, null, 1) + '\n');
  return file;
}

/** The corpus: flights from OpenSSL and Node, covering HRR, every suite and key type, and TLS 1.2. */
export const CORPUS_SPECS: RecordSpec[] = [
  {
    name: 'openssl-p256-x25519',
    server: { kind: 'openssl', options: { fixture: 'server-p256', numTickets: 2 } },
    client: { groups: ['x25519', 'secp256r1'], keyShareGroups: ['x25519'], alpn: [] },
    clientData: 'hello\n',
    expectData: 'olleh\n',
  },
  {
    name: 'openssl-hrr-p256-chacha',
    server: {
      kind: 'openssl',
      options: { fixture: 'server-ecdsa-chain', groups: ['P-256'], ciphersuites: ['TLS_CHACHA20_POLY1305_SHA256'], numTickets: 1 },
    },
    client: { groups: ['x25519', 'secp256r1'], keyShareGroups: ['x25519'], alpn: [] },
    clientData: 'retry\n',
    expectData: 'yrter\n',
  },
  {
    name: 'openssl-ed25519-aes256-alpn',
    server: {
      kind: 'openssl',
      options: { fixture: 'server-ed25519', ciphersuites: ['TLS_AES_256_GCM_SHA384'], alpn: ['h2', 'http/1.1'], numTickets: 1 },
    },
    client: { groups: ['x25519'], keyShareGroups: ['x25519'], alpn: ['http/1.1'] },
    clientData: 'abc\n',
    expectData: 'cba\n',
  },
  {
    // TLS 1.3 and 1.2 offered to a TLS 1.2-only server: no downgrade sentinel, since OpenSSL was told 1.2 is its newest.
    name: 'openssl-tls12-p256-aes128',
    server: { kind: 'openssl', options: { fixture: 'server-p256', protocol: 'tls1.2' } },
    client: { groups: ['x25519', 'secp256r1'], keyShareGroups: ['x25519'], alpn: [], tls12: 'also' },
    clientData: 'twelve\n',
    expectData: 'evlewt\n',
  },
  {
    name: 'openssl-tls12-rsa-chacha-alpn',
    server: {
      kind: 'openssl',
      options: { fixture: 'server-rsa2048', protocol: 'tls1.2', cipher: ['ECDHE-RSA-CHACHA20-POLY1305'], groups: ['P-256'], alpn: ['http/1.1'] },
    },
    client: { groups: ['x25519', 'secp256r1'], keyShareGroups: ['x25519'], alpn: ['http/1.1'], tls12: 'only' },
    clientData: 'chacha\n',
    expectData: 'ahcahc\n',
  },
  {
    name: 'node-rsa-aes128',
    server: { kind: 'node', options: { fixture: 'server-rsa2048', ciphers: ['TLS_AES_128_GCM_SHA256'] } },
    client: { groups: ['x25519'], keyShareGroups: ['x25519'], alpn: [] },
    clientData: 'echo me',
    expectData: 'echo me',
  },
];
