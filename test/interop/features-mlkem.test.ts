/**
 * Issue 4, "What it must show" — X25519MLKEM768 against a real peer that
 * supports it: Node 26 (OpenSSL 3.5) `tls.createServer({ ecdhCurve:
 * 'X25519MLKEM768' })`, an echo server (test/peers/node26-server.*).
 * The group is checked on both sides: our ConnectionInfo, and the ServerHello
 * the server put on the wire (Node gives no group on a server socket).
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TlsError } from '../../src/index.js';
import { connect, type NodeConnectOptions } from '../../src/node.js';
import { loadCert } from '../peers/index.js';
import { startNode26TlsServer, type Node26TlsServer } from '../peers/node26-server.js';

// Not skipped when the binary is missing: startNode26TlsServer() fails with
// the install command (`npm install --prefix test/peers/node26`; CI does it).

async function echoRoundTrip(server: Node26TlsServer, options: Omit<NodeConnectOptions, 'host' | 'port'>) {
  const index = server.connections.length;
  const since = server.events.length;
  const conn = await connect({ host: server.host, port: server.port, servername: 'localhost', ca: loadCert('root').cert, sessions: false, ...options });
  const data = new Uint8Array(randomBytes(40_000));
  const reader = conn.readable.getReader();
  const writer = conn.writable.getWriter();
  await writer.write(data);
  const chunks: Uint8Array[] = [];
  let n = 0;
  while (n < data.length) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`ended after ${n} bytes`);
    chunks.push(value);
    n += value.length;
  }
  const digest = (parts: Uint8Array[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest('hex');
  expect(digest(chunks)).toBe(digest([data]));
  reader.releaseLock();
  writer.releaseLock();
  await conn.close();
  const secure = await server.waitForEvent((e) => e.event === 'secure', since);
  const end = await server.waitForEvent((e) => e.event === 'end', since);
  const wire = server.connections[index]!;
  await wire.closed;
  return { info: conn.info, secure, end, observer: wire.observer, bytes: data.length };
}

describe('7. X25519MLKEM768 against Node 26 / OpenSSL 3.5', () => {
  let server: Node26TlsServer; // X25519MLKEM768 only
  beforeAll(async () => {
    server = await startNode26TlsServer({ ecdhCurve: 'X25519MLKEM768' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each([
    { name: 'default groups (X25519MLKEM768 + x25519 shares)', options: {} },
    { name: "groups ['X25519MLKEM768']", options: { groups: ['X25519MLKEM768'] } },
  ] as const)('$name -> X25519MLKEM768 in one round trip', async ({ options }) => {
    const { info, secure, end, observer, bytes } = await echoRoundTrip(server, options);
    expect(info.group).toBe('X25519MLKEM768');
    expect(info.helloRetryRequest).toBe(false);
    expect(secure.protocol).toBe('TLSv1.3');
    expect(secure.openssl).toMatch(/^3\.[5-9]|^[4-9]\./);
    // The server's side, from its ServerHello on the wire.
    expect(observer.clientHellos).toHaveLength(1);
    expect(observer.clientHellos[0]!.keyShares[0]).toBe('X25519MLKEM768');
    expect(observer.serverHellos).toHaveLength(1);
    expect(observer.group).toBe('X25519MLKEM768');
    expect(observer.cipherSuite).toBe(info.cipherSuite);
    // With the server's keylog the tap decrypted everything we sent.
    expect(observer.notes).toEqual([]);
    expect(observer.clientApplicationBytes).toBe(bytes);
    expect(end.bytes).toBe(bytes);
    expect(observer.clientAlerts.map((a) => a.name)).toEqual(['close_notify']);
  });

  it('x25519 share first -> HelloRetryRequest -> X25519MLKEM768', async () => {
    const { info, observer } = await echoRoundTrip(server, { groups: ['x25519', 'X25519MLKEM768'], keyShares: 1 });
    expect(info.helloRetryRequest).toBe(true);
    expect(info.group).toBe('X25519MLKEM768');
    expect(observer.clientHellos.map((h) => h.keyShares)).toEqual([['x25519'], ['X25519MLKEM768']]);
    expect(observer.serverHellos.map((h) => [h.helloRetryRequest, h.group])).toEqual([
      [true, 'X25519MLKEM768'],
      [false, 'X25519MLKEM768'],
    ]);
    expect(observer.clientAlerts.map((a) => a.name)).toEqual(['close_notify']);
  });

  it('no common group -> handshake_failure from the server', async () => {
    const since = server.events.length;
    const err = await connect({
      host: server.host,
      port: server.port,
      servername: 'localhost',
      ca: loadCert('root').cert,
      sessions: false,
      groups: ['x25519', 'secp256r1'],
    }).then(
      async (c) => {
        await c.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TlsError);
    expect((err as TlsError).code, (err as TlsError).toDebugString()).toBe('ALERT_RECEIVED');
    expect((err as TlsError).receivedAlert).toBe(40);
    await server.waitForEvent((e) => e.event === 'tlsClientError', since);
  });
});
