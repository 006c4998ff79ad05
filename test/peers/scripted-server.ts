/**
 * A scriptable TLS 1.3 server for hostile-peer tests: a raw TCP peer that
 * plays the server side of RFC 8446 step by step from a script, and can
 * deviate anywhere — arbitrary bytes, records, fragments, alerts, messages
 * out of order, altered fields, tampered (re-encrypted) records, or a close
 * at any byte.
 *
 * Test code only. It reuses the engine's codecs, key schedule and record
 * protection (a server needs the same ones) and @noble for its own keys.
 *
 *   const server = await ScriptedServer.start();
 *   const done = server.next(async (peer) => {
 *     await peer.readClientHello();
 *     peer.sendServerHello({ cipherSuite: 0x1302 });
 *     ...
 *   });
 *
 * Key changes are explicit: builders (buildX) append to the transcript and
 * return the message; send() frames it under the current write keys;
 * installHandshakeKeys()/installAppKeys() switch keys. sendServerHello() and
 * serverFlight() combine the usual steps.
 */
import * as net from 'node:net';
import { concat, Reader, utf8, Writer } from '../../src/codec.js';
import { pemToDer as pemBlocksToDer } from '../../src/crypto/pem.js';
import { nobleProvider } from '../../src/crypto/noble.js';
import type { AeadKey, GroupName, HashFunction, KeyShare, RandomSource, SignatureAlgorithm } from '../../src/crypto/provider.js';
import { AlertDescription, alertName, type AlertName } from '../../src/errors.js';
import {
  CIPHER_SUITES,
  ContentType,
  ExtensionType as ET,
  GROUPS,
  groupByCode,
  HandshakeType as HT,
  HRR_RANDOM,
  schemeByCode,
  TLS13,
  type CipherSuite,
} from '../../src/handshake/constants.js';
import { cookieExt, findExtension, type Extension } from '../../src/handshake/extensions.js';
import {
  deriveSecret,
  earlySecret,
  finishedVerifyData,
  handshakeSecret,
  masterSecret,
  nextTrafficSecret,
  trafficKeys,
} from '../../src/handshake/key-schedule.js';
import {
  decodeClientHello,
  encodeCertificate,
  encodeCertificateRequest,
  encodeCertificateVerify,
  encodeEncryptedExtensions,
  encodeFinished,
  encodeKeyUpdate,
  encodeNewSessionTicket,
  encodeServerHello,
  handshakeMessage,
  type CertificateEntry,
  type ClientHello,
  type NewSessionTicket,
} from '../../src/handshake/messages.js';
import { loadCert, type ServerCertName } from './fixtures.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

/** A deterministic random source (SHA-256 in counter mode) so runs repeat byte for byte. */
export function seededRandom(seed: string): RandomSource {
  let counter = 0;
  const s = utf8(seed);
  return (length) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 32) {
      const block = sha256(concat(s, new Writer(4).u32(counter++).finish()));
      out.set(block.subarray(0, Math.min(32, length - i)), i);
    }
    return out;
  };
}

/** One TLS record (5-byte header) with any type, version and length field. */
export function rawRecord(type: number, content: Uint8Array, version = 0x0303, length = content.length): Uint8Array {
  const out = new Uint8Array(5 + content.length);
  out[0] = type;
  out[1] = version >>> 8;
  out[2] = version & 0xff;
  out[3] = (length >>> 8) & 0xff;
  out[4] = length & 0xff;
  out.set(content, 5);
  return out;
}

export const ext = (type: number, data: Uint8Array = new Uint8Array(0)): Extension => ({ type, data });
export const u16 = (v: number): Uint8Array => new Writer(2).u16(v).finish();

/** The server's key_share extension_data: one KeyShareEntry (RFC 8446 §4.2.8). */
export const serverKeyShareData = (group: number, keyExchange: Uint8Array): Uint8Array =>
  new Writer().u16(group).opaque(2, keyExchange).finish();

export interface ClientKeyShareEntry {
  group: number;
  keyExchange: Uint8Array;
}

/** KeyShareClientHello (RFC 8446 §4.2.8); the engine only needs the server side. */
export function decodeClientKeyShares(data: Uint8Array): ClientKeyShareEntry[] {
  const r = new Reader(data, 'key_share');
  const list = r.sub(2);
  r.end();
  const out: ClientKeyShareEntry[] = [];
  while (list.remaining) out.push({ group: list.u16(), keyExchange: list.vec(2, 1) });
  return out;
}

