/**
 * Bun (npm `bun`): a client script imports `puretls` and `puretls/node`
 * from an installed-package layout and talks to `openssl s_server` on
 * loopback over Bun's node:net, both through puretls/node and through the
 * connector over the socket's WHATWG streams: verified handshakes, a line
 * out and its reversal back, close_notify both ways; and the same server
 * refused under a wrong CA.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certFiles, startOpenSslServer, type OpenSslServer } from '../peers/index.js';
import { makeConsumer, packageVersion, result, REVERSED, runClient, runtimeBinary, type ClientReport, type Consumer } from './harness.js';

describe('Bun', () => {
  let server: OpenSslServer;
  let consumer: Consumer;
  let report: ClientReport;

  beforeAll(async () => {
    server = await startOpenSslServer({ fixture: 'server-p256', mode: 'rev', msg: false });
    consumer = makeConsumer(['bun.mjs']);
    report = await runClient(
      runtimeBinary('bun'),
      ['bun.mjs', server.host, String(server.port), certFiles('root').certPath, certFiles('rsa-root').certPath],
      // No install, no telemetry: everything is in node_modules already.
      { cwd: consumer.dir, env: { BUN_INSTALL_CACHE_DIR: `${consumer.dir}/.bun`, DO_NOT_TRACK: '1', NO_COLOR: '1' } },
    );
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    consumer?.remove();
  });

  it('is the Bun of the npm package', () => {
    expect(report.runtime).toBe('bun');
    expect(report.version).toBe(packageVersion('bun'));
  });

  it.each(['node-net/auto', 'node-net/noble', 'web-streams/auto'])('%s: verified handshake, data both ways, clean close', (name) => {
    const r = result(report, name);
    expect(r.ok, r.message).toBe(true);
    expect(r.info).toMatchObject({ version: 'TLSv1.3', serverName: 'localhost', chainLength: 2, anchor: 'CN=puretls test root' });
    expect(r.reply).toBe(REVERSED);
  });

  it('auto picks a platform provider, noble is noble', () => {
    expect(result(report, 'node-net/auto').provider).toBe('node'); // node:crypto through process.getBuiltinModule
    expect(result(report, 'node-net/noble').provider).toBe('noble');
  });

  it('a wrong CA fails verification', () => {
    expect(result(report, 'node-net/wrong-ca')).toMatchObject({ ok: false, code: 'CERT_UNTRUSTED_ROOT', isTlsError: true });
  });

  it('without ca, the bundled roots are imported on demand (and do not trust the test root)', () => {
    expect(result(report, 'node-net/bundled-roots')).toMatchObject({ ok: false, code: 'CERT_UNTRUSTED_ROOT' });
  });
});
