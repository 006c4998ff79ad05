/**
 * A real PostgreSQL server for the client tests: initdb in a temporary
 * directory, TLS on (the test PKI's localhost chain), password
 * authentication over TLS only, on a free loopback port; stopped and
 * removed by stop(). Runs as the `postgres` user when the tests run as
 * root (PostgreSQL refuses root), as the current user otherwise.
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { certFiles } from './fixtures.js';

const run = promisify(execFile);

/** The newest PostgreSQL server binaries (Debian: /usr/lib/postgresql/N/bin), or $PURETLS_PG_BIN. */
export function postgresBinDir(): string | null {
  if (process.env.PURETLS_PG_BIN) return process.env.PURETLS_PG_BIN;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => existsSync(path.join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(base, versions[0]!, 'bin') : null;
}

/** A running server and how to reach it. */
export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** The server log so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function ids(user: string): { uid: number; gid: number } | null {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  if (!line) return null;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Starts PostgreSQL with ssl=on and the `fixture` certificate chain; TLS is required for TCP clients. */
export async function startPostgres(fixture: 'server-p256' | 'server-rsa2048' = 'server-p256'): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (Debian: apt-get install postgresql)');
  const asRoot = userInfo().uid === 0;
  const owner = asRoot ? ids('postgres') : null;
  if (asRoot && !owner) throw new Error('running as root but there is no postgres user to run PostgreSQL as');
  const exec = (cmd: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]) : run(path.join(bin, cmd), args);
  const own = (p: string) => {
    if (owner) chownSync(p, owner.uid, owner.gid);
  };

  const dir = mkdtempSync(path.join(tmpdir(), 'puretls-pg-'));
  chmodSync(dir, 0o700);
  own(dir);
  const data = path.join(dir, 'data');
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const pwfile = path.join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  own(pwfile);
  const logFile = path.join(dir, 'postgres.log');
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  try {
    await exec('initdb', ['-D', data, '-U', 'postgres', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-sync', '--auth-local=trust', '--auth-host=scram-sha-256']);
    // The server's chain (leaf + intermediate) and key from the test PKI; the key must be private to the server.
    const files = certFiles(fixture);
    copyFileSync(files.chainPath, path.join(data, 'server.crt'));
    copyFileSync(files.keyPath, path.join(data, 'server.key'));
    chmodSync(path.join(data, 'server.key'), 0o600);
    own(path.join(data, 'server.crt'));
    own(path.join(data, 'server.key'));
    // TCP clients must use TLS and a password; the Unix socket (in `dir`) is for pg_ctl only.
    writeFileSync(
      path.join(data, 'pg_hba.conf'),
      'local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\nhost all all 0.0.0.0/0 reject\n',
    );
    own(path.join(data, 'pg_hba.conf'));
    const port = await freePort();
    const settings = [
      `listen_addresses=127.0.0.1`,
      `port=${port}`,
      `unix_socket_directories=${dir}`,
      'ssl=on',
      'ssl_cert_file=server.crt',
      'ssl_key_file=server.key',
      'fsync=off',
      'max_connections=20',
    ];
    await exec('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '60', '-o', settings.map((s) => `-c ${s}`).join(' '), 'start']);
    return {
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password,
      database: 'postgres',
      log,
      async stop() {
        try {
          await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (e) {
    const output = log();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${e instanceof Error ? e.message : String(e)}\n${output}`);
  }
}
