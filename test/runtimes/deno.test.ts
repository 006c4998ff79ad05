/**
 * Deno (npm `deno`): a client script imports `puretls` and `puretls/node`
 * from an installed-package layout and talks to `openssl s_server` on
 * loopback over Deno.connect (connectStreams) and over node:net
 * (puretls/node): verified handshakes, a line out and its reversal back,
 * close_notify both ways; and the same server refused under a wrong CA.
 * Deno gets no permission beyond loopback and reading the project.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certFiles, startOpenSslServer, type OpenSslServer } from '../peers/index.js';
import { makeConsumer, packageVersion, result, REPO, REVERSED, runClient, runtimeBinary, type ClientReport, type Consumer } from './harness.js';

describe('Deno', () => {
  let server: OpenSslServer;
  let consumer: Consumer;
  let report: ClientReport;

  beforeAll(async () => {
    server = await startOpenSslServer({ fixture: 'server-p256', mode: 'rev', msg: false });
    consumer = makeConsumer(['deno.mjs']);
    const deno = runtimeBinary('deno');
    report = await runClient(
      deno,
      [
        'run',
        '--no-lock',
        '--no-prompt',
        '--node-modules-dir=manual',
        `--allow-net=${server.host}`,
        `--allow-read=${consumer.dir},${REPO}`,
        'deno.mjs',
        server.host,
        String(server.port),
        certFiles('root').certPath,
        certFiles('rsa-root').certPath,
      ],
      { cwd: consumer.dir, env: { DENO_DIR: `${consumer.dir}/.deno`, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } },
    );
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    consumer?.remove();
  });

  it('is the Deno of the npm package', () => {
    expect(report.runtime).toBe('deno');
    expect(report.version).toBe(packageVersion('deno'));
  });

  it.each(['deno-tcp/auto', 'deno-tcp/noble', 'node-net/auto'])('%s: verified handshake, data both ways, clean close', (name) => {
    const r = result(report, name);
    expect(r.ok, r.message).toBe(true);
    expect(r.info).toMatchObject({ version: 'TLSv1.3', serverName: 'localhost', chainLength: 2, anchor: 'CN=puretls test root' });
    expect(r.reply).toBe(REVERSED);
  });

  it('auto picks WebCrypto, noble is noble', () => {
    expect(result(report, 'deno-tcp/auto').provider).toBe('node'); // Deno's node:crypto through process.getBuiltinModule
    expect(result(report, 'deno-tcp/noble').provider).toBe('noble');
  });

  it('a wrong CA fails verification', () => {
    expect(result(report, 'deno-tcp/wrong-ca')).toMatchObject({ ok: false, code: 'CERT_UNTRUSTED_ROOT', isTlsError: true });
  });

  it('without ca, the bundled roots are imported on demand (and do not trust the test root)', () => {
    expect(result(report, 'deno-tcp/bundled-roots')).toMatchObject({ ok: false, code: 'CERT_UNTRUSTED_ROOT' });
  });
});