function u16List(data: Uint8Array | undefined, lenBytes: 1 | 2 = 2): number[] {
  if (!data) return [];
  const r = new Reader(data, 'list');
  const list = r.sub(lenBytes);
  const out: number[] = [];
  while (list.remaining >= 2) out.push(list.u16());
  return out;
}

/** Server side of a key exchange for one group. */
async function serverShare(group: GroupName, clientShare: Uint8Array, random: RandomSource): Promise<{ publicKey: Uint8Array; shared: Uint8Array }> {
  if (group === 'X25519MLKEM768') {
    // draft-ietf-tls-ecdhe-mlkem: ML-KEM ciphertext then x25519 share.
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(clientShare.subarray(0, 1184), random(32));
    const x: KeyShare = await nobleProvider.generateKeyShare('x25519', random);
    const ecdh = await x.agree(clientShare.subarray(1184));
    return { publicKey: concat(cipherText, x.publicKey), shared: concat(sharedSecret, ecdh) };
  }
  const share = await nobleProvider.generateKeyShare(group, random);
  return { publicKey: share.publicKey, shared: await share.agree(clientShare) };
}

/**
 * One direction's record keys (RFC 8446 §5.2-5.3), kept apart from the
 * engine's record layer so the peer does not share its bugs.
 */
export class PeerKeys {
  seq = 0;
  constructor(
    readonly aead: AeadKey,
    readonly iv: Uint8Array,
  ) {}

  nonce(seq: number): Uint8Array {
    const n = this.iv.slice();
    const s = BigInt(seq);
    for (let i = 0; i < 8; i++) n[11 - i]! ^= Number((s >> BigInt(8 * i)) & 0xffn);
    return n;
  }

  /** Seals TLSInnerPlaintext; `header` is the additional data. */
  async seal(header: Uint8Array, inner: Uint8Array): Promise<Uint8Array> {
    return this.aead.seal(this.nonce(this.seq++), header, inner);
  }

  /** Opens a record; null when the tag fails or no content type is found. */
  async open(header: Uint8Array, body: Uint8Array): Promise<{ type: number; content: Uint8Array } | null> {
    const inner = await this.aead.open(this.nonce(this.seq++), header, body);
    if (!inner) return null;
    let i = inner.length - 1;
    while (i >= 0 && inner[i] === 0) i--;
    if (i < 0) return null;
    return { type: inner[i]!, content: inner.slice(0, i) };
  }
}

// ---------------------------------------------------------------------------
// Reading the client's bytes
// ---------------------------------------------------------------------------

class ByteQueue {
  private buf: Uint8Array = new Uint8Array(0);
  private ended = false;
  private wake: (() => void) | null = null;
  /** Every byte the client sent, for tests that look at the raw wire. */
  readonly all: Uint8Array[] = [];

