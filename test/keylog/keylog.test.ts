/**
 * A key log written by `puretls connect --keylog` lets Wireshark decrypt
 * the connection: tshark captures the loopback traffic while the CLI talks
 * HTTP to `openssl s_server -www`, then decodes the capture with and
 * without the key log.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certFiles, startOpenSslServer, type OpenSslServer } from '../peers/index.js';
import { ensureBuilt, runCli } from '../cli/run-cli.js';

const TSHARK = process.env.PURETLS_TSHARK ?? '/usr/bin/tshark';
const haveTshark = existsSync(TSHARK);
// CI installs tshark (.ci/run); elsewhere a missing tshark skips rather than fails.
const run = haveTshark || process.env.CI ? describe : describe.skip;
const exec = promisify(execFile);

/** Starts a capture and resolves once tshark reports it is capturing. */
async function startCapture(port: number, file: string): Promise<ChildProcess> {
  const child = spawn(TSHARK, ['-i', 'lo', '-f', `tcp port ${port}`, '-w', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tshark did not start capturing: ${err}`)), 20_000);
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      if (/Capturing on/.test(err)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tshark exited (${code}) before capturing: ${err}`));
    });
  });
  return child;
}

async function stopCapture(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT'); // tshark flushes and closes the file on SIGINT
  await exited;
}

run.each([['TLS 1.3', 'tls1.3'] as const, ['TLS 1.2', 'tls1.2'] as const])('puretls --keylog decrypts %s in tshark', (_v, protocol) => {
  let work: string;
  let www: OpenSslServer;
  let capture: string;
  let keylog: string;
  let reply = '';

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'puretls-keylog-'));
    capture = path.join(work, 'capture.pcapng');
    keylog = path.join(work, 'keys.txt');
    await ensureBuilt();
    www = await startOpenSslServer({ fixture: 'server-p256', mode: 'www', msg: false, alpn: ['http/1.1'], protocol });
    const tshark = await startCapture(www.port, capture);
    try {
      const r = await runCli(
        ['connect', `localhost:${www.port}`, '--ca', certFiles('root').certPath, '--alpn', 'http/1.1', '--keylog', keylog, '-q'],
        { input: 'GET /puretls-keylog-test HTTP/1.0\r\n\r\n' },
      );
      expect(r.code, r.stderr).toBe(0);
      reply = r.stdout;
      // Let the last packets reach the capture before stopping it.
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await stopCapture(tshark);
    }
  }, 120_000);

  afterAll(async () => {
    await www?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const decode = async (args: string[]): Promise<string> => {
    const { stdout } = await exec(TSHARK, ['-r', capture, '-d', `tcp.port==${www.port},tls`, ...args], {
      maxBuffer: 32 << 20,
    });
    return stdout;
  };

  it('the capture holds the connection and the key log its secrets', () => {
    expect(statSync(capture).size).toBeGreaterThan(1000);
    // TLS 1.2: one CLIENT_RANDOM line with the 48-byte master secret (NSS key log format).
    expect(readFileSync(keylog, 'utf8')).toMatch(
      protocol === 'tls1.3' ? /^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]{64}$/m : /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/m,
    );
    expect(reply).toMatch(/^HTTP\/1\.0 200 ok/);
    expect(reply).toContain(protocol === 'tls1.3' ? 'New, TLSv1.3' : 'New, TLSv1.2');
  });

  it('without the key log tshark sees only encrypted application data', async () => {
    const out = await decode(['-Y', 'http']);
    expect(out.trim()).toBe('');
    const tls = await decode(['-Y', 'tls.app_data', '-T', 'fields', '-e', 'frame.number']);
    expect(tls.trim().length).toBeGreaterThan(0);
  });

  it('with the key log tshark decrypts the handshake and the HTTP request and reply', async () => {
    // s_server -www's reply has no content-length: dissect the body per record
    // rather than waiting for an end that the TLS layer does not report.
    const keys = ['-o', `tls.keylog_file:${keylog}`, '-o', 'http.desegment_body:FALSE'];
    const http = await decode([...keys, '-Y', 'http', '-T', 'fields', '-e', 'http.request.uri', '-e', 'http.response.code']);
    expect(http).toContain('/puretls-keylog-test');
    expect(http).toMatch(/^\t200$/m);
    // TLS 1.3's Certificate and TLS 1.2's Finished are encrypted: visible only with the keys.
    const type = protocol === 'tls1.3' ? 11 : 20;
    const hs = await decode([...keys, '-Y', `tls.handshake.type == ${type}`, '-T', 'fields', '-e', 'tls.handshake.type']);
    expect(hs).toMatch(new RegExp(String(type)));
    const hidden = await decode(['-Y', `tls.handshake.type == ${type}`, '-T', 'fields', '-e', 'tls.handshake.type']);
    expect(hidden.trim()).toBe('');
    const hex = await decode([...keys, '-x', '-Y', 'http.response']);
    expect(hex).toContain('Decrypted TLS');
  });
});
