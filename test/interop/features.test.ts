/**
 * Issue 4, "What it must show": each protocol feature against a real peer,
 * `openssl s_server -tls1_3` on loopback, with certificate verification on
 * (ca = the test root). Every case checks our ConnectionInfo *and* what the
 * server printed (its -msg trace, its own status lines).
 *
 * KeyUpdate lives in features-keyupdate.test.ts and X25519MLKEM768 (Node 26
 * with OpenSSL 3.5) in features-mlkem.test.ts.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connector, MemorySessionStore, TlsError, type ConnectionInfo, type StoredSession } from '../../src/index.js';
import type { ConnectorOptions } from '../../src/options.js';
import { connect, type NodeConnectOptions, type TlsConnection } from '../../src/node.js';
import {
  certFiles,
  CLIENT_CERTS,
  loadCert,
  startOpenSslServer,
  type ClientCertName,
  type OpenSslServer,
  type OpenSslServerOptions,
} from '../peers/index.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const root = () => loadCert('root').cert;
const reverse = (line: string) => [...line].reverse().join('');

/** Client groups offering an x25519 key share first, P-256/384/521 supported. */
const CLASSIC_GROUPS = ['x25519', 'secp256r1', 'secp384r1', 'secp521r1'] as const;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------
// A line-oriented client over src/node.js connect()
// ---------------------------------------------------------------------------

