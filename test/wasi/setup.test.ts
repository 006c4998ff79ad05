/**
 * setupWasi() and the maps (src/wasi/setup.ts): what a page gets from the
 * one call, and that it configures the module-level host objects that jco's
 * `--map` output imports. The page itself: test/browser/wasi.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { client, clientTypes } from '../../src/wasi/client.js';
import { configure, currentOptions } from '../../src/wasi/options.js';
import { setupWasi, wasiMap, wasiMapArgs, WASI_EXPORTS } from '../../src/wasi/setup.js';
import { ipNameLookup, socketsTypes, SocketError } from '../../src/wasi/sockets.js';

afterEach(() => configure({}));

describe('setupWasi', () => {
  it('gives jco maps and --map arguments for the four interfaces', () => {
    expect(wasiMap()).toEqual({
      'wasi:tls/client@0.3.0-draft': 'puretls/wasi#client',
      'wasi:tls/types@0.3.0-draft': 'puretls/wasi#clientTypes',
      'wasi:sockets/types@0.3.0': 'puretls/wasi#socketsTypes',
      'wasi:sockets/ip-name-lookup@0.3.0': 'puretls/wasi#ipNameLookup',
    });
    expect(wasiMapArgs('host')).toEqual([
      '--map', 'wasi:tls/client@0.3.0-draft=host#client',
      '--map', 'wasi:tls/types@0.3.0-draft=host#clientTypes',
      '--map', 'wasi:sockets/types@0.3.0=host#socketsTypes',
      '--map', 'wasi:sockets/ip-name-lookup@0.3.0=host#ipNameLookup',
    ]);
    expect(Object.keys(WASI_EXPORTS)).toHaveLength(4);
  });

  it('sets the TLS options and the relay, and returns the import map and instantiation imports', async () => {
    const wasi = setupWasi({
      relay: 'wss://relay.example/tcp/',
      tls: { alpn: ['http/1.1'] },
      moduleUrl: 'https://app.example/puretls-wasi.js',
      preview2Shim: 'https://app.example/shim',
    });
    expect(currentOptions()).toEqual({ alpn: ['http/1.1'] });
    expect(wasi.mapArgs).toEqual(wasiMapArgs());
    expect(wasi.importMap.imports).toMatchObject({
      'puretls/wasi': 'https://app.example/puretls-wasi.js',
      '@bytecodealliance/preview2-shim/io': 'https://app.example/shim/io.js',
      '@bytecodealliance/preview2-shim/cli': 'https://app.example/shim/cli.js',
    });
    // --instantiation output asks for the mapped specifier, or the versionless interface names.
    expect(wasi.imports['puretls/wasi']).toEqual({ client, clientTypes, socketsTypes, ipNameLookup });
    expect(wasi.imports['wasi:tls/client']).toBe(client);
    expect(wasi.imports['wasi:tls/types']).toBe(clientTypes);
    expect(wasi.imports['wasi:sockets/types']).toBe(socketsTypes);
    expect(wasi.imports['wasi:sockets/ip-name-lookup']).toBe(ipNameLookup);
    // The module-level sockets now use that relay: a connect tries it (and cannot reach it here).
    let seen = '';
    setupWasi({
      relay: (t) => `ws://127.0.0.1:1/${t.host}:${t.port}`,
      WebSocket: class {
        constructor(url: string) {
          seen = url;
          throw new Error('no network in this test');
        }
      } as never,
    });
    const [address] = await ipNameLookup.resolveAddresses('example.com');
    const socket = socketsTypes.TcpSocket.create('ipv4');
    const port = 443;
    await expect(socket.connect({ tag: 'ipv4', val: { port, address: address!.val as [number, number, number, number] } })).rejects.toBeInstanceOf(
      SocketError,
    );
    expect(seen).toBe('ws://127.0.0.1:1/example.com:443');
  });

  it('refuses TLS options that configure() refuses', () => {
    expect(() => setupWasi({ relay: 'ws://x/', tls: { verify: () => undefined } as never })).toThrow(/cannot carry "verify"/);
  });
});
