/**
 * Runs catalogue cases: a scripted server misbehaves, puretls (through
 * src/node.ts connect(), the whole stack) must fail with one exact TlsError
 * code, send one exact alert — read back off the wire by the server — and
 * never hang.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TlsError, type AlertName, type ErrorCode } from '../../src/errors.js';
import type { ConnectionInfo } from '../../src/handshake/client.js';
import { connect, type NodeConnectOptions, type TlsConnection } from '../../src/node.js';
import { loadCert, type ServerCertName } from '../peers/fixtures.js';
import { ScriptedServer, seededRandom, type PeerOptions, type ScriptedPeer, type Script } from '../peers/scripted-server.js';

export interface HostileCase {
  /** Test name: one case, one test. */
  name: string;
  /** The RFC section the expectation rests on. */
  rfc: string;
  /** The code puretls must fail with, or 'OK' for input it must accept. */
  code: ErrorCode | 'OK';
  /** The alert puretls must send (null: none, the connection just ends). */
  alert: AlertName | null;
  /** Where the failure surfaces: connect() (default) or the open connection. */
  phase?: 'handshake' | 'post';
  /** Options over the defaults (x25519 + P-256, test root trusted, no tickets); a function for per-run values. */
  client?: Partial<NodeConnectOptions> | (() => Partial<NodeConnectOptions>);
  /** false when the script closes the socket, so no alert can be read back. */
  wire?: boolean;
  /** The received alert carried by ALERT_RECEIVED / CONNECTION_CLOSED errors. */
  receivedAlert?: number;
  /** The scripted server's certificate and key (default server-p256). */
  identity?: ServerCertName;
  /** Makes the server's peer (default TLS 1.3; ScriptedPeer12.create for TLS 1.2). */
  peer?: PeerOptions['create'];
  script: Script<void>;
  /** Runs on the open connection once connect() resolves, before its data is read; a throw fails the test. */
  onConnect?: (conn: TlsConnection) => void | Promise<void>;
  /** Extra checks on the outcome. */
  check?: (outcome: Outcome) => void | Promise<void>;
}

export interface Outcome {
  error: TlsError | null;
  /** Whether connect() resolved. */
  connected: boolean;
  info: ConnectionInfo | null;
  /** Application data received before the end. */
  data: string;
  peer: ScriptedPeer;
  /** The client's alert as the server read it; undefined when not read. */
  wireAlert?: string | null;
  ms: number;
}

export const rootPem = (): string => loadCert('root').cert;

export function clientOptions(port: number, name: string): NodeConnectOptions {
  return {
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: rootPem(),
    groups: ['x25519', 'secp256r1'],
    sessions: false,
    // A backstop: a case that hangs fails with TIMEOUT instead of the expected code.
    handshakeTimeout: 4000,
    random: seededRandom(`client:${name}`),
  };
}

async function drain(conn: TlsConnection): Promise<{ data: string; error: unknown }> {
  const reader = conn.readable.getReader();
  const dec = new TextDecoder();
  let data = '';
  let hung = false;
  const deadline = setTimeout(() => {
    hung = true;
    reader.cancel().catch(() => undefined);
  }, 4000);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { data, error: hung ? new Error('the connection neither ended nor failed within 4 s') : null };
      data += dec.decode(value, { stream: true });
    }
  } catch (error) {
    return { data, error };
  } finally {
    clearTimeout(deadline);
  }
}

/** Runs one case against `server` and returns what happened. */
export async function runCase(server: ScriptedServer, c: HostileCase): Promise<Outcome> {
  const job = server.next(c.script, {
    random: seededRandom(`server:${c.name}`),
    ...(c.identity ? { identity: c.identity } : {}),
    ...(c.peer ? { create: c.peer } : {}),
  });
  const started = performance.now();
  let error: unknown = null;
  let connected = false;
  let info: ConnectionInfo | null = null;
  let data = '';
  let hookError: unknown = null;
  try {
    const extra = typeof c.client === 'function' ? c.client() : c.client;
    const conn = await connect({ ...clientOptions(server.port, c.name), ...extra });
    connected = true;
    info = conn.info;
    if (c.onConnect) {
      try {
        await c.onConnect(conn);
      } catch (e) {
        hookError = e;
      }
    }
    const r = await drain(conn);
    data = r.data;
    error = r.error;
    await Promise.race([conn.close(), new Promise((r) => setTimeout(r, 2000))]);
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - started;
  const { peer } = await job;
  const outcome: Outcome = {
    error: error instanceof TlsError ? error : null,
    connected,
    info,
    data,
    peer,
    ms,
  };
  if (hookError !== null) {
    peer.destroy();
    throw hookError;
  }
  if (error !== null && !(error instanceof TlsError)) {
    throw new Error(`not a TlsError: ${String(error)}`, { cause: error });
  }
  if (c.code !== 'OK' && c.wire !== false) outcome.wireAlert = await peer.clientAlert(3000);
  peer.destroy();
  return outcome;
}

export function expectOutcome(c: HostileCase, o: Outcome): void {
  if (c.code === 'OK') {
    expect(o.error?.toDebugString() ?? null).toBeNull();
    expect(o.connected).toBe(true);
    return;
  }
  expect(o.error, 'puretls accepted what it must refuse').not.toBeNull();
  const e = o.error!;
  expect({ code: e.code, alert: e.alert }, e.toDebugString()).toEqual({ code: c.code, alert: c.alert });
  if (c.receivedAlert !== undefined) expect(e.receivedAlert).toBe(c.receivedAlert);
  expect(o.connected, 'where the failure surfaced').toBe((c.phase ?? 'handshake') === 'post');
  if (c.wire !== false) expect(o.wireAlert ?? null, 'the alert on the wire').toBe(c.alert);
}

/** Declares one vitest test per case, all sharing one scripted server. */
export function catalogue(cases: readonly HostileCase[]): void {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await ScriptedServer.start();
  });
  afterAll(async () => {
    await server.stop();
  });
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.name)) throw new Error(`duplicate case name ${c.name}`);
    seen.add(c.name);
    it(c.name, async () => {
      const o = await runCase(server, c);
      expectOutcome(c, o);
      await c.check?.(o);
    });
  }
}

// ---------------------------------------------------------------------------
// Script fragments shared by the cases
// ---------------------------------------------------------------------------

/** Reads the ClientHello and answers with a genuine ServerHello (keys installed). */
export async function toEncrypted(p: ScriptedPeer): Promise<void> {
  await p.readClientHello();
  await p.sendServerHello();
}

/** Through Certificate: the client waits for CertificateVerify. */
export async function toCertificateVerify(p: ScriptedPeer): Promise<Uint8Array[]> {
  await toEncrypted(p);
  return [p.buildEncryptedExtensions(), p.buildCertificate()];
}

/** A completed handshake; the client is connected. */
export async function connected(p: ScriptedPeer): Promise<void> {
  await p.handshake();
}

/** Ends a script that completed the handshake: close_notify, then FIN. */
export async function closeCleanly(p: ScriptedPeer): Promise<void> {
  await p.sendAlert('close_notify', 1);
  p.end();
}
