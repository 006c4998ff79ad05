/**
 * Web servers that Debian packages, run the way a user meets them: the
 * packaged binary, a config file written into a temp dir, listening on a free
 * loopback port, in the foreground as a guarded child process (no service,
 * no root paths touched), serving one static file.
 *
 *   nginx                     (package nginx: OpenSSL 3.0)
 *   lighttpd + mod_mbedtls    (lighttpd-mod-mbedtls: mbedTLS 2.28, TLS 1.2 only)
 *   lighttpd + mod_wolfssl    (lighttpd-mod-wolfssl: wolfSSL 5.5)
 *   lighttpd + mod_gnutls     (lighttpd-mod-gnutls: GnuTLS 3.7)
 *
 * lighttpd's TLS modules all read `ssl.openssl.ssl-conf-cmd`
 * (MinProtocol, MaxProtocol, CipherString, Curves, Options), whatever
 * their library.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { connect, type NodeConnectOptions } from '../../src/node.js';
import type { ConnectionInfo } from '../../src/handshake/client.js';
import { certFiles, type ServerCertName } from '../peers/fixtures.js';
import { spawnGuarded, type GuardedProcess } from '../peers/process.js';

export const NGINX = process.env.PURETLS_NGINX ?? '/usr/sbin/nginx';
export const LIGHTTPD = process.env.PURETLS_LIGHTTPD ?? '/usr/sbin/lighttpd';
const LIGHTTPD_MODULES = '/usr/lib/lighttpd';

export type LighttpdTls = 'mbedtls' | 'wolfssl' | 'gnutls';

export const haveNginx = (): boolean => existsSync(NGINX);
export const haveLighttpd = (tls: LighttpdTls): boolean =>
  existsSync(LIGHTTPD) && existsSync(path.join(LIGHTTPD_MODULES, `mod_${tls}.so`));

export interface WebServer {
  readonly name: string;
  readonly port: number;
  /** The temp dir holding the config, the docroot and the logs. */
  readonly dir: string;
  /** URL path of the static file, and its body (random per server). */
  readonly file: { readonly path: string; readonly body: string };
  readonly process: GuardedProcess;
  /** Everything the server printed so far (its error log goes to stderr). */
  output(): string;
  stop(): Promise<void>;
}

interface Launch {
  command: string;
  args: string[];
}

/** A port the kernel just handed out on 127.0.0.1 (closed again before the server binds it). */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

function tcpProbe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `port` accepts TCP connections; rejects if the process exits first or after `timeoutMs`. */
async function waitListening(proc: GuardedProcess, port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (proc.hasExited) throw new Error(`${proc.command} exited before listening on ${port}:\n${proc.output.slice(-4000)}`);
    if (await tcpProbe(port)) {
      if (proc.hasExited) throw new Error(`port ${port} answered but ${proc.command} exited:\n${proc.output.slice(-4000)}`);
      return;
    }
    if (Date.now() > until) throw new Error(`${proc.command} not listening on ${port} after ${timeoutMs} ms:\n${proc.output.slice(-4000)}`);
    await sleep(25);
  }
}

/**
 * Writes the docroot, lets `configure` write the config for a free port,
 * starts the server and waits until it listens. A port taken between our
 * pick and the server's bind is retried with another.
 */