  constructor(socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      const chunk = new Uint8Array(d);
      this.all.push(chunk);
      this.buf = concat(this.buf, chunk);
      this.notify();
    });
    const end = () => {
      this.ended = true;
      this.notify();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  get isEnded(): boolean {
    return this.ended && this.buf.length === 0;
  }

  /** Exactly n bytes, or null if the stream ends first. */
  async read(n: number, deadline: number): Promise<Uint8Array | null | 'timeout'> {
    while (this.buf.length < n) {
      if (this.ended) return null;
      const left = deadline - Date.now();
      if (left <= 0) return 'timeout';
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
    const out = this.buf.slice(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
}

export interface ClientRecord {
  /** The record header's type. */
  type: number;
  version: number;
  /** The content type after decryption (= type when unprotected, -1 when it did not decrypt). */
  innerType: number;
  content: Uint8Array;
  encrypted: boolean;
}

export interface ParsedClientHello extends ClientHello {
  raw: Uint8Array;
  keyShares: ClientKeyShareEntry[];
  extensionTypes: number[];
  groups: number[];
  signatureAlgorithms: number[];
  versions: number[];
}

// ---------------------------------------------------------------------------
// Options of the builders
// ---------------------------------------------------------------------------

type Mutate = (message: Uint8Array) => Uint8Array;

export interface ServerHelloOptions {
  random?: Uint8Array;
  legacyVersion?: number;
  /** Default: echo the client's legacy_session_id. */
  sessionId?: Uint8Array;
  cipherSuite?: number;
  compression?: number;
  /** Which of the client's shares to answer (default x25519, else the first). */
  group?: GroupName;
  /** Replaces our key_exchange bytes (no keys can be derived then). */
  keyExchange?: Uint8Array;
  /** Group code claimed in key_share (default: the group answered). */
  claimGroup?: number;
  /** supported_versions value; null leaves the extension out. */
  selectedVersion?: number | null;
  /** Edits the extension list (default: supported_versions, key_share). */
  extensions?: (exts: Extension[]) => Extension[];
  /** Accept this PSK (RFC 8446 §4.2.11): the key schedule starts from it. */
  psk?: Uint8Array;
  /** selected_identity sent in pre_shared_key (default 0; needs `psk` or `pskClaimOnly`). */
  selectedIdentity?: number;
  /** Send pre_shared_key without using a PSK in the key schedule. */
  pskClaimOnly?: boolean;
  /** Applied to the encoded message before it enters the transcript. */
  mutate?: Mutate;
}

export interface HrrOptions {
  /** Group to ask for; null leaves key_share out. */
  group?: GroupName | number | null;
  cookie?: Uint8Array | null;
  cipherSuite?: number;
  sessionId?: Uint8Array;
  selectedVersion?: number | null;
  extensions?: (exts: Extension[]) => Extension[];
  mutate?: Mutate;
}

export interface CertificateOptions {
  chain?: readonly Uint8Array[];
  context?: Uint8Array;
  entries?: CertificateEntry[];
  mutate?: Mutate;
}

export interface CertificateVerifyOptions {
  /** SignatureScheme code sent (default: the one matching the key). */
  scheme?: number;
  /** The algorithm actually used to sign (default: the key's). */
  signWith?: SignatureAlgorithm;
  /** Context string (default "TLS 1.3, server CertificateVerify"). */
  context?: string;
  /** Transcript hash signed over (default: the real one). */
  transcriptHash?: Uint8Array;
  /** Replaces the signature. */
  signature?: Uint8Array;
  mutate?: Mutate;
}

export interface FinishedOptions {
  /** Flip this bit of verify_data (0 = most significant bit of the first byte). */
  flipBit?: number;
  verifyData?: Uint8Array;
  mutate?: Mutate;
}

export interface SendOptions {
  /** Record content sizes: one number = at most that many bytes a record; a list = exact sizes, the rest in one record. */
  fragment?: number | readonly number[];
  /** Content type (default handshake). */
  type?: number;
  /** Record version in the header. */
  version?: number;
}

export interface EncryptedRecordOptions {
  padding?: number;
  /** Outer (header) type; default application_data. */
  outerType?: number;
  version?: number;
  /** Edits the sealed record (header included) before it is written. */
  mutate?: (record: Uint8Array) => Uint8Array;
}

const SERVER_CV_CONTEXT = 'TLS 1.3, server CertificateVerify';

interface Identity {
  chain: Uint8Array[];
  key: Uint8Array;
  scheme: number;
  alg: SignatureAlgorithm;
}

const identities = new Map<ServerCertName, Identity>();
/** The fixture's chain and key, with the CertificateVerify scheme that fits the key. */
export function serverIdentity(name: ServerCertName = 'server-p256'): Identity {
  let id = identities.get(name);
  if (!id) {
    const c = loadCert(name);
    const chain = pemBlocksToDer(c.chain, 'CERTIFICATE');
    const key = pemBlocksToDer(c.key, 'PRIVATE KEY')[0]!;
    const scheme =
      name === 'server-ed25519'
        ? 0x0807
        : name === 'server-p384'
          ? 0x0503
          : name === 'server-rsa2048' || name === 'server-rsa-chain'
            ? 0x0804
            : 0x0403;
    id = { chain, key, scheme, alg: schemeByCode(scheme)!.alg };
    identities.set(name, id);
  }
  return id;
}

// ---------------------------------------------------------------------------
// The peer
// ---------------------------------------------------------------------------

export interface PeerOptions {
  identity?: ServerCertName;
  random?: RandomSource;
  /** Makes the peer for the connection (default a TLS 1.3 ScriptedPeer; scripted-server12.ts has the TLS 1.2 one). */
  create?: (socket: net.Socket, options: PeerOptions) => ScriptedPeer;
}

export class ScriptedPeer {
  readonly input: ByteQueue;
  readonly random: RandomSource;
  readonly identity: Identity;

  clientHello: ParsedClientHello | null = null;
  suite: CipherSuite = CIPHER_SUITES[0]!;
  hash: HashFunction = nobleProvider.hash('SHA-256');
  /** Raw handshake messages in transcript order. */
  transcript: Uint8Array[] = [];
  group: GroupName | null = null;

  writeKeys: PeerKeys | null = null;
  readKeys: PeerKeys | null = null;
  serverHsSecret: Uint8Array | null = null;
  clientHsSecret: Uint8Array | null = null;
  serverAppSecret: Uint8Array | null = null;
  clientAppSecret: Uint8Array | null = null;
  private master: Uint8Array | null = null;
  private pendingHandshake: Uint8Array = new Uint8Array(0);
  private closed = false;

  constructor(
    readonly socket: net.Socket,
    options: PeerOptions = {},
  ) {
    this.input = new ByteQueue(socket);
    this.random = options.random ?? seededRandom('scripted-server');
    this.identity = serverIdentity(options.identity);
    socket.on('error', () => undefined); // the client may reset at any point
    socket.on('close', () => {
      this.closed = true;
    });
  }

  get isClosed(): boolean {
    return this.closed || this.socket.destroyed;
  }

  /** Whether send() and sendAlert() protect what they send (a subclass with other keys overrides this). */
  get protecting(): boolean {
    return this.writeKeys !== null;
  }

  // ---------------------------------------------------------------- raw output

  /** Writes bytes as they are. */
  write(bytes: Uint8Array): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytes);
  }
  /** Half-closes (FIN) once written data is flushed. */
  end(): void {
    if (!this.socket.destroyed) this.socket.end();
  }
  destroy(): void {
    this.socket.destroy();
  }
  /** Waits until the kernel has taken what we wrote (for byte-exact closes). */
  flush(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || !this.socket.writable) return resolve();
      this.socket.write(new Uint8Array(0), () => resolve());
    });
  }

  /** One unprotected record. */
  sendPlainRecord(type: number, content: Uint8Array, version = 0x0303): void {
    this.write(rawRecord(type, content, version));
  }

  /** One protected record under the current write keys (RFC 8446 §5.2). */
  async sealRecord(innerType: number, content: Uint8Array, opts: EncryptedRecordOptions = {}): Promise<Uint8Array> {
    const keys = this.writeKeys;
    if (!keys) throw new Error('scripted server: no write keys');
    const inner = new Uint8Array(content.length + 1 + (opts.padding ?? 0));
    inner.set(content);
    inner[content.length] = innerType;
    const header = rawRecord(opts.outerType ?? ContentType.application_data, new Uint8Array(0), opts.version ?? 0x0303, inner.length + 16);
    const rec = concat(header, await keys.seal(header, inner));
    return opts.mutate ? opts.mutate(rec) : rec;
  }

  async sendEncrypted(innerType: number, content: Uint8Array, opts: EncryptedRecordOptions = {}): Promise<void> {
    this.write(await this.sealRecord(innerType, content, opts));
  }

  /** Handshake (or other) content in records, protected when write keys are set. */
  async send(messages: Uint8Array | readonly Uint8Array[], opts: SendOptions = {}): Promise<void> {
    const all = messages instanceof Uint8Array ? messages : concat(...messages);
    const type = opts.type ?? ContentType.handshake;
    const sizes: number[] = [];
    const f = opts.fragment ?? 16384;
    if (typeof f === 'number') {
      for (let i = 0; i < all.length; i += f) sizes.push(Math.min(f, all.length - i));
    } else {
      let used = 0;
      for (const n of f) {
        if (used >= all.length) break;
        sizes.push(Math.min(n, all.length - used));
        used += n;
      }
      if (used < all.length) sizes.push(all.length - used);
    }
    if (all.length === 0) sizes.push(0);
    let pos = 0;
    const out: Uint8Array[] = [];
    for (const n of sizes) {
      const part = all.subarray(pos, pos + n);
      pos += n;
      out.push(this.protecting ? await this.sealRecord(type, part) : rawRecord(type, part, opts.version ?? 0x0303));
    }
    this.write(concat(...out));
  }

  async sendAlert(description: AlertName | number, level = 2): Promise<void> {
    const desc = typeof description === 'number' ? description : AlertDescription[description];
    const body = Uint8Array.of(level, desc);
    if (this.protecting) await this.sendEncrypted(ContentType.alert, body);
    else this.sendPlainRecord(ContentType.alert, body);
  }

  async sendAppData(data: Uint8Array | string): Promise<void> {
    await this.sendEncrypted(ContentType.application_data, typeof data === 'string' ? utf8(data) : data);
  }

  sendChangeCipherSpec(body: Uint8Array = Uint8Array.of(1)): void {
    this.sendPlainRecord(ContentType.change_cipher_spec, body);
  }

  // ---------------------------------------------------------------- input

  /**
   * The client's next record, decrypted when we hold its keys; null at EOF,
   * 'timeout' when nothing came in time.
   */
  async readRecord(timeoutMs = 5000): Promise<ClientRecord | null | 'timeout'> {
    const deadline = Date.now() + timeoutMs;
    const header = await this.input.read(5, deadline);
    if (header === null || header === 'timeout') return header;
    const len = (header[3]! << 8) | header[4]!;
    const body = await this.input.read(len, deadline);
    if (body === null || body === 'timeout') return body;
    const type = header[0]!;
    const version = (header[1]! << 8) | header[2]!;
    if (type === ContentType.application_data && this.readKeys) {
      try {
        const opened = await this.readKeys.open(header, body);
        if (opened) return { type, version, innerType: opened.type, content: opened.content, encrypted: true };
      } catch {
        // fall through: not decryptable
      }
      return { type, version, innerType: -1, content: body, encrypted: true };
    }
    return { type, version, innerType: type, content: body, encrypted: false };
  }

  /** The next complete handshake message from the client (change_cipher_spec skipped). */
  async readHandshake(timeoutMs = 5000): Promise<Uint8Array> {
    for (;;) {
      const p = this.pendingHandshake;
      if (p.length >= 4) {
        const len = (p[1]! << 16) | (p[2]! << 8) | p[3]!;
        if (p.length >= 4 + len) {
          const msg = p.slice(0, 4 + len);
          this.pendingHandshake = p.slice(4 + len);
          return msg;
        }
      }
      const rec = await this.readRecord(timeoutMs);
      if (rec === null || rec === 'timeout') throw new Error(`scripted server: client sent no handshake message (${rec ?? 'EOF'})`);
      if (rec.innerType === ContentType.change_cipher_spec) continue;
      if (rec.innerType === ContentType.alert) {
        throw new Error(`scripted server: client sent alert ${alertName(rec.content[1] ?? -1)} instead of a handshake message`);
      }
      if (rec.innerType !== ContentType.handshake) throw new Error(`scripted server: unexpected client record ${rec.innerType}`);
      this.pendingHandshake = concat(this.pendingHandshake, rec.content);
    }
  }

  /**
   * What the client put on the wire after the script: the first alert's
   * name, null when it closed without one, 'timeout' when it did neither.
   */
  async clientAlert(timeoutMs = 3000): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rec = await this.readRecord(Math.max(1, deadline - Date.now()));
      if (rec === null) return null;
      if (rec === 'timeout') return 'timeout';
      if (rec.innerType === -1) return 'undecryptable';
      if (rec.innerType === ContentType.alert) return alertName(rec.content[1] ?? -1);
      if (rec.innerType === ContentType.handshake && this.readKeys && this.clientAppSecret) {
        // The client's Finished or KeyUpdate: follow its key changes.
        await this.followClientHandshake(rec.content);
      }
    }
  }

  private async followClientHandshake(content: Uint8Array): Promise<void> {
    if (content[0] === HT.finished && this.clientAppSecret && this.readKeys && !this.clientFinishedSeen) {
      this.clientFinishedSeen = true;
      this.readKeys = await this.protection(this.clientAppSecret);
    } else if (content[0] === HT.key_update && this.clientAppSecret) {
      this.clientAppSecret = nextTrafficSecret(this.hash, this.clientAppSecret);
      this.readKeys = await this.protection(this.clientAppSecret);
    }
  }
  private clientFinishedSeen = false;

  /** Reads the ClientHello (again, after a HelloRetryRequest) and adds it to the transcript. */
  async readClientHello(): Promise<ParsedClientHello> {
    const raw = await this.readHandshake();
    if (raw[0] !== HT.client_hello) throw new Error(`scripted server: expected ClientHello, got ${raw[0]}`);
    const ch = decodeClientHello(raw.subarray(4));
    const exts = ch.extensions;
    const ks = findExtension(exts, ET.key_share);
    this.clientHello = {
      ...ch,
      raw,
      keyShares: ks ? decodeClientKeyShares(ks) : [],
      extensionTypes: exts.map((e) => e.type),
      groups: u16List(findExtension(exts, ET.supported_groups)),
      signatureAlgorithms: u16List(findExtension(exts, ET.signature_algorithms)),
      versions: u16List(findExtension(exts, ET.supported_versions), 1),
    };
    this.transcript.push(raw);
    return this.clientHello;
  }

  // ---------------------------------------------------------------- key schedule

  transcriptHash(extra: readonly Uint8Array[] = []): Uint8Array {
    return this.hash.digest(concat(...this.transcript, ...extra));
  }

  private async protection(secret: Uint8Array): Promise<PeerKeys> {
    const { key, iv } = trafficKeys(this.hash, secret, this.suite.keyLength);
    return new PeerKeys(await nobleProvider.aead(this.suite.aead, key), iv);
  }

  private setSuite(code: number): void {
    const s = CIPHER_SUITES.find((c) => c.code === code);
    if (s) {
      this.suite = s;
      this.hash = nobleProvider.hash(s.hash);
    }
  }

  /** Server write: handshake keys; client read: its handshake keys. */
  async installHandshakeKeys(): Promise<void> {
    if (!this.serverHsSecret || !this.clientHsSecret) throw new Error('scripted server: no handshake secrets');
    this.writeKeys = await this.protection(this.serverHsSecret);
    this.readKeys = await this.protection(this.clientHsSecret);
  }

  /** Server write: application keys (after our Finished). */
  async installAppKeys(): Promise<void> {
    if (!this.serverAppSecret) throw new Error('scripted server: no application secrets (build Finished first)');
    this.writeKeys = await this.protection(this.serverAppSecret);
  }

  /** Our next write key (RFC 8446 §7.2), as after sending a KeyUpdate. */
  async updateWriteKeys(): Promise<void> {
    this.serverAppSecret = nextTrafficSecret(this.hash, this.serverAppSecret!);
    this.writeKeys = await this.protection(this.serverAppSecret);
  }

  // ---------------------------------------------------------------- handshake messages

  private defaultSuite(): number {
    const offered = this.clientHello?.cipherSuites ?? [];
    return offered.find((c) => CIPHER_SUITES.some((s) => s.code === c)) ?? 0x1301;
  }

  private pickShare(group?: GroupName): ClientKeyShareEntry | undefined {
    const shares = this.clientHello?.keyShares ?? [];
    if (group) return shares.find((s) => s.group === GROUPS[group]);
    return shares.find((s) => s.group === GROUPS.x25519) ?? shares.find((s) => groupByCode(s.group) !== undefined);
  }

  /** ServerHello; derives the handshake secrets when the key share is genuine. */
  async buildServerHello(opts: ServerHelloOptions = {}): Promise<Uint8Array> {
    const ch = this.clientHello!;
    this.setSuite(opts.cipherSuite ?? this.defaultSuite());
    const share = this.pickShare(opts.group);
    const groupName = share ? groupByCode(share.group) : undefined;
    let publicKey = opts.keyExchange;
    let shared: Uint8Array | null = null;
    if (!publicKey && share && groupName) {
      const s = await serverShare(groupName, share.keyExchange, this.random);
      publicKey = s.publicKey;
      shared = s.shared;
      this.group = groupName;
    }
    const exts: Extension[] = [];
    if (opts.selectedVersion !== null) exts.push(ext(ET.supported_versions, u16(opts.selectedVersion ?? TLS13)));
    if (publicKey) {
      exts.push(ext(ET.key_share, serverKeyShareData(opts.claimGroup ?? share?.group ?? GROUPS.x25519, publicKey)));
    }
    if (opts.psk || opts.pskClaimOnly) exts.push(ext(ET.pre_shared_key, u16(opts.selectedIdentity ?? 0)));
    let msg = encodeServerHello({
      legacyVersion: opts.legacyVersion ?? 0x0303,
      random: opts.random ?? this.random(32),
      sessionId: opts.sessionId ?? ch.sessionId,
      cipherSuite: opts.cipherSuite ?? this.suite.code,
      compression: opts.compression ?? 0,
      extensions: opts.extensions ? opts.extensions(exts) : exts,
    });
    if (opts.mutate) msg = opts.mutate(msg);
    this.transcript.push(msg);
    if (shared) {
      const hs = handshakeSecret(this.hash, earlySecret(this.hash, opts.psk), shared);
      const th = this.transcriptHash();
      this.clientHsSecret = deriveSecret(this.hash, hs, 'c hs traffic', th);
      this.serverHsSecret = deriveSecret(this.hash, hs, 's hs traffic', th);
      this.master = masterSecret(this.hash, hs);
    }
    return msg;
  }

  /** Sends ServerHello in its own record and switches to the handshake keys. */
  async sendServerHello(opts: ServerHelloOptions = {}, send: SendOptions = {}): Promise<void> {
    const sh = await this.buildServerHello(opts);
    await this.send(sh, send);
    if (this.serverHsSecret) await this.installHandshakeKeys();
  }

  /** HelloRetryRequest (RFC 8446 §4.1.4): sends it and rewrites the transcript. */
  async sendHelloRetryRequest(opts: HrrOptions = {}): Promise<Uint8Array> {
    const ch = this.clientHello!;
    this.setSuite(opts.cipherSuite ?? this.defaultSuite());
    const exts: Extension[] = [];
    if (opts.selectedVersion !== null) exts.push(ext(ET.supported_versions, u16(opts.selectedVersion ?? TLS13)));
    const g = opts.group === undefined ? 'secp256r1' : opts.group;
    if (g !== null) exts.push(ext(ET.key_share, u16(typeof g === 'number' ? g : GROUPS[g])));
    if (opts.cookie) exts.push(cookieExt(opts.cookie));
    let msg = encodeServerHello({
      legacyVersion: 0x0303,
      random: HRR_RANDOM,
      sessionId: opts.sessionId ?? ch.sessionId,
      cipherSuite: opts.cipherSuite ?? this.suite.code,
      compression: 0,
      extensions: opts.extensions ? opts.extensions(exts) : exts,
    });
    if (opts.mutate) msg = opts.mutate(msg);
    // RFC 8446 §4.4.1: ClientHello1 becomes message_hash(Hash(ClientHello1)).
    const ch1Hash = this.hash.digest(concat(...this.transcript));
    this.transcript = [handshakeMessage(HT.message_hash, ch1Hash), msg];
    await this.send(msg);
    return msg;
  }

  buildEncryptedExtensions(exts: readonly Extension[] = [], mutate?: Mutate): Uint8Array {
    let msg = encodeEncryptedExtensions(exts);
    if (mutate) msg = mutate(msg);
    this.transcript.push(msg);
    return msg;
  }

  buildCertificateRequest(exts?: readonly Extension[], context: Uint8Array = new Uint8Array(0), mutate?: Mutate): Uint8Array {
    const defaults = [ext(ET.signature_algorithms, new Writer().vec(2, (w) => w.u16(0x0403).u16(0x0804).u16(0x0807)).finish())];
    let msg = encodeCertificateRequest({ context, extensions: [...(exts ?? defaults)] });
    if (mutate) msg = mutate(msg);
    this.transcript.push(msg);
    return msg;
  }

  buildCertificate(opts: CertificateOptions = {}): Uint8Array {
    const entries = opts.entries ?? (opts.chain ?? this.identity.chain).map((data) => ({ data, extensions: [] }));
    let msg = encodeCertificate({ context: opts.context ?? new Uint8Array(0), entries });
    if (opts.mutate) msg = opts.mutate(msg);
    this.transcript.push(msg);
    return msg;
  }

  /** The bytes a server CertificateVerify signs (RFC 8446 §4.4.3). */
  signedContent(context = SERVER_CV_CONTEXT, transcriptHash = this.transcriptHash()): Uint8Array {
    return concat(new Uint8Array(64).fill(0x20), utf8(context), Uint8Array.of(0), transcriptHash);
  }

  async buildCertificateVerify(opts: CertificateVerifyOptions = {}): Promise<Uint8Array> {
    const content = this.signedContent(opts.context, opts.transcriptHash);
    const signature =
      opts.signature ?? (await nobleProvider.sign(opts.signWith ?? this.identity.alg, this.identity.key, content));
    let msg = encodeCertificateVerify({ scheme: opts.scheme ?? this.identity.scheme, signature });
    if (opts.mutate) msg = opts.mutate(msg);
    this.transcript.push(msg);
    return msg;
  }

  /** Server Finished; also derives the application secrets (RFC 8446 §7.1). */
  buildFinished(opts: FinishedOptions = {}): Uint8Array {
    const verifyData = opts.verifyData ?? finishedVerifyData(this.hash, this.serverHsSecret!, this.transcriptHash()).slice();
    if (opts.flipBit !== undefined) verifyData[opts.flipBit >> 3]! ^= 0x80 >> (opts.flipBit & 7);
    let msg = encodeFinished(verifyData);
    if (opts.mutate) msg = opts.mutate(msg);
    this.transcript.push(msg);
    if (this.master) {
      const th = this.transcriptHash();
      this.clientAppSecret = deriveSecret(this.hash, this.master, 'c ap traffic', th);
      this.serverAppSecret = deriveSecret(this.hash, this.master, 's ap traffic', th);
    }
    return msg;
  }

  /** EncryptedExtensions, Certificate, CertificateVerify: the usual middle of the flight. */
  async buildAuthMessages(exts: readonly Extension[] = []): Promise<Uint8Array[]> {
    return [this.buildEncryptedExtensions(exts), this.buildCertificate(), await this.buildCertificateVerify()];
  }

  /** EE, Certificate, CertificateVerify, Finished in one record; then application keys. */
  async serverFlight(opts: { extensions?: readonly Extension[]; send?: SendOptions } = {}): Promise<void> {
    const msgs = await this.buildAuthMessages(opts.extensions);
    msgs.push(this.buildFinished());
    await this.send(msgs, opts.send);
    await this.installAppKeys();
  }

  /** Reads the client's second flight and checks its Finished; then its application keys. */
  async readClientFinished(): Promise<void> {
    for (;;) {
      const msg = await this.readHandshake();
      if (msg[0] === HT.finished) {
        const expected = finishedVerifyData(this.hash, this.clientHsSecret!, this.transcriptHash());
        const got = msg.subarray(4);
        if (got.length !== expected.length || got.some((b, i) => b !== expected[i])) {
          throw new Error('scripted server: client Finished does not verify');
        }
        this.transcript.push(msg);
        this.clientFinishedSeen = true;
        this.readKeys = await this.protection(this.clientAppSecret!);
        return;
      }
      this.transcript.push(msg); // client Certificate / CertificateVerify
    }
  }

  /** A whole ordinary handshake: the client ends up connected. */
  async handshake(opts: { serverHello?: ServerHelloOptions; extensions?: readonly Extension[] } = {}): Promise<void> {
    await this.readClientHello();
    await this.sendServerHello(opts.serverHello);
    await this.serverFlight({ extensions: opts.extensions });
    await this.readClientFinished();
  }

  /** The client's next application data (KeyUpdates followed); null at EOF or alert. */
  async readAppData(timeoutMs = 5000): Promise<Uint8Array | null> {
    for (;;) {
      const rec = await this.readRecord(timeoutMs);
      if (rec === null || rec === 'timeout') return null;
      if (rec.innerType === ContentType.application_data) return rec.content;
      if (rec.innerType === ContentType.handshake) {
        await this.followClientHandshake(rec.content);
        continue;
      }
      if (rec.innerType === ContentType.change_cipher_spec) continue;
      return null;
    }
  }

  newSessionTicket(t: Partial<NewSessionTicket> = {}): Uint8Array {
    return encodeNewSessionTicket({
      lifetime: t.lifetime ?? 3600,
      ageAdd: t.ageAdd ?? 0x01020304,
      nonce: t.nonce ?? Uint8Array.of(0),
      ticket: t.ticket ?? utf8('ticket'),
      extensions: t.extensions ?? [],
    });
  }

  /** Sends KeyUpdate under the current keys, then moves to the next ones. */
  async sendKeyUpdate(requestUpdate = false): Promise<void> {
    await this.send(encodeKeyUpdate(requestUpdate));
    await this.updateWriteKeys();
  }
}

