/**
 * Drives the sans-IO client core with recorded server bytes: the same
 * injected randomness makes the same ClientHello, so a flight recorded from
 * a real server replays byte for byte — and can be re-framed, decrypted,
 * mutated and re-encrypted, because the replay learns the server's traffic
 * secrets from the core's trace.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { concat, fromHex, toHex } from '../../src/codec.js';
import { nobleProvider } from '../../src/crypto/noble.js';
import type { RandomSource } from '../../src/crypto/provider.js';
import { TlsError } from '../../src/errors.js';
import { ClientConnection, type ClientConfig, type ConnectionInfo } from '../../src/handshake/client.js';
import type { TlsVersion } from '../../src/handshake/config.js';
import {
  CIPHER_SUITES,
  ContentType as CT,
  SIGNATURE_SCHEMES,
  TLS12_CIPHER_SUITES,
  type CipherSuite,
  type Tls12CipherSuite,
} from '../../src/handshake/constants.js';
import { trafficKeys } from '../../src/handshake/key-schedule.js';
import { spkiOfCertificate } from '../../src/verify/cert.js';
import { PeerKeys, rawRecord } from '../peers/scripted-server.js';
import { PeerKeys12 } from '../peers/scripted-server12.js';

export const FUZZ_DIR = path.dirname(fileURLToPath(import.meta.url));
export const CORPUS_DIR = path.join(FUZZ_DIR, 'corpus');
export const REGRESSIONS_DIR = path.join(FUZZ_DIR, 'regressions');

/** The client settings a corpus flight was recorded with (all else is fixed below). */
export interface ClientKnobs {
  groups: ClientConfig['groups'];
  keyShareGroups: ClientConfig['keyShareGroups'];
  alpn: string[];
  /** TLS 1.2 offered too ('also') or alone ('only'); absent: TLS 1.3 only, as the first flights were recorded. */
  tls12?: 'also' | 'only';
}

/** A server's bytes, recorded from a real server with injected client randomness. */
export interface RecordedFlight {
  name: string;
  /** Which server, with which options. */
  source: string;
  recordedAt: string;
  client: ClientKnobs;
  /** Every random draw the client made, in order (hex). */
  random: string[];
  /** What the client wrote after the handshake (hex), for the record. */
  clientData: string;
  /** The server's bytes, one entry per TCP read (hex). */
  server: string[];
  /** What the replay must end with. */
  expect: { cipherSuite: string; group: string; data: string; helloRetryRequest: boolean; version?: TlsVersion };
}

export const FIXED_NOW = 1_800_000_000_000;

/** Hands out recorded draws; asks for the same lengths or fails loudly. */
export function replayRandom(draws: readonly string[]): RandomSource {
  let i = 0;
  return (n) => {
    const v = draws[i++];
    if (v === undefined) throw new Error(`replay: unexpected random draw #${i} of ${n} bytes`);
    const b = fromHex(v);
    if (b.length !== n) throw new Error(`replay: draw #${i} is ${b.length} bytes, asked ${n}`);
    return b;
  };
}

/** Records every draw of `inner` (for the recorder). */
export function recordingRandom(inner: RandomSource, into: string[]): RandomSource {
  return (n) => {
    const v = inner(n);
    into.push(toHex(v));
    return v;
  };
}

export function coreConfig(knobs: ClientKnobs, random: RandomSource, extra: Partial<ClientConfig> = {}): ClientConfig {
  return {
    serverName: 'localhost',
    provider: nobleProvider,
    random,
    cipherSuites: knobs.tls12 === 'only' ? [] : CIPHER_SUITES,
    tls12CipherSuites: knobs.tls12 ? TLS12_CIPHER_SUITES : undefined,
    groups: knobs.groups,
    keyShareGroups: knobs.keyShareGroups,
    signatureSchemes: SIGNATURE_SCHEMES,
    alpn: knobs.alpn,
    // The corpus carries its own certificates; chain checks are the verifier's tests.
    verifyChain: async () => undefined,
    leafPublicKey: spkiOfCertificate,
    earlyData: false,
    retryRejectedEarlyData: true,
    postHandshakeAuth: false,
    middleboxCompat: true,
    recordSizeLimit: 16385,
    padding: 0,
    maxHandshakeMessage: 131072,
    maxCertificateChain: 10,
    maxPostHandshakePerSecond: 32,
    keyUpdateAfterRecords: 2 ** 24,
    now: () => FIXED_NOW,
    ...extra,
  };
}

