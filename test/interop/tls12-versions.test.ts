/**
 * Version choice against real servers (issue 10): one ClientHello offers
 * TLS 1.3 and 1.2; a 1.3 server still negotiates 1.3, a 1.2-only server gets
 * 1.2; `maxVersion: 'TLSv1.2'` gets 1.2 from a 1.3 server (its downgrade
 * sentinel is expected then); `minVersion: 'TLSv1.3'` and a 1.2-only
 * server part with protocol_version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TlsError } from '../../src/errors.js';
import { loadCert, startNodeTlsServer, type NodeTlsServer } from '../peers/index.js';
import { connectEngine, dec, enc, type ConnectorOptions } from './engine.js';

const ca = () => loadCert('root').cert;

describe('TLS version choice', () => {
  let only12: NodeTlsServer;
  let both: NodeTlsServer;

  beforeAll(async () => {
    only12 = await startNodeTlsServer({ fixture: 'server-p256', tlsOptions: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } });
    both = await startNodeTlsServer({ fixture: 'server-rsa2048', tlsOptions: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' } });
  });
  afterAll(async () => {
    await only12?.stop();
    await both?.stop();
  });

  async function roundTrip(server: NodeTlsServer, connector: ConnectorOptions): Promise<string> {
    const conn = await connectEngine({ port: server.port, connector: { ca: ca(), sessions: false, ...connector } });
    await conn.write('ping');
    expect(dec(await conn.read(4))).toBe('ping');
    await conn.close();
    return conn.info.version;
  }

  it('a TLS 1.3 server still negotiates TLS 1.3 when both are offered', async () => {
    expect(await roundTrip(both, {})).toBe('TLSv1.3');
    const seen = (await both.closedConnection(both.connections.length - 1)).protocol;
    expect(seen).toBe('TLSv1.3');
  });

  it('a TLS 1.2-only server gets TLS 1.2 from the same default hello', async () => {
    expect(await roundTrip(only12, {})).toBe('TLSv1.2');
    expect((await only12.closedConnection(only12.connections.length - 1)).protocol).toBe('TLSv1.2');
  });

  it("maxVersion: 'TLSv1.2' gets TLS 1.2 from a TLS 1.3 server (its downgrade sentinel is expected)", async () => {
    expect(await roundTrip(both, { maxVersion: 'TLSv1.2' })).toBe('TLSv1.2');
    const c = await both.closedConnection(both.connections.length - 1);
    expect(c.protocol).toBe('TLSv1.2');
    // No TLS 1.3 on offer: no supported_versions, no key_share in our hello.
    const hello = c.observer.clientHellos[0]!;
    expect(hello.extensions).not.toContain('supported_versions');
    expect(hello.extensions).not.toContain('key_share');
  });

  it("minVersion: 'TLSv1.3' and a TLS 1.2-only server part with protocol_version", async () => {
    const before = only12.connections.length;
    const err = await connectEngine({ port: only12.port, connector: { ca: ca(), sessions: false, minVersion: 'TLSv1.3' } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TlsError);
    // OpenSSL (under Node) reads supported_versions and refuses first, with
    // protocol_version. A server that ignores it finds no TLS 1.2 suite in
    // such a hello either (mbedTLS 2.28 sends handshake_failure:
    // test/interop/debian-servers); a TLS 1.2 ServerHello all the same gets
    // PROTOCOL_VERSION from puretls itself (test/hostile).
    expect((err as TlsError).code).toBe('ALERT_RECEIVED');
    expect((err as TlsError).receivedAlert).toBe(70);
    const c = await only12.closedConnection(before);
    expect(c.protocol ?? null).toBeNull();
  });

  it('data crosses a TLS 1.2 connection both ways, 1 MiB each way, ending with close_notify', async () => {
    const conn = await connectEngine({ port: only12.port, connector: { ca: ca(), sessions: false } });
    expect(conn.info.version).toBe('TLSv1.2');
    const big = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 0xff);
    const echoed = conn.read(big.length);
    await conn.write(big);
    expect(Buffer.from(await echoed).equals(Buffer.from(big))).toBe(true);
    await conn.write(enc('bye'));
    expect(dec(await conn.read(3))).toBe('bye');
    await conn.close();
    await expect(conn.sent).resolves.toBeUndefined();
    const c = await only12.closedConnection(only12.connections.length - 1);
    expect(c.clientEnded).toBe(true);
    expect(c.bytesReceived).toBe(big.length + 3);
  });
});