interface LineClient {
  readonly conn: TlsConnection;
  readonly info: ConnectionInfo;
  send(text: string): Promise<void>;
  /** Resolves with all text received so far once `pattern` appears in it. */
  until(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Sends a line to an `-rev` server and checks the reversed reply. */
  roundTrip(line: string): Promise<void>;
  /** The error that ended the plaintext stream, once it has. */
  readonly error: unknown;
  /** Resolves when the plaintext stream has ended (cleanly or not). */
  readonly ended: Promise<void>;
  close(): Promise<void>;
}

async function open(port: number, options: Omit<NodeConnectOptions, 'host' | 'port'>): Promise<LineClient> {
  const conn = await connect({ host: '127.0.0.1', port, servername: 'localhost', ca: root(), ...options });
  return lineClient(conn, conn.info);
}

function lineClient(conn: TlsConnection, info: ConnectionInfo): LineClient {
  const reader = conn.readable.getReader();
  const writer = conn.writable.getWriter();
  let text = '';
  let ended = false;
  let error: unknown;
  const waiters = new Set<() => void>();
  const readLoop = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += dec(value);
        for (const w of [...waiters]) w();
      }
    } catch (e) {
      error = e;
    } finally {
      ended = true;
      for (const w of [...waiters]) w();
    }
  })();
  const until = (pattern: RegExp | string, timeoutMs = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const hit = () => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
      const check = () => {
        if (hit()) {
          done();
          resolve(text);
        } else if (ended) {
          done();
          reject(error ?? new Error(`stream ended before ${String(pattern)}; got ${JSON.stringify(text.slice(-300))}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${String(pattern)}; got ${JSON.stringify(text.slice(-300))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return {
    conn,
    info,
    send: (t) => writer.write(enc(t)),
    until,
    async roundTrip(line) {
      const before = text.length;
      await writer.write(enc(`${line}\n`));
      await until(`${reverse(line)}\n`);
      expect(text.slice(before)).toBe(`${reverse(line)}\n`);
    },
    get error() {
      return error;
    },
    ended: readLoop,
    async close() {
      writer.releaseLock();
      await withTimeout(conn.close(), 10_000, 'close');
    },
  };
}

/** Waits until the engine has handed `n` NewSessionTickets to the store. */
async function ticketsArrived(store: RecordingStore, n = 1): Promise<void> {
  const deadline = Date.now() + 5000;
  while (store.puts.length < n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} session tickets, got ${store.puts.length}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A MemorySessionStore that remembers every ticket it was given. */
class RecordingStore extends MemorySessionStore {
  readonly puts: Array<{ key: string; session: StoredSession }> = [];
  override put(key: string, session: StoredSession): void {
    this.puts.push({ key, session });
    super.put(key, session);
  }
  /**
   * The engine's key for `port`: `name:port|trust policy`. Tests that move a
   * ticket to another server keep the policy part (same `ca`, same trust).
   */
  keyFor(port: number): string {
    const key = this.puts[0]?.key;
    if (!key) throw new Error('no ticket stored yet');
    return key.replace(/:\d+\|/, `:${port}|`);
  }
}

// ---------------------------------------------------------------------------
// A Connector-level client that can write before the handshake completes (0-RTT)
// ---------------------------------------------------------------------------

/** The socket's bytes as a web stream (copied: the engine may keep references). */
function socketStream(socket: net.Socket): ReadableStream<Uint8Array> {
  let closed = false;
  return new ReadableStream<Uint8Array>({
    start(ctl) {
      socket.on('data', (d: Buffer) => {
        if (!closed) ctl.enqueue(new Uint8Array(d));
      });
      const end = () => {
        if (closed) return;
        closed = true;
        ctl.close();
      };
      socket.once('end', end);
      socket.once('close', end);
      socket.once('error', (e) => {
        if (closed) return;
        closed = true;
        ctl.error(e);
      });
    },
    cancel() {
      closed = true;
      socket.destroy();
    },
  });
}

/**
 * Connects with a Connector and writes `early` before the handshake
 * completes: the engine sends it as 0-RTT data when the ticket allows (and
 * resends it after the handshake if rejected). `when`: the write goes into
 * the cleartext stream right after connect() was called, or is already
 * queued there (a turn of the event loop) before connect() is called.
 */
async function openEarly(
  port: number,
  options: ConnectorOptions,
  early: string,
  when: 'after-connect' | 'before-connect' = 'after-connect',
): Promise<LineClient & { connector: Connector }> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const connector = new Connector({ port, ca: root(), ...options });
  const cleartext = new TransformStream<Uint8Array, Uint8Array>();
  const [ciphertext, sent] = connector.send(cleartext.readable);
  const [plaintext, received] = connector.receive(socketStream(socket));
  sent.catch(() => undefined);
  received.catch(() => undefined);
  const pumped = (async () => {
    const r = ciphertext.getReader();
    try {
      for (;;) {
        const { done, value } = await r.read();
        if (done) break;
        if (!socket.write(value)) await Promise.race([once(socket, 'drain'), once(socket, 'close')]);
      }
    } finally {
      if (!socket.destroyed) socket.end();
    }
  })();
  pumped.catch(() => undefined);

  const writer = cleartext.writable.getWriter();
  let connecting: Promise<ConnectionInfo>;
  let wrote: Promise<void>;
  if (when === 'after-connect') {
    connecting = connector.connect('localhost');
    wrote = writer.write(enc(early));
  } else {
    wrote = writer.write(enc(early));
    await new Promise((r) => setImmediate(r));
    connecting = connector.connect('localhost');
  }
  wrote.catch(() => undefined);
  writer.releaseLock();
  let info: ConnectionInfo;
  try {
    info = await withTimeout(connecting, 10_000, 'handshake');
  } catch (e) {
    socket.destroy();
    throw e;
  }
  const conn: TlsConnection = {
    readable: plaintext,
    writable: cleartext.writable,
    info,
    sent,
    received,
    exportKeyingMaterial: (l, c, n) => connector.exportKeyingMaterial(l, c, n),
    keyUpdate: (req = true) => connector.keyUpdate(req),
    async close() {
      await cleartext.writable.close().catch(() => undefined);
      await sent.catch(() => undefined);
      await pumped.catch(() => undefined);
      socket.destroy();
    },
  };
  return Object.assign(lineClient(conn, info), { connector });
}

// ---------------------------------------------------------------------------
// openssl helpers
// ---------------------------------------------------------------------------

async function startServer(options: Partial<OpenSslServerOptions> = {}): Promise<OpenSslServer> {
  return startOpenSslServer({ fixture: 'server-p256', ...options });
}

/*
 * s_server prints its -msg trace on stdout and its status lines (rev mode:
 * "CONNECTION ESTABLISHED", "Peer certificate: ...", "CONNECTION CLOSED") on
 * stderr: the two pipes are not ordered with respect to each other, so each
 * wait below names the line it needs.
 */

/**
 * The server received our close_notify and is done with the connection
 * started after `mark`. (Its own close_notify is written last and may sit in
 * s_server's stdout buffer until the next connection, so it is not waited for.)
 */
async function closedCleanly(server: OpenSslServer, mark: number): Promise<string> {
  await server.waitForOutput(/^<<< [^\n]*Alert \[length 0002\], warning close_notify$/m, { since: mark });
  await server.waitForOutput(/CONNECTION CLOSED|shutting down SSL/, { since: mark });
  return server.process.outputSince(mark);
}

/**
 * The fatal alerts the server sent after `mark`, as numbers (from the -msg hex
 * dump). Only fatal ones: the previous connection's closing close_notify may
 * be flushed from s_server's stdout after `mark`.
 */
function sentFatalAlerts(server: OpenSslServer, mark: number): number[] {
  const re = /^>>> [^\n]*Alert \[length 0002\][^\n]*\n {4}02 ([0-9a-f]{2})/gm;
  return [...server.process.outputSince(mark).matchAll(re)].map((m) => parseInt(m[1]!, 16));
}

async function waitForSentAlert(server: OpenSslServer, mark: number, code: number): Promise<void> {
  const hex = code.toString(16).padStart(2, '0');
  await server.waitForOutput(new RegExp(`^>>> [^\\n]*Alert \\[length 0002\\][^\\n]*\\n {4}02 ${hex}`, 'm'), { since: mark });
}

let exchangeCounter = 0;
/** With a stdio-mode s_server: one line each way. */
async function exchange(server: OpenSslServer, c: LineClient, mark: number): Promise<void> {
  const n = ++exchangeCounter;
  await c.send(`to server ${n}\n`);
  await server.waitForOutput(`to server ${n}\n`, { since: mark });
  server.write(`to client ${n}\n`);
  await c.until(`to client ${n}\n`);
}

/** The hex bytes -msg printed for the first handshake message `name` received (<<<) after `mark`. */
function receivedMessageBytes(server: OpenSslServer, mark: number, name: string): Buffer | undefined {
  const lines = server.process.outputSince(mark).split('\n');
  const i = lines.findIndex((l) => new RegExp(`^<<< TLS [^,]*, Handshake \\[length [0-9a-f]+\\], ${name}\\s*$`).test(l));
  if (i < 0) return undefined;
  const hex: string[] = [];
  for (let j = i + 1; j < lines.length && /^ {4}[0-9a-f]{2}( [0-9a-f]{2})*\s*$/.test(lines[j]!); j++) hex.push(lines[j]!);
  return Buffer.from(hex.join('').replace(/\s+/g, ''), 'hex');
}

/** Lengths of the records of content type `type` the server received (-msg RecordHeader dumps). */
function receivedRecordLengths(server: OpenSslServer, mark: number, type: number, direction: '<<<' | '>>>' = '<<<'): number[] {
  const out: number[] = [];
  const re = new RegExp(`^${direction} [^\\n]*RecordHeader \\[length 0005\\]\\n {4}([0-9a-f]{2}) 03 0[13] ([0-9a-f]{2}) ([0-9a-f]{2})`, 'gm');
  for (const m of server.process.outputSince(mark).matchAll(re)) {
    if (parseInt(m[1]!, 16) === type) out.push(parseInt(m[2]! + m[3]!, 16));
  }
  return out;
}

/** Any TlsError: from connect() or from the stream afterwards. */
async function failure(run: () => Promise<LineClient>, after?: (c: LineClient) => Promise<unknown>): Promise<unknown> {
  let client: LineClient;
  try {
    client = await run();
  } catch (e) {
    return e;
  }
  try {
    if (after) await after(client);
    await withTimeout(client.ended, 10_000, 'the stream to end');
    return client.error;
  } catch (e) {
    return client.error ?? e;
  } finally {
    await client.close().catch(() => undefined);
  }
}

// ===========================================================================
// 1. HelloRetryRequest forced by the server's group list
// ===========================================================================

describe.each([
  { serverGroup: 'P-384', group: 'secp384r1' },
  { serverGroup: 'P-521', group: 'secp521r1' },
] as const)('1. HelloRetryRequest: s_server -groups $serverGroup', ({ serverGroup, group }) => {
  let server: OpenSslServer;
  beforeAll(async () => {
    server = await startServer({ groups: [serverGroup] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it(`x25519 share first -> HRR -> ${group}`, async () => {
    const mark = server.mark();
    const c = await open(server.port, { groups: [...CLASSIC_GROUPS], sessions: false });
    expect(c.info.helloRetryRequest).toBe(true);
    expect(c.info.group).toBe(group);
    await c.roundTrip('after a HelloRetryRequest');
    await c.close();
    await closedCleanly(server, mark);
    const t = server.transcript(mark);
    expect(t.clientHellos).toHaveLength(2);
    expect(t.clientHellos[0]!.keyShares).toEqual(['x25519']);
    expect(t.clientHellos[1]!.keyShares).toEqual([group]);
    expect(t.serverHellos.map((h) => h.helloRetryRequest)).toEqual([true, false]);
    expect(t.serverHellos[0]!.group).toBe(group);
    expect(t.serverHellos[1]!.group).toBe(group);
    expect(t.alertsReceived.map((a) => a.name)).toEqual(['close_notify']);
  });
});

// ===========================================================================
// 2. Resumption
// ===========================================================================

describe('2. resumption with a ticket from a first connection', () => {
  let server: OpenSslServer;
  let other: OpenSslServer; // another process: different ticket key
  beforeAll(async () => {
    [server, other] = await Promise.all([startServer(), startServer()]);
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), other?.stop()]);
  });

  it('second connection resumes (fresh MemorySessionStore)', async () => {
    const store = new RecordingStore();
    const first = await open(server.port, { sessions: store });
    expect(first.info.resumed).toBe(false);
    await first.roundTrip('first connection');
    await ticketsArrived(store);
    await first.close();
    expect(store.puts[0]!.key.startsWith(`localhost:${server.port}|`)).toBe(true);

    const mark = server.mark();
    const second = await open(server.port, { sessions: store });
    expect(second.info.resumed).toBe(true);
    expect(second.info.peerCertificates).toHaveLength(0);
    expect(second.info.signatureScheme).toBeNull();
    await second.roundTrip('resumed connection');
    await second.close();
    await closedCleanly(server, mark);
    const t = server.transcript(mark);
    expect(t.clientHellos[0]!.hasPreSharedKey).toBe(true);
    expect(t.serverHellos[0]!.extensions).toContain(41); // pre_shared_key accepted
    expect(t.messages).not.toContain('>>> Certificate');
    expect(t.messages).not.toContain('>>> CertificateVerify');
  });

  it('sessions: false -> no ticket offered, full handshake', async () => {
    const mark = server.mark();
    const c = await open(server.port, { sessions: false });
    expect(c.info.resumed).toBe(false);
    expect(c.info.peerCertificates.length).toBeGreaterThan(0);
    await c.roundTrip('no resumption');
    await c.close();
    await closedCleanly(server, mark);
    expect(server.transcript(mark).clientHellos[0]!.hasPreSharedKey).toBe(false);
  });

  it('server declines the ticket (another process, another ticket key) -> full handshake', async () => {
    const store = new RecordingStore();
    const first = await open(server.port, { sessions: store });
    await first.roundTrip('get a ticket');
    await ticketsArrived(store);
    await first.close();
    // Offer that ticket to the other server.
    const ticket = store.get(store.keyFor(server.port));
    expect(ticket).toBeDefined();
    store.put(store.keyFor(other.port), ticket!);

    const mark = other.mark();
    const c = await open(other.port, { sessions: store });
    expect(c.info.resumed).toBe(false);
    expect(c.info.signatureScheme).toBe('ecdsa_secp256r1_sha256');
    expect(c.info.peerCertificates.length).toBeGreaterThan(0);
    await c.roundTrip('full handshake after a declined ticket');
    await c.close();
    await closedCleanly(other, mark);
    const t = other.transcript(mark);
    expect(t.clientHellos[0]!.hasPreSharedKey).toBe(true);
    expect(t.serverHellos[0]!.extensions).not.toContain(41);
    expect(t.messages).toContain('>>> Certificate');
    expect(t.alertsReceived.map((a) => a.name)).toEqual(['close_notify']);
  });
});

// ===========================================================================
// 3. 0-RTT
// ===========================================================================

describe('3. early data (0-RTT)', () => {
  let server: OpenSslServer; // -early_data
  let plain: OpenSslServer; // no -early_data
  let hrr: OpenSslServer; // -early_data, but only P-384 (forces a HelloRetryRequest)
  beforeAll(async () => {
    [server, plain, hrr] = await Promise.all([
      startServer({ mode: 'stdio', extraArgs: ['-early_data'] }),
      startServer({ mode: 'stdio' }),
      startServer({ mode: 'stdio', extraArgs: ['-early_data'], groups: ['P-384'] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), plain?.stop(), hrr?.stop()]);
  });

  /** A full handshake that leaves a 0-RTT-capable ticket in `store`. */
  async function getTicket(s: OpenSslServer, store: RecordingStore, groups?: ConnectorOptions['groups']): Promise<StoredSession> {
    const mark = s.mark();
    const c = await open(s.port, { sessions: store, earlyData: true, ...(groups ? { groups } : {}) });
    await exchange(s, c, mark);
    await ticketsArrived(store);
    await c.close();
    await closedCleanly(s, mark);
    return store.puts.at(-1)!.session;
  }

  it.each(['after-connect', 'before-connect'] as const)('accepted by s_server -early_data: the early bytes reach the server (written %s())', async (when) => {
    const store = new RecordingStore();
    const ticket = await getTicket(server, store);
    expect(ticket.version === 'TLSv1.2' ? 0 : ticket.maxEarlyData).toBeGreaterThan(0);

    const mark = server.mark();
    const c = await openEarly(server.port, { sessions: store, earlyData: true }, 'EARLY-0RTT-BYTES\n', when);
    expect(c.info.resumed).toBe(true);
    expect(c.info.earlyDataAccepted).toBe(true);
    await server.waitForOutput('EARLY-0RTT-BYTES', { since: mark });
    await c.send('after the handshake\n');
    await server.waitForOutput('after the handshake', { since: mark });
    server.write('reply\n');
    await c.until('reply\n');
    await c.close();
    const out = await closedCleanly(server, mark);
    expect(out).toContain('Early data received');
    expect(out).not.toContain('No early data received');
    const t = server.transcript(mark);
    expect(t.clientHellos[0]!.hasEarlyData).toBe(true);
    expect(t.messages).toContain('<<< EndOfEarlyData');
    // exactly once: not resent after the handshake
    expect(out.split('EARLY-0RTT-BYTES').length - 1).toBe(1);
  });

  it('rejected (server without -early_data declines the ticket): resent after the handshake', async () => {
    const store = new RecordingStore();
    await getTicket(server, store);
    const ticket = store.get(store.keyFor(server.port))!;
    store.put(store.keyFor(plain.port), ticket);

    const mark = plain.mark();
    const c = await openEarly(plain.port, { sessions: store, earlyData: true }, 'REJECTED-EARLY-BYTES\n');
    expect(c.info.earlyDataAccepted).toBe(false);
    expect(c.info.resumed).toBe(false);
    await plain.waitForOutput('REJECTED-EARLY-BYTES', { since: mark });
    await c.send('second line\n');
    await plain.waitForOutput('second line', { since: mark });
    await c.close();
    const out = await closedCleanly(plain, mark);
    expect(plain.transcript(mark).clientHellos[0]!.hasEarlyData).toBe(true);
    expect(out.split('REJECTED-EARLY-BYTES').length - 1).toBe(1);
    expect(out.indexOf('REJECTED-EARLY-BYTES')).toBeLessThan(out.indexOf('second line'));
  });

  it('rejected with earlyData: { retry: false }: the early bytes are dropped, later data flows', async () => {
    const store = new RecordingStore();
    await getTicket(server, store);
    store.put(store.keyFor(plain.port), store.get(store.keyFor(server.port))!);

    const mark = plain.mark();
    const c = await openEarly(plain.port, { sessions: store, earlyData: { retry: false } }, 'DROPPED-EARLY-BYTES\n');
    expect(c.info.earlyDataAccepted).toBe(false);
    await exchange(plain, c, mark);
    await c.close();
    const out = await closedCleanly(plain, mark);
    expect(plain.transcript(mark).clientHellos[0]!.hasEarlyData).toBe(true);
    expect(out).not.toContain('DROPPED-EARLY-BYTES');
  });

  it('rejected, and the server chose another ALPN: not resent automatically (RFC 8446 §4.2.10)', async () => {
    const store = new RecordingStore();
    const ticket = await getTicket(server, store);
    store.get(store.keyFor(server.port));
    // The ticket says h2; the plain server negotiates no ALPN at all.
    store.put(store.keyFor(plain.port), { ...ticket, alpn: 'h2' });

    const mark = plain.mark();
    const c = await openEarly(plain.port, { sessions: store, earlyData: true, alpn: ['h2'] }, 'H2-EARLY-BYTES\n');
    expect(c.info.earlyDataAccepted).toBe(false);
    expect(c.info.alpn).toBeNull();
    await exchange(plain, c, mark);
    await c.close();
    const out = await closedCleanly(plain, mark);
    expect(plain.transcript(mark).clientHellos[0]!.hasEarlyData).toBe(true);
    expect(out).not.toContain('H2-EARLY-BYTES');
  });

  it('rejected after a HelloRetryRequest: resent after the handshake', async () => {
    const store = new RecordingStore();
    await getTicket(hrr, store, [...CLASSIC_GROUPS]);
    const mark = hrr.mark();
    const c = await openEarly(hrr.port, { sessions: store, earlyData: true, groups: [...CLASSIC_GROUPS] }, 'HRR-EARLY-BYTES\n');
    expect(c.info.helloRetryRequest).toBe(true);
    expect(c.info.earlyDataAccepted).toBe(false);
    await hrr.waitForOutput('HRR-EARLY-BYTES', { since: mark });
    await c.close();
    const out = await closedCleanly(hrr, mark);
    const t = hrr.transcript(mark);
    expect(t.clientHellos).toHaveLength(2);
    expect(t.clientHellos[0]!.hasEarlyData).toBe(true);
    expect(t.clientHellos[1]!.hasEarlyData).toBe(false);
    // The ticket is offered again in the second ClientHello (fresh binder); OpenSSL's
    // anti-replay has already consumed it for 0-RTT, so it falls back to a full
    // handshake (as with `openssl s_client -early_data`). Our info agrees with the wire.
    expect(t.clientHellos[1]!.hasPreSharedKey).toBe(true);
    expect(c.info.resumed).toBe(t.serverHellos[1]!.extensions.includes(41));
    expect(out.split('HRR-EARLY-BYTES').length - 1).toBe(1);
    expect(out).not.toContain('Early data received');
  });
});

// ===========================================================================
// 5. ALPN
// ===========================================================================

describe('5. ALPN chosen by the server (-alpn h2,http/1.1)', () => {
  let server: OpenSslServer;
  beforeAll(async () => {
    server = await startServer({ alpn: ['h2', 'http/1.1'] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("client ['http/1.1'] -> http/1.1", async () => {
    const mark = server.mark();
    const c = await open(server.port, { alpn: ['http/1.1'], sessions: false });
    expect(c.info.alpn).toBe('http/1.1');
    await c.roundTrip('alpn');
    await c.close();
    await closedCleanly(server, mark);
    expect(server.transcript(mark).clientHellos[0]!.alpn).toEqual(['http/1.1']);
  });

  it('no overlap -> no_application_protocol alert -> ALERT_RECEIVED 120', async () => {
    const mark = server.mark();
    const err = await failure(() => open(server.port, { alpn: ['spdy/3.1'], sessions: false }));
    expect(err).toBeInstanceOf(TlsError);
    const e = err as TlsError;
    expect(e.code, e.toDebugString()).toBe('ALERT_RECEIVED');
    expect(e.receivedAlert).toBe(120);
    await waitForSentAlert(server, mark, 120); // OpenSSL 3.0's -msg names it "???"
    expect(sentFatalAlerts(server, mark)).toEqual([120]);
    expect(server.transcript(mark).serverHellos).toHaveLength(0);
  });
});

// ===========================================================================
// 6. Client certificates
// ===========================================================================

const CLIENT_SCHEMES: Readonly<Record<ClientCertName, { name: string; code: number }>> = {
  'client-p256': { name: 'ecdsa_secp256r1_sha256', code: 0x0403 },
  'client-p384': { name: 'ecdsa_secp384r1_sha384', code: 0x0503 },
  'client-ed25519': { name: 'ed25519', code: 0x0807 },
  'client-rsa2048': { name: 'rsa_pss_rsae_sha256', code: 0x0804 },
};

function clientIdentity(name: ClientCertName) {
  const c = loadCert(name);
  return { chain: c.cert, key: c.key };
}

describe('6. client certificate required (-Verify 1 -CAfile client-ca)', () => {
  let server: OpenSslServer;
  beforeAll(async () => {
    server = await startServer({ verifyClient: { caFile: certFiles('client-ca').certPath, required: true, depth: 1 } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each(CLIENT_CERTS)('%s', async (name) => {
    const mark = server.mark();
    const c = await open(server.port, { clientCertificate: clientIdentity(name), sessions: false });
    expect(c.info.clientCertificateSent).toBe(true);
    await c.roundTrip(`mutual TLS with ${name}`);
    await c.close();
    await closedCleanly(server, mark);
    // s_server (rev mode, on stderr) prints the client certificate it verified.
    await server.waitForOutput(new RegExp(`Peer certificate: CN ?= ?puretls test client ${name.slice('client-'.length)}\\n`), { since: mark });
    await server.waitForOutput('Verification: OK', { since: mark });
    const cv = receivedMessageBytes(server, mark, 'CertificateVerify');
    expect(cv, 'the server received a CertificateVerify').toBeDefined();
    expect(cv!.readUInt16BE(4).toString(16)).toBe(CLIENT_SCHEMES[name].code.toString(16));
    expect(server.transcript(mark).alertsReceived.map((a) => a.name)).toEqual(['close_notify']);
  });

  it('without a client certificate the server refuses: certificate_required -> ALERT_RECEIVED 116', async () => {
    const mark = server.mark();
    const err = await failure(
      () => open(server.port, { sessions: false }),
      (c) => c.send('anyone there?\n'),
    );
    expect(err).toBeInstanceOf(TlsError);
    const e = err as TlsError;
    expect(e.code, e.toDebugString()).toBe('ALERT_RECEIVED');
    expect(e.receivedAlert).toBe(116);
    await waitForSentAlert(server, mark, 116);
    expect(sentFatalAlerts(server, mark)).toEqual([116]);
    // We answered the CertificateRequest with an empty Certificate.
    expect(receivedMessageBytes(server, mark, 'Certificate')?.toString('hex')).toBe('0b00000400000000');
  });
});

describe('6b. post-handshake client authentication (s_server stdin "c")', () => {
  let server: OpenSslServer;
  beforeAll(async () => {
    // -verify_return_error with -CAfile, but no -verify: no CertificateRequest in the handshake.
    server = await startServer({ mode: 'stdio', extraArgs: ['-CAfile', certFiles('client-ca').certPath, '-verify_return_error'] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('postHandshakeAuth: true answers the CertificateRequest with a certificate', async () => {
    const mark = server.mark();
    const c = await open(server.port, {
      sessions: false,
      postHandshakeAuth: true,
      clientCertificate: clientIdentity('client-p256'),
    });
    expect(c.info.clientCertificateSent).toBe(false); // nothing asked during the handshake
    await c.send('before\n');
    await server.waitForOutput('before', { since: mark });
    server.write('c\n');
    await server.waitForOutput(/>>> TLS 1\.3, Handshake \[length [0-9a-f]+\], CertificateRequest/, { since: mark });
    // s_server reads our answer with the next record.
    await c.send('after\n');
    await server.waitForOutput('after', { since: mark });
    server.write('still talking\n');
    await c.until('still talking\n');
    await c.close();
    await closedCleanly(server, mark);
    const t = server.transcript(mark);
    expect(t.clientHellos[0]!.extensions).toContain(49); // post_handshake_auth
    expect(t.messages.filter((m) => m.startsWith('<<< '))).toEqual([
      '<<< ClientHello',
      '<<< Finished',
      '<<< Certificate',
      '<<< CertificateVerify',
      '<<< Finished',
    ]);
    const cert = receivedMessageBytes(server, mark, 'Certificate');
    expect(cert!.length).toBeGreaterThan(100); // not an empty Certificate
    const cv = receivedMessageBytes(server, mark, 'CertificateVerify');
    expect(cv!.readUInt16BE(4)).toBe(0x0403);
    expect(t.alertsSent.filter((a) => a.level === 'fatal')).toEqual([]);
    expect(t.alertsReceived.map((a) => a.name)).toEqual(['close_notify']);
  });
});

// ===========================================================================
// 8. Exporter
// ===========================================================================

describe('8. exporter equals s_server -keymatexport', () => {
  const LABEL = 'EXPERIMENTAL-puretls-interop';
  let server: OpenSslServer;
  beforeAll(async () => {
    // Only the plain (stdio) s_server prints the exporter's output, not -rev.
    server = await startServer({ mode: 'stdio', extraArgs: ['-keymatexport', LABEL, '-keymatexportlen', '32'] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function check(c: LineClient, mark: number): Promise<void> {
    await exchange(server, c, mark);
    const m = await server.waitForOutput(/Keying material: ([0-9A-F]+)/, { since: mark });
    const serverHex = m[1]!.toLowerCase();
    expect(serverHex).toHaveLength(64);
    // s_server passes no context; RFC 8446 §7.5 treats that as an empty context.
    expect(Buffer.from(c.conn.exportKeyingMaterial(LABEL, null, 32)).toString('hex')).toBe(serverHex);
    expect(Buffer.from(c.conn.exportKeyingMaterial(LABEL, new Uint8Array(0), 32)).toString('hex')).toBe(serverHex);
    expect(Buffer.from(c.conn.exportKeyingMaterial(LABEL, enc('ctx'), 32)).toString('hex')).not.toBe(serverHex);
    await c.close();
    await closedCleanly(server, mark);
  }

  it.each(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384'] as const)('%s', async (suite) => {
    const mark = server.mark();
    const c = await open(server.port, { sessions: false, cipherSuites: [suite] });
    expect(c.info.cipherSuite).toBe(suite);
    await check(c, mark);
  });

  it('on a resumed connection', async () => {
    const store = new RecordingStore();
    const m0 = server.mark();
    const first = await open(server.port, { sessions: store });
    await exchange(server, first, m0);
    await ticketsArrived(store);
    await first.close();
    await closedCleanly(server, m0);
    const mark = server.mark();
    const c = await open(server.port, { sessions: store });
    expect(c.info.resumed).toBe(true);
    await check(c, mark);
  });
});

// ===========================================================================
// 9. Middlebox compatibility, record_size_limit, padding
// ===========================================================================

describe('9. middlebox compatibility, record_size_limit and padding', () => {
  let server: OpenSslServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each([
    { middleboxCompat: undefined, on: true },
    { middleboxCompat: false, on: false },
  ])('middleboxCompat: $middleboxCompat', async ({ middleboxCompat, on }) => {
    const mark = server.mark();
    const c = await open(server.port, { sessions: false, ...(middleboxCompat === undefined ? {} : { middleboxCompat }) });
    await c.roundTrip('middlebox compatibility');
    await c.close();
    await closedCleanly(server, mark);
    const t = server.transcript(mark);
    expect(t.clientHellos[0]!.sessionIdLength).toBe(on ? 32 : 0);
    // Our dummy change_cipher_spec record (OpenSSL drops it before -msg sees its
    // content, but prints its record header: 14 03 03 00 01).
    expect(receivedRecordLengths(server, mark, 20)).toEqual(on ? [1] : []);
    expect(t.alertsReceived.map((a) => a.name)).toEqual(['close_notify']);
  });

  it('recordSizeLimit: 512 (OpenSSL 3.0 does not negotiate it and sends larger records: accepted)', async () => {
    const mark = server.mark();
    const c = await open(server.port, { sessions: false, recordSizeLimit: 512 });
    const line = 'record size limit '.repeat(500).slice(0, 9000);
    await c.roundTrip(line);
    await c.close();
    await closedCleanly(server, mark);
    const t = server.transcript(mark);
    expect(t.clientHellos[0]!.extensions).toContain(28); // record_size_limit
    // No record_size_limit in the server's EncryptedExtensions, so the limit does
    // not bind it (RFC 8449 §4), and it did send records over 512 bytes.
    expect(Math.max(...receivedRecordLengths(server, mark, 23, '>>>'))).toBeGreaterThan(512 + 17);
    expect(t.alertsReceived.map((a) => a.name)).toEqual(['close_notify']);
  });

  it('padding: 256 -> every protected record we send is a multiple of 256 (+16 tag)', async () => {
    const mark = server.mark();
    const c = await open(server.port, { sessions: false, padding: 256 });
    await c.roundTrip('padded');
    await c.roundTrip('x'.repeat(3000));
    await c.close();
    await closedCleanly(server, mark);
    const lengths = receivedRecordLengths(server, mark, 23);
    expect(lengths.length).toBeGreaterThanOrEqual(4); // Finished, 2 data records, close_notify
    for (const n of lengths) expect(n % 256, `record of ${n} bytes`).toBe(16);
    expect(server.transcript(mark).alertsReceived.map((a) => a.name)).toEqual(['close_notify']);
  });
});