export interface CoreRun {
  error: TlsError | null;
  /** Anything thrown that was not a TlsError (always a bug). */
  foreign: unknown;
  info: ConnectionInfo | null;
  data: string;
  peerClosed: boolean;
  /** Records the client sent. */
  sent: Uint8Array[];
  trace: Map<string, Uint8Array>;
  /** receive() did not settle in time. */
  hung: boolean;
}

/** A fresh core fed `chunks` in order; settles within `timeoutMs`. */
export async function runCore(
  flight: RecordedFlight,
  chunks: readonly Uint8Array[],
  opts: { extra?: Partial<ClientConfig>; timeoutMs?: number } = {},
): Promise<CoreRun> {
  const run: CoreRun = { error: null, foreign: null, info: null, data: '', peerClosed: false, sent: [], trace: new Map(), hung: false };
  const dec = new TextDecoder();
  const core = new ClientConnection(
    coreConfig(flight.client, replayRandom(flight.random), {
      trace: (label, value) => run.trace.set(label, value.slice()),
      ...opts.extra,
    }),
    {
      send: (d) => run.sent.push(d.slice()),
      data: (d) => {
        run.data += dec.decode(d, { stream: true });
      },
      handshakeComplete: (info) => {
        run.info = info;
      },
      peerClosed: () => {
        run.peerClosed = true;
      },
    },
  );
  const work = (async () => {
    await core.start();
    for (const c of chunks) {
      await core.receive(c);
      if (core.error) break;
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), opts.timeoutMs ?? 10_000);
  });
  try {
    const r = await Promise.race([work.then(() => 'done' as const), timeout]);
    if (r === 'hung') run.hung = true;
  } catch (e) {
    if (e instanceof TlsError) run.error = e;
    else run.foreign = e;
  } finally {
    clearTimeout(timer);
  }
  if (!run.error && core.error) run.error = core.error;
  return run;
}

export function loadCorpus(): RecordedFlight[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(CORPUS_DIR, f), 'utf8')) as RecordedFlight);
}

export const serverBytes = (f: RecordedFlight): Uint8Array => concat(...f.server.map(fromHex));

// ---------------------------------------------------------------------------
// Opening a flight: records -> plaintext, and back
// ---------------------------------------------------------------------------

export interface WireRecord {
  type: number;
  version: number;
  body: Uint8Array;
}

/** Splits a byte stream into records (the tail, if incomplete, is dropped). */
export function splitRecords(bytes: Uint8Array): WireRecord[] {
  const out: WireRecord[] = [];
  let i = 0;
  while (i + 5 <= bytes.length) {
    const len = (bytes[i + 3]! << 8) | bytes[i + 4]!;
    if (i + 5 + len > bytes.length) break;
    out.push({ type: bytes[i]!, version: (bytes[i + 1]! << 8) | bytes[i + 2]!, body: bytes.slice(i + 5, i + 5 + len) });
    i += 5 + len;
  }
  return out;
}

/**
 * A server flight as the plaintext it carries: the unprotected handshake
 * bytes (HelloRetryRequest, ServerHello; in TLS 1.2 ServerHello ..
 * ServerHelloDone and NewSessionTicket), the handshake-key messages
 * (EncryptedExtensions .. Finished; in TLS 1.2 Finished), and the
 * application-key records. TLS 1.2 has one key for all protected records.
 */