async function startWebServer(name: string, configure: (dir: string, docroot: string, port: number) => Launch): Promise<WebServer> {
  const dir = mkdtempSync(path.join(tmpdir(), `puretls-${name}-`));
  const docroot = path.join(dir, 'www');
  mkdirSync(docroot);
  const body = `hello from ${name} ${randomBytes(8).toString('hex')}\n`;
  writeFileSync(path.join(docroot, 'hello.txt'), body);
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const { command, args } = configure(dir, docroot, port);
      const proc = spawnGuarded(command, args, { cwd: dir });
      try {
        await waitListening(proc, port);
      } catch (e) {
        await proc.stop();
        if (attempt < 3 && /Address already in use/i.test(proc.output)) continue;
        throw e;
      }
      return {
        name,
        port,
        dir,
        file: { path: '/hello.txt', body },
        process: proc,
        output: () => proc.output,
        async stop() {
          await proc.stop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

export interface NginxOptions {
  /** Certificate and key from the test PKI; the chain file (leaf + intermediates) is served. */
  fixture: ServerCertName;
  /** `ssl_protocols`, e.g. 'TLSv1.2' or 'TLSv1.2 TLSv1.3'. */
  protocols: string;
  /** `ssl_session_tickets`. */
  sessionTickets: boolean;
  /** `ssl_session_cache`, e.g. 'shared:SSL:1m'; default nginx's ('none'). */
  sessionCache?: string;
}

/** The access log line nginx writes per request: what it negotiated, from its side. */
export interface NginxAccess {
  protocol: string;
  cipher: string;
  curve: string;
  reused: boolean;
  status: number;
  uri: string;
}

export interface NginxServer extends WebServer {
  /** The access log's lines so far (waits up to `count` lines for a short while). */
  accessLog(count: number): Promise<NginxAccess[]>;
}

/**
 * nginx in the foreground (`daemon off; master_process off;`), one HTTPS
 * server block, all paths (pid, logs, temp dirs) in its temp dir (`-p`),
 * its startup log on stderr (`-e stderr`) so /var/log is never opened.
 */
export async function startNginx(options: NginxOptions): Promise<NginxServer> {
  const f = certFiles(options.fixture);
  let accessPath = '';
  const server = await startWebServer('nginx', (dir, docroot, port) => {
    accessPath = path.join(dir, 'access.log');
    const conf = path.join(dir, 'nginx.conf');
    writeFileSync(
      conf,
      `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr info;
events { worker_connections 64; }
http {
  log_format tls '$ssl_protocol|$ssl_cipher|$ssl_curve|$ssl_session_reused|$status|$uri';
  access_log ${accessPath} tls;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    server_name localhost;
    root ${docroot};
    ssl_certificate ${f.chainPath};
    ssl_certificate_key ${f.keyPath};
    ssl_protocols ${options.protocols};
    ssl_session_tickets ${options.sessionTickets ? 'on' : 'off'};
    ssl_session_cache ${options.sessionCache ?? 'none'};
  }
}
`,
    );
    return { command: NGINX, args: ['-p', dir, '-c', conf, '-e', 'stderr'] };
  });
  const read = (): NginxAccess[] => {
    if (!existsSync(accessPath)) return [];
    return readFileSync(accessPath, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [protocol = '', cipher = '', curve = '', reused = '', status = '', uri = ''] = line.split('|');
        return { protocol, cipher, curve, reused: reused === 'r', status: Number(status), uri };
      });
  };
  return {
    ...server,
    async accessLog(count) {
      // nginx logs a request when it finalizes it, which can be just after the reply left.
      for (let i = 0; i < 40 && read().length < count; i++) await sleep(25);
      return read();
    },
  };
}

export interface LighttpdOptions {
  tls: LighttpdTls;
  fixture: ServerCertName;
  /** `ssl.openssl.ssl-conf-cmd` entries (all of lighttpd's TLS modules read it), e.g. { MinProtocol: 'TLSv1.2' }. */
  sslConfCmd?: Record<string, string>;
  /** `debug.log-ssl-noise`: the TLS module logs more (mod_gnutls: the alerts it receives, any EOF). */
  logSslNoise?: number;
}

/** lighttpd in the foreground (`-D`), one TLS module; no `server.errorlog`, so its error log is stderr. */
export function startLighttpd(options: LighttpdOptions): Promise<WebServer> {
  const f = certFiles(options.fixture);
  const q = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  return startWebServer(`lighttpd-${options.tls}`, (dir, docroot, port) => {
    const conf = path.join(dir, 'lighttpd.conf');
    const cmds = Object.entries(options.sslConfCmd ?? {}).map(([k, v]) => `${q(k)} => ${q(v)}`);
    writeFileSync(
      conf,
      [
        `server.modules = ( ${q(`mod_${options.tls}`)} )`,
        `server.document-root = ${q(docroot)}`,
        `server.bind = "127.0.0.1"`,
        `server.port = ${port}`,
        `server.pid-file = ${q(path.join(dir, 'lighttpd.pid'))}`,
        `mimetype.assign = ( ".txt" => "text/plain" )`,
        `ssl.engine = "enable"`,
        `ssl.pemfile = ${q(f.chainPath)}`,
        `ssl.privkey = ${q(f.keyPath)}`,
        ...(cmds.length ? [`ssl.openssl.ssl-conf-cmd = ( ${cmds.join(', ')} )`] : []),
        ...(options.logSslNoise ? [`debug.log-ssl-noise = ${options.logSslNoise}`] : []),
        '',
      ].join('\n'),
    );
    return { command: LIGHTTPD, args: ['-D', '-f', conf] };
  });
}

export interface HttpsResponse {
  info: ConnectionInfo;
  status: number;
  headers: Record<string, string>;
  body: string;
}

const enc = (s: string) => new TextEncoder().encode(s);

/**
 * One HTTPS request through puretls's Node entry point: connect, send a
 * GET with `Connection: close`, read until the server's close_notify ends
 * the stream, parse the HTTP/1.1 reply.
 */
export async function httpsGet(
  port: number,
  urlPath: string,
  options: Omit<NodeConnectOptions, 'host' | 'port'>,
): Promise<HttpsResponse> {
  const conn = await connect({ host: '127.0.0.1', port, servername: 'localhost', handshakeTimeout: 10_000, ...options });
  const chunks: Uint8Array[] = [];
  try {
    const writer = conn.writable.getWriter();
    await writer.write(enc(`GET ${urlPath} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: puretls-test\r\nConnection: close\r\n\r\n`));
    writer.releaseLock();
    for await (const chunk of conn.readable) chunks.push(chunk);
  } finally {
    await conn.close();
  }
  const raw = Buffer.concat(chunks).toString('latin1');
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`no HTTP reply header in ${JSON.stringify(raw.slice(0, 200))}`);
  const [statusLine = '', ...lines] = raw.slice(0, split).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m) throw new Error(`bad status line ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { info: conn.info, status: Number(m[1]), headers, body: raw.slice(split + 4) };
}
