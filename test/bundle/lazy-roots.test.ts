/**
 * The bundled roots are a module of their own (puretls/roots/mozilla),
 * loaded only by a connection that has no `ca` or `roots` of its own: a
 * verified handshake with `ca` leaves them unloaded; without, they load on
 * demand (once), and TrustStore.mozilla() is synchronous from then on.
 * (One test file, one module instance: the order of the tests matters.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTrustStore } from '../../src/options.js';
import { connect } from '../../src/node.js';
import { TlsError, TrustStore } from '../../src/index.js';
import { loadCert, startOpenSslServer, type OpenSslServer } from '../peers/index.js';

const notLoaded = () => {
  try {
    TrustStore.mozilla();
    return false;
  } catch (e) {
    expect(e).toBeInstanceOf(TlsError);
    expect((e as TlsError).code).toBe('BAD_CONFIG');
    expect((e as TlsError).message).toMatch(/TrustStore\.loadMozilla\(\)/);
    return true;
  }
};

describe('the bundled roots load on demand', () => {
  let server: OpenSslServer;
  beforeAll(async () => {
    server = await startOpenSslServer({ fixture: 'server-p256', mode: 'rev', msg: false });
  });
  afterAll(() => server?.stop());

  it('are not loaded at first: TrustStore.mozilla() says how to load them', () => {
    expect(notLoaded()).toBe(true);
  });

  it('a trust store from `ca` is built at once, without them', () => {
    const store = resolveTrustStore({ ca: loadCert('root').cert });
    expect(store).toBeInstanceOf(TrustStore);
    expect(notLoaded()).toBe(true);
  });

  it('a bad `ca` next to roots: mozilla is refused at once, before any loading', () => {
    expect(() => resolveTrustStore({ ca: new Uint8Array([1, 2, 3]), roots: 'mozilla' })).toThrow(/ca is neither PEM nor DER/);
  });

  it('a verified handshake with `ca` leaves them unloaded', async () => {
    const conn = await connect({ host: server.host, port: server.port, servername: 'localhost', ca: loadCert('root').cert, sessions: false });
    expect(conn.info.trustAnchor?.subject).toBe('CN=puretls test root');
    await conn.close();
    expect(notLoaded()).toBe(true);
  });

  it('without `ca`, the connection loads them and verifies against them (the test root is not a Mozilla root)', async () => {
    const failed = connect({ host: server.host, port: server.port, servername: 'localhost', sessions: false });
    await expect(failed).rejects.toMatchObject({ code: 'CERT_UNTRUSTED_ROOT' });
    expect(notLoaded()).toBe(false);
    expect(TrustStore.mozilla().size).toBe(121);
  });

  it('are loaded once: loadMozilla(), mozilla() and a store from `roots: mozilla` share them', async () => {
    const store = await TrustStore.loadMozilla();
    expect(TrustStore.mozilla()).toBe(store);
    expect(TrustStore.mozilla(await import('../../src/roots/mozilla.js'))).toBe(store);
    const withCa = await resolveTrustStore({ ca: loadCert('root').cert, roots: 'mozilla' });
    expect(withCa.size).toBe(store.size + 1);
  });
});