export interface OpenedFlight {
  version: TlsVersion;
  suite: CipherSuite | Tls12CipherSuite;
  plainHandshake: Uint8Array;
  /** Unprotected records that are not handshake (change_cipher_spec), with their position. */
  ccsAfterPlain: boolean;
  handshake: Uint8Array;
  app: Array<{ type: number; content: Uint8Array }>;
  serverHsSecret: Uint8Array;
  serverAppSecret: Uint8Array;
  /** TLS 1.2: server_write_key and server_write_IV (RFC 5246 §6.3). */
  serverKey12?: { key: Uint8Array; iv: Uint8Array };
}

async function keysFor(suite: CipherSuite, secret: Uint8Array): Promise<PeerKeys> {
  const hash = nobleProvider.hash(suite.hash);
  const { key, iv } = trafficKeys(hash, secret, suite.keyLength);
  return new PeerKeys(await nobleProvider.aead(suite.aead, key), iv);
}

async function keys12(suite: Tls12CipherSuite, k: { key: Uint8Array; iv: Uint8Array }): Promise<PeerKeys12> {
  return new PeerKeys12(await nobleProvider.aead(suite.aead, k.key), k.iv, suite.explicitNonceLength);
}

/** TLS 1.2: plaintext handshake records up to the ChangeCipherSpec, then everything under the server write key. */
async function openFlight12(flight: RecordedFlight, run: CoreRun): Promise<OpenedFlight> {
  const suite = TLS12_CIPHER_SUITES.find((s) => s.name === run.info!.cipherSuite)!;
  const serverKey12 = { key: run.trace.get('server_write_key')!, iv: run.trace.get('server_write_iv')! };
  const keys = await keys12(suite, serverKey12);
  const plain: Uint8Array[] = [];
  const hs: Uint8Array[] = [];
  const app: OpenedFlight['app'] = [];
  let ccs = false;
  for (const rec of splitRecords(serverBytes(flight))) {
    if (!ccs) {
      if (rec.type === CT.change_cipher_spec) ccs = true;
      else if (rec.type === CT.handshake) plain.push(rec.body);
      else throw new Error(`openFlight: unexpected record ${rec.type} before the ChangeCipherSpec`);
      continue;
    }
    const o = await keys.open(rawRecord(rec.type, new Uint8Array(0), rec.version, rec.body.length), rec.body);
    if (!o) throw new Error('openFlight: TLS 1.2 record does not decrypt');
    if (o.type === CT.handshake && app.length === 0) hs.push(o.content);
    else app.push(o);
  }
  const none = new Uint8Array(0);
  return { version: 'TLSv1.2', suite, plainHandshake: concat(...plain), ccsAfterPlain: ccs, handshake: concat(...hs), app, serverHsSecret: none, serverAppSecret: none, serverKey12 };
}

/** Replays `flight` once and decrypts what the server sent with the secrets the client derived. */
export async function openFlight(flight: RecordedFlight): Promise<OpenedFlight> {
  const run = await runCore(flight, flight.server.map(fromHex));
  if (!run.info) throw new Error(`corpus ${flight.name} does not replay: ${run.error?.toDebugString() ?? String(run.foreign)}`);
  if (run.info.version === 'TLSv1.2') return openFlight12(flight, run);
  const suite = CIPHER_SUITES.find((s) => s.name === run.info!.cipherSuite)!;
  const sHs = run.trace.get('server_handshake_traffic_secret')!;
  const sAp = run.trace.get('server_application_traffic_secret_0')!;
  const hsKeys = await keysFor(suite, sHs);
  const apKeys = await keysFor(suite, sAp);
  const plain: Uint8Array[] = [];
  const hs: Uint8Array[] = [];
  const app: OpenedFlight['app'] = [];
  let ccs = false;
  let finished = false;
  for (const rec of splitRecords(serverBytes(flight))) {
    if (rec.type === CT.handshake) plain.push(rec.body);
    else if (rec.type === CT.change_cipher_spec) ccs = true;
    else if (rec.type === CT.application_data) {
      const header = rawRecord(rec.type, new Uint8Array(0), rec.version, rec.body.length);
      if (!finished) {
        const o = await hsKeys.open(header, rec.body);
        if (!o) throw new Error('openFlight: handshake record does not decrypt');
        hs.push(o.content);
        // Finished is the last handshake-key message (type 20).
        const all = concat(...hs);
        finished = lastMessageType(all) === 20;
      } else {
        const o = await apKeys.open(header, rec.body);
        if (!o) throw new Error('openFlight: application record does not decrypt');
        app.push(o);
      }
    }
  }
  return { version: 'TLSv1.3', suite, plainHandshake: concat(...plain), ccsAfterPlain: ccs, handshake: concat(...hs), app, serverHsSecret: sHs, serverAppSecret: sAp };
}

