/**
 * Issue 11: the `pg` driver, unmodified, against a real PostgreSQL server
 * (test/peers/postgres.ts: ssl=on with the test PKI, password
 * authentication over TLS only). PostgreSQL starts TLS after a plaintext
 * SSLRequest (STARTTLS): pg's `stream` option gets a puretls TLSSocket
 * whose `preamble` sends it, and pg itself speaks plain protocol
 * (`ssl: false`) over the encrypted stream.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TLSSocket } from '../../src/node.js';
import { certFiles } from '../peers/fixtures.js';
import { postgresBinDir, startPostgres, type PostgresServer } from '../peers/postgres.js';

/** PostgreSQL's SSLRequest (protocol §55.2.10): length 8, code 80877103; the server answers 'S' or 'N'. */
async function postgresSslRequest(socket: Duplex): Promise<void> {
  socket.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]));
  const [reply] = (await once(socket, 'data')) as [Buffer];
  if (reply.length !== 1 || reply[0] !== 0x53) {
    // Anything after the 'S' came before TLS, unauthenticated (CVE-2021-23222): refuse it.
    throw new Error(`PostgreSQL refused TLS (answered ${JSON.stringify(reply.toString('latin1'))})`);
  }
}

const ca = readFileSync(certFiles('root').certPath);

// CI installs PostgreSQL (.ci/run); elsewhere a missing server skips rather than fails.
const run = postgresBinDir() || process.env.CI ? describe : describe.skip;

run('pg over puretls against PostgreSQL', () => {
  let db: PostgresServer;
  beforeAll(async () => {
    db = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await db?.stop();
  }, 60_000);

  const client = (options: Partial<pg.ClientConfig> = {}) =>
    new pg.Client({
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      database: db.database,
      ssl: false, // pg speaks plaintext protocol to our socket; the socket does TLS
      stream: () => new TLSSocket({ servername: 'localhost', ca, preamble: postgresSslRequest }),
      ...options,
    });

  it('authenticates and runs queries over TLS 1.3', async () => {
    const c = client();
    await c.connect();
    const ssl = await c.query('SELECT ssl, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    expect(ssl.rows[0]).toEqual({ ssl: true, version: 'TLSv1.3', cipher: expect.stringMatching(/^TLS_/) });
    await c.query('CREATE TEMP TABLE notes (id serial PRIMARY KEY, body text)');
    const big = 'x'.repeat(100_000);
    await c.query('INSERT INTO notes (body) VALUES ($1), ($2)', ['hello over puretls', big]);
    const rows = await c.query<{ id: number; body: string }>('SELECT id, body FROM notes ORDER BY id');
    expect(rows.rows.map((r) => r.body)).toEqual(['hello over puretls', big]);
    await c.end();
  });

  it('runs a pool of concurrent clients', async () => {
    const pool = new pg.Pool({
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      database: db.database,
      max: 3,
      ssl: false,
      stream: () => new TLSSocket({ servername: 'localhost', ca, preamble: postgresSslRequest }),
    });
    const results = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((n) => pool.query<{ v: number }>('SELECT $1::int * 2 AS v, pg_sleep(0.05)', [n])),
    );
    expect(results.map((r) => r.rows[0]!.v)).toEqual([2, 4, 6, 8, 10, 12]);
    await pool.end();
  });

  it('is refused by the server without TLS, and refuses a server it does not trust', async () => {
    const plain = new pg.Client({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, ssl: false });
    await expect(plain.connect()).rejects.toThrow(/no encryption|pg_hba/);
    const untrusting = client({
      stream: () =>
        new TLSSocket({ servername: 'localhost', ca: readFileSync(certFiles('rsa-root').certPath), preamble: postgresSslRequest }),
    });
    await expect(untrusting.connect()).rejects.toMatchObject({ code: 'CERT_UNTRUSTED_ROOT' });
  });
});
