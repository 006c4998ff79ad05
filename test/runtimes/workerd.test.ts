/**
 * workerd (npm `workerd`), Cloudflare's Workers runtime: a Worker that
 * imports the published browser build (dist/browser/puretls.js, plus its
 * on-demand roots file) and reaches `openssl s_server` on loopback with
 * connect() from cloudflare:sockets, plain TCP (secureTransport "off"):
 * puretls does the TLS. Verified handshakes with WebCrypto ('auto') and
 * noble, a line out and its reversal back, close_notify both ways; a wrong
 * CA refused; and without `ca`, the bundled roots loaded by dynamic import
 * (and refusing the test root, which is not a Mozilla root). Then what the
 * platform's own TLS (secureTransport: 'on') cannot do: a client
 * certificate to a server that requires one, with the server's leaf
 * pinned; and X25519MLKEM768 with Node 26 (OpenSSL 3.5).
 *
 * The Worker's only network is loopback ("local"): workerd's outbound
 * service for it allows nothing else.
 */
import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certFiles, loadCert, spawnGuarded, startOpenSslServer, type GuardedProcess, type OpenSslServer } from '../peers/index.js';
import { startNode26TlsServer, type Node26TlsServer } from '../peers/node26-server.js';
import { makeConsumer, MESSAGE, packageVersion, result, REVERSED, runtimeBinary, type ClientReport, type Consumer } from './harness.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const config = (port: number): string => `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "workerd-worker.mjs"),
    (name = "common.mjs", esModule = embed "common.mjs"),
    (name = "puretls.js", esModule = embed "node_modules/puretls/dist/browser/puretls.js"),
    (name = "puretls-mozilla-roots.js", esModule = embed "node_modules/puretls/dist/browser/puretls-mozilla-roots.js"),
  ],
  compatibilityDate = "2026-11-01",
  globalOutbound = "loopback",
);
`;

describe('workerd', () => {
  let server: OpenSslServer;
  let mtlsServer: OpenSslServer;
  let pqServer: Node26TlsServer;
  let consumer: Consumer;
  let workerd: GuardedProcess;
  let report: ClientReport;

  beforeAll(async () => {
    server = await startOpenSslServer({ fixture: 'server-p256', mode: 'rev', msg: false });
    mtlsServer = await startOpenSslServer({
      fixture: 'server-p256',
      mode: 'rev',
      msg: false,
      verifyClient: { caFile: certFiles('client-ca').certPath, required: true },
    });
    pqServer = await startNode26TlsServer({ ecdhCurve: 'X25519MLKEM768' });
    consumer = makeConsumer(['workerd-worker.mjs']);
    const port = await freePort();
    writeFileSync(`${consumer.dir}/config.capnp`, config(port));
    workerd = spawnGuarded(runtimeBinary('workerd'), ['serve', 'config.capnp', '--verbose'], { cwd: consumer.dir });
    // Ready once it accepts HTTP on its socket.
    const url = `http://127.0.0.1:${port}/`;
    const client = loadCert('client-p256');
    const body = JSON.stringify({
      port: server.port,
      mtlsPort: mtlsServer.port,
      pqPort: pqServer.port,
      ca: loadCert('root').cert,
      wrongCa: loadCert('rsa-root').cert,
      client: { chain: client.cert, key: client.key },
      pin: createHash('sha256').update(loadCert('server-p256').certDer).digest('hex'),
    });
    for (let i = 0; ; i++) {
      try {
        const res = await fetch(url, { method: 'POST', body });
        report = (await res.json()) as ClientReport;
        break;
      } catch (e) {
        if (workerd.hasExited || i > 200) throw new Error(`workerd did not answer: ${String(e)}\n${workerd.output.slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }, 90_000);

  afterAll(async () => {
    await workerd?.stop();
    await server?.stop();
    await mtlsServer?.stop();
    await pqServer?.stop();
    consumer?.remove();
  });

  it('ran in workerd', () => {
    expect(report.runtime).toBe('workerd');
    expect(report.version).toBe('Cloudflare-Workers');
    expect(packageVersion('workerd')).toMatch(/^1\.\d{8}\.\d+$/);
  });

  it.each(['cf-sockets/auto', 'cf-sockets/noble'])('%s: verified handshake, data both ways, clean close', (name) => {
    const r = result(report, name);
    expect(r.ok, r.message).toBe(true);
    expect(r.info).toMatchObject({ version: 'TLSv1.3', serverName: 'localhost', chainLength: 2, anchor: 'CN=puretls test root' });
    expect(r.reply).toBe(REVERSED);
  });

  it('auto picks a platform provider, noble is noble', () => {
    // WebCrypto; workerd (compatibility date 2026-11-01) also has process.getBuiltinModule('node:crypto').
    expect(result(report, 'cf-sockets/auto').provider).toBe('webcrypto'); // the browser build has no node provider
    expect(result(report, 'cf-sockets/noble').provider).toBe('noble');
  });

  it('a wrong CA fails verification', () => {
    expect(result(report, 'cf-sockets/wrong-ca')).toMatchObject({ ok: false, code: 'CERT_UNTRUSTED_ROOT', isTlsError: true });
  });

  it('without ca, the bundled roots are imported on demand and do not trust the test root', () => {
    expect(result(report, 'cf-sockets/bundled-roots')).toMatchObject({
      ok: false,
      code: 'CERT_UNTRUSTED_ROOT',
      rootsLoadedBefore: false,
      roots: 121,
    });
  });

  it('sends a client certificate to a server that requires one, and pins the server leaf', () => {
    const r = result(report, 'cf-sockets/mtls-pinned');
    expect(r.ok, r.message).toBe(true);
    expect(r.info).toMatchObject({ clientCertificateSent: true, anchor: 'CN=puretls test root' });
    expect(r.reply).toBe(REVERSED);
  });

  it('a wrong pin refuses the server; no client certificate is refused by the server', () => {
    expect(result(report, 'cf-sockets/wrong-pin')).toMatchObject({ ok: false, code: 'BAD_CERTIFICATE' });
    expect(result(report, 'cf-sockets/no-client-cert')).toMatchObject({ ok: false, code: 'ALERT_RECEIVED', message: expect.stringMatching(/certificate_required/) });
  });

  it('X25519MLKEM768 with Node 26 (OpenSSL 3.5)', () => {
    const r = result(report, 'cf-sockets/mlkem');
    expect(r.ok, r.message).toBe(true);
    expect(r.info).toMatchObject({ version: 'TLSv1.3', group: 'X25519MLKEM768' });
    expect(r.reply).toBe(MESSAGE + '\n'); // an echo server
  });
});