function lastMessageType(stream: Uint8Array): number {
  let i = 0;
  let last = -1;
  while (i + 4 <= stream.length) {
    last = stream[i]!;
    i += 4 + ((stream[i + 1]! << 16) | (stream[i + 2]! << 8) | stream[i + 3]!);
  }
  return last;
}

/** Cuts `data` into records of the given sizes (the rest in one more). */
export function cut(data: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pos = 0;
  for (const n of sizes) {
    if (pos >= data.length) break;
    out.push(data.subarray(pos, Math.min(data.length, pos + n)));
    pos += n;
  }
  if (pos < data.length) out.push(data.subarray(pos));
  return out;
}

export interface Reframe {
  /** Record sizes for the unprotected handshake bytes. */
  plainSizes?: readonly number[];
  /** Record sizes for the handshake-key messages. */
  handshakeSizes?: readonly number[];
  /** Replaces the plaintext handshake-key messages. */
  handshake?: Uint8Array;
  /** Replaces the unprotected handshake bytes. */
  plainHandshake?: Uint8Array;
  /** Replaces the application-key records' plaintext. */
  app?: OpenedFlight['app'];
}

/** Serialises an opened flight again, re-encrypting under the recorded secrets. */
export async function closeFlight(o: OpenedFlight, r: Reframe = {}): Promise<Uint8Array> {
  const out: Uint8Array[] = [];
  for (const part of cut(r.plainHandshake ?? o.plainHandshake, r.plainSizes ?? [])) {
    out.push(rawRecord(CT.handshake, part));
  }
  if (o.ccsAfterPlain) out.push(rawRecord(CT.change_cipher_spec, Uint8Array.of(1)));
  if (o.version === 'TLSv1.2') {
    // RFC 5246 §6.2.3.3: Finished and what follows under one key, one sequence.
    const keys = await keys12(o.suite as Tls12CipherSuite, o.serverKey12!);
    for (const part of cut(r.handshake ?? o.handshake, r.handshakeSizes ?? [16384])) out.push(await keys.seal(CT.handshake, part));
    for (const rec of r.app ?? o.app) out.push(await keys.seal(rec.type, rec.content));
    return concat(...out);
  }
  const hsKeys = await keysFor(o.suite as CipherSuite, o.serverHsSecret);
  for (const part of cut(r.handshake ?? o.handshake, r.handshakeSizes ?? [16384])) {
    out.push(await seal(hsKeys, CT.handshake, part));
  }
  const apKeys = await keysFor(o.suite as CipherSuite, o.serverAppSecret);
  for (const rec of r.app ?? o.app) out.push(await seal(apKeys, rec.type, rec.content));
  return concat(...out);
}

async function seal(keys: PeerKeys, type: number, content: Uint8Array): Promise<Uint8Array> {
  const inner = concat(content, Uint8Array.of(type));
  const header = rawRecord(CT.application_data, new Uint8Array(0), 0x0303, inner.length + 16);
  return concat(header, await keys.seal(header, inner));
}
