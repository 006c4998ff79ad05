/**
 * `puretls demo`: everything on this machine. A fresh root and localhost
 * certificate are made in-process, a Node HTTPS server listens on loopback,
 * and puretls connects to it, verifying against that root only, sends an
 * HTTP/1.1 request and prints what was negotiated and the reply.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Readable, Writable } from 'node:stream';
import type { DemoPki } from './certgen.js';
import { EXIT_OK, TLS_OPTIONS, UsageError, parse, reportFailure, sessionFlags, type Io } from './common.js';
import { openConnection, pipeConnection, prepareOptions } from './session.js';
import { formatSummary } from './summary.js';

/** The `puretls demo --help` text. */
export const DEMO_HELP = `Usage: puretls demo [options]

Runs a complete TLS 1.3 exchange without the network: makes a fresh P-256
root and a certificate for localhost in-process, starts a Node HTTPS server
on 127.0.0.1, connects to it with puretls (trusting only that fresh root),
sends "GET / HTTP/1.1" and prints the negotiated parameters and the reply.

Options:
  --alpn LIST, --groups LIST, --ciphers LIST, --keylog FILE, --trace, --json
                        as for puretls connect
  -h, --help            this help
`;

const OPTIONS = {
  alpn: TLS_OPTIONS.alpn,
  groups: TLS_OPTIONS.groups,
  ciphers: TLS_OPTIONS.ciphers,
  keylog: TLS_OPTIONS.keylog,
  trace: TLS_OPTIONS.trace,
  json: TLS_OPTIONS.json,
  help: TLS_OPTIONS.help,
} as const;

function startServer(pki: DemoPki): Promise<Server> {
  const server = createServer(
    { cert: pki.certPem, key: pki.keyPem, minVersion: 'TLSv1.3', ALPNProtocols: ['http/1.1'] },
    (req, res) => {
      const sock = req.socket as { getCipher?: () => { standardName?: string } };
      const body =
        `Hello from a Node HTTPS server on loopback.\n` +
        `You asked for ${req.method} ${req.url} over HTTP/${req.httpVersion}; ` +
        `the server sees cipher ${sock.getCipher?.().standardName ?? '?'}.\n`;
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    },
  );
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** `puretls demo`: a full handshake and HTTP/1.1 request against a local Node HTTPS server; returns the exit code. */
export async function demoCommand(args: readonly string[], io: Io): Promise<number> {
  let json = args.includes('--json');
  let server: Server | null = null;
  let dispose = (): void => undefined;
  try {
    const { values, positionals } = parse(args, OPTIONS);
    json = !!values.json;
    if (values.help) {
      io.stdout.write(DEMO_HELP);
      return EXIT_OK;
    }
    if (positionals.length) throw new UsageError(`demo takes no arguments (got ${positionals.join(' ')})`);
    const say = (text: string) => {
      if (!json) io.stdout.write(text);
    };
    say('puretls demo: no network needed, everything runs on 127.0.0.1\n\n');
    const t0 = Date.now();
    // Loaded here only: it brings @peculiar/x509 and its Reflect polyfill (src/cli/certgen.ts).
    const { generateDemoPki } = await import('./certgen.js');
    const pki = await generateDemoPki();
    say(`1. Generated a fresh P-256 root and a certificate for localhost (${Date.now() - t0} ms).\n`);
    server = await startServer(pki);
    const { port } = server.address() as AddressInfo;
    say(`2. Started a Node HTTPS server (TLS 1.3 only) on 127.0.0.1:${port}.\n`);
    const flags = { ...sessionFlags(values), ca: { name: 'demo root', data: pki.caPem }, servername: 'localhost' };
    flags.alpn ??= ['http/1.1'];
    const prepared = prepareOptions(flags, io.stderr);
    dispose = prepared.dispose;
    say('3. Connecting with puretls, trusting only that root...\n\n');
    const { conn, summary } = await openConnection({ host: '127.0.0.1', port }, flags, prepared);
    say(formatSummary(summary));
    const request = `GET / HTTP/1.1\r\nHost: localhost:${port}\r\nUser-Agent: puretls-demo\r\nConnection: close\r\n\r\n`;
    say(`\n4. Sent: ${JSON.stringify(request)}\n5. Reply:\n\n`);
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    await pipeConnection(conn, { input: Readable.from([Buffer.from(request)]), output: sink, progress: null });
    const reply = Buffer.concat(chunks).toString('utf8');
    if (json) {
      io.stdout.write(JSON.stringify({ ...summary, request, reply }) + '\n');
    } else {
      io.stdout.write(reply.replace(/\r\n/g, '\n').replace(/^/gm, '   ').trimEnd() + '\n\n');
      io.stdout.write('6. The server closed with close_notify; done.\n');
    }
    if (!/^HTTP\/1\.1 200 /.test(reply)) throw new Error(`unexpected reply: ${reply.split('\n')[0] ?? ''}`);
    return EXIT_OK;
  } catch (e) {
    return reportFailure(io, e, json);
  } finally {
    dispose();
    server?.closeAllConnections();
    server?.close();
  }
}