// ---------------------------------------------------------------------------
// The TCP server
// ---------------------------------------------------------------------------

export type Script<T> = (peer: ScriptedPeer) => Promise<T>;
export type { Extension };

interface Pending {
  script: Script<unknown>;
  options: PeerOptions;
  resolve: (v: { peer: ScriptedPeer; result: unknown }) => void;
  reject: (e: unknown) => void;
}

export class ScriptedServer {
  private readonly queue: Pending[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    readonly server: net.Server,
    readonly host: string,
    readonly port: number,
  ) {}

  static async start(host = '127.0.0.1'): Promise<ScriptedServer> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    const addr = server.address() as net.AddressInfo;
    const s = new ScriptedServer(server, host, addr.port);
    server.on('connection', (socket) => s.accept(socket));
    return s;
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const job = this.queue.shift();
    if (!job) {
      socket.destroy();
      return;
    }
    const peer = job.options.create ? job.options.create(socket, job.options) : new ScriptedPeer(socket, job.options);
    job.script(peer).then(
      (result) => job.resolve({ peer, result }),
      (e) => {
        socket.destroy();
        job.reject(e);
      },
    );
  }

  /**
   * Runs `script` on the next connection. Resolves with the peer (for
   * looking at what the client sent afterwards) and the script's result.
   */
  next<T>(script: Script<T>, options: PeerOptions = {}): Promise<{ peer: ScriptedPeer; result: T }> {
    return new Promise((resolve, reject) => {
      this.queue.push({
        script,
        options,
        resolve: resolve as Pending['resolve'],
        reject,
      });
    });
  }

  /** Drops scripts no connection has taken yet (their promises reject); returns how many. */
  clearPending(): number {
    const jobs = this.queue.splice(0);
    for (const j of jobs) j.reject(new Error('scripted server: no connection came for this script'));
    return jobs.length;
  }

  /** Connections still open. */
  get openConnections(): number {
    return this.sockets.size;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
