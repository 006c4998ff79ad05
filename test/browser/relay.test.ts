/**
 * puretls/relay (src/relay) on its own, with the `ws` package as the client:
 * the allow-list and the public-address rule, the limits (connections,
 * connect time, idle time), the origin check, the signalling subprotocol
 * (connected / end / close codes) and the legacy byte-only mode, its own
 * RFC 6455 framing (fragments, large frames, ping, unmasked frames), and the
 * `puretls-relay` command. Every target is a real TCP listener on loopback.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import { once } from 'node:events';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { parseRelayArgs } from '../../src/relay/cli.js';
import { compileAllowList, isPublicAddress } from '../../src/relay/policy.js';
import { CLOSE_CODES, TCP_SUBPROTOCOL, errorCodeForClose, formatTarget, parseTarget } from '../../src/relay/protocol.js';
import { startRelay, type Relay, type RelayEvent, type RelayOptions } from '../../src/relay/server.js';
import { startDeadTarget, type DeadTarget } from './dead-target.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A TCP target: echoes, ends its side when the client ends; or stays silent. */
async function startTarget(mode: 'echo' | 'silent'): Promise<{ port: number; fins: number; stop(): Promise<void> }> {
  const state = { fins: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    if (mode === 'echo') s.on('data', (d) => s.write(d));
    s.on('end', () => {
      state.fins++;
      if (mode === 'echo') s.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    get fins() {
      return state.fins;
    },
    stop: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

interface Client {
  ws: WebSocket;
  texts: string[];
  bytes: Buffer[];
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  /** The HTTP status when the upgrade was refused. */
  refused: Promise<number>;
}

function client(url: string, options: { signalling?: boolean; origin?: string } = {}): Client {
  const ws = new WebSocket(url, options.signalling === false ? [] : [TCP_SUBPROTOCOL], { origin: options.origin });
  const c: Client = {
    ws,
    texts: [],
    bytes: [],
    opened: once(ws, 'open').then(() => undefined),
    closed: new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))),
    refused: new Promise((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))),
  };
  ws.on('error', () => undefined);
  ws.on('message', (data, isBinary) => {
    if (isBinary) c.bytes.push(Buffer.from(data as Buffer));
    else c.texts.push(data.toString());
  });
  return c;
}

const waitFor = async (check: () => boolean, ms = 5000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('relay policy and protocol helpers', () => {
  it('allow rules: exact names, *.domain (not the domain itself), any host, any port, IPv6', () => {
    const allow = compileAllowList(['example.com:443', '*.example.net:443', '[::1]:8443', '*:7', '10.0.0.1:*']);
    const ok = (host: string, port: number) => allow({ host, port });
    expect(ok('example.com', 443)).toBe(true);
    expect(ok('example.com', 80)).toBe(false);
    expect(ok('www.example.com', 443)).toBe(false);
    expect(ok('a.b.example.net', 443)).toBe(true);
    expect(ok('example.net', 443)).toBe(false);
    expect(ok('evilexample.net', 443)).toBe(false);
    expect(ok('::1', 8443)).toBe(true);
    expect(ok('anything', 7)).toBe(true);
    expect(ok('10.0.0.1', 65535)).toBe(true);
    for (const bad of ['example.com', 'example.com:0', 'ex*ample.com:443', '*.*.com:443', 'a:b']) {
      expect(() => compileAllowList([bad])).toThrow(TypeError);
    }
  });

  it('public addresses: loopback, private, link-local, stand-in and mapped addresses are not', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888']) expect(isPublicAddress(a), a).toBe(true);
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '198.18.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', 'not-an-ip']) {
      expect(isPublicAddress(a), a).toBe(false);
    }
  });

  it('targets: host:port and [v6]:port round-trip; malformed ones are null', () => {
    expect(parseTarget('Example.COM.:443')).toEqual({ host: 'example.com', port: 443 });
    expect(parseTarget('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
    expect(formatTarget({ host: '::1', port: 8443 })).toBe('[::1]:8443');
    for (const bad of ['example.com', 'example.com:0', 'example.com:70000', 'a b:1', 'a/b:1', '[zz]:1']) expect(parseTarget(bad), bad).toBeNull();
    expect(errorCodeForClose(4403)).toBe('access-denied');
    expect(errorCodeForClose(1011)).toBe('other');
    expect(Object.keys(CLOSE_CODES).every((c) => Number(c) >= 4000 && Number(c) < 5000)).toBe(true);
  });

  it('the command line: rules, limits and mistakes', () => {
    expect(
      parseRelayArgs(['--allow', 'a.example:443', '--allow', '*.b.example:443', '--origin', 'https://app.example', '--listen', '[::]:9000', '--idle-timeout', '0']),
    ).toMatchObject({ allow: ['a.example:443', '*.b.example:443'], origins: ['https://app.example'], listen: { host: '::', port: 9000 }, idleTimeout: 0 });
    expect(() => parseRelayArgs([])).toThrow(/--allow/);
    expect(() => parseRelayArgs(['--allow'])).toThrow(/needs a value/);
    expect(() => parseRelayArgs(['--allow', 'x:1', '--max-connections', 'many'])).toThrow(/whole number/);
    expect(() => parseRelayArgs(['--allow', 'x:1', '--bogus'])).toThrow(/unknown argument/);
  });
});

describe('the relay', () => {
  let echo: Awaited<ReturnType<typeof startTarget>>;
  let silent: Awaited<ReturnType<typeof startTarget>>;
  let dead: DeadTarget;
  const relays: Relay[] = [];
  const events: RelayEvent[] = [];
  const relay = async (options: Partial<RelayOptions> = {}) => {
    const r = await startRelay({
      allow: ['127.0.0.1:*', 'localhost:*'],
      addresses: 'any',
      onEvent: (e) => events.push(e),
      ...options,
    });
    relays.push(r);
    return r;
  };

  beforeAll(async () => {
    echo = await startTarget('echo');
    silent = await startTarget('silent');
    dead = await startDeadTarget();
  });
  afterAll(async () => {
    for (const r of relays) await r.stop();
    await echo?.stop();
    await silent?.stop();
    dead?.stop();
  });

  it('signalling mode: connected, bytes both ways, end each way (TCP half-close), then 1000', async () => {
    const r = await relay();
    const c = client(`${r.url}127.0.0.1:${echo.port}`);
    await waitFor(() => c.texts.includes('connected'));
    expect(c.ws.protocol).toBe(TCP_SUBPROTOCOL);
    c.ws.send(Buffer.from('ping over tcp'));
    await waitFor(() => Buffer.concat(c.bytes).toString() === 'ping over tcp');
    const fins = echo.fins;
    c.ws.send('end');
    await waitFor(() => echo.fins === fins + 1); // the target saw the client's FIN
    expect(await c.closed).toEqual({ code: 1000, reason: '' });
    expect(c.texts).toEqual(['connected', 'end']);
    expect(r.stats).toMatchObject({ connections: 1, active: 0, bytesToTarget: 13, bytesFromTarget: 13, textMessages: 0 });
  });

  it('large and fragmented binary messages and pings pass (frames are streamed, not buffered whole)', async () => {
    const r = await relay();
    const c = client(`${r.url}127.0.0.1:${echo.port}`);
    await waitFor(() => c.texts.includes('connected'));
    const big = Buffer.alloc(3 << 20, 7);
    big.write('start', 0);
    c.ws.send(big);
    c.ws.send(Buffer.from('frag-'), { fin: false });
    c.ws.send(Buffer.from('ment'), { fin: true });
    const pong = once(c.ws, 'pong');
    c.ws.ping(Buffer.from('hi'));
    expect((await pong)[0].toString()).toBe('hi');
    await waitFor(() => Buffer.concat(c.bytes).length === big.length + 9, 15_000);
    const all = Buffer.concat(c.bytes);
    expect(all.subarray(0, big.length).equals(big)).toBe(true);
    expect(all.subarray(big.length).toString()).toBe('frag-ment');
    c.ws.close(1000);
    await c.closed;
  });

  it('refuses a target outside the allow-list (4403) and a malformed one (4400), before any TCP', async () => {
    const r = await relay({ allow: [`127.0.0.1:${echo.port}`] });
    const mark = events.length;
    const denied = client(`${r.url}127.0.0.1:${silent.port}`);
    expect(await denied.closed).toEqual({ code: 4403, reason: `127.0.0.1:${silent.port} is not on the relay's allow-list` });
    expect(events.slice(mark)).toContainEqual(expect.objectContaining({ type: 'refused', code: 4403 }));
    const malformed = client(`${r.url}no-port-here`);
    expect((await malformed.closed).code).toBe(4400);
    expect(await client(`${r.url}%E0%A4%A`).refused).toBe(400); // not even decodable: no WebSocket
    expect(r.stats.refused).toEqual({ 4403: 1, 4400: 1 });
    expect(r.stats.bytesToTarget).toBe(0);
  });

  it('by default connects only to public addresses: an allowed name that resolves to loopback is refused', async () => {
    const r = await relay({ addresses: undefined, allow: ['localhost:*', '127.0.0.1:*'] });
    expect((await client(`${r.url}localhost:${echo.port}`).closed).code).toBe(4403);
    expect((await client(`${r.url}127.0.0.1:${echo.port}`).closed).code).toBe(4403);
    // A public name whose DNS answer points inward: the same.
    const rebinding = await relay({ addresses: undefined, allow: ['public.example:*'], lookup: async () => [{ address: '10.0.0.5', family: 4 }] });
    expect(await client(`${rebinding.url}public.example:443`).closed).toMatchObject({ code: 4403, reason: expect.stringContaining('no address') });
  });

  it('maps failures to close codes: refused (4111), unresolvable (4113)', async () => {
    const r = await relay({
      lookup: async (host) => {
        if (host === 'nowhere.test') throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
        return [{ address: '127.0.0.1', family: 4 }];
      },
      allow: ['*:*'],
    });
    expect((await client(`${r.url}127.0.0.1:1`).closed).code).toBe(4111);
    expect((await client(`${r.url}nowhere.test:443`).closed).code).toBe(4113);
  });

  it('a dead target times out cleanly (4110) after connectTimeout', async () => {
    const r = await relay({ connectTimeout: 400 });
    const started = Date.now();
    const c = client(`${r.url}127.0.0.1:${dead.port}`);
    expect(await c.closed).toEqual({ code: 4110, reason: 'connect timed out' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(c.texts).toEqual([]);
    await waitFor(() => r.stats.active === 0);
  });

  it('a slow target that never answers is closed after idleTimeout (4408), and its TCP connection with it', async () => {
    const r = await relay({ idleTimeout: 300 });
    const c = client(`${r.url}127.0.0.1:${silent.port}`);
    await waitFor(() => c.texts.includes('connected'));
    c.ws.send(Buffer.from('hello?'));
    const started = Date.now();
    expect(await c.closed).toEqual({ code: 4408, reason: 'idle timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await waitFor(() => r.stats.active === 0);
  });

  it('limits open connections overall and per client (4429)', async () => {
    const r = await relay({ maxConnections: 2, maxConnectionsPerClient: 1 });
    const first = client(`${r.url}127.0.0.1:${echo.port}`);
    await waitFor(() => first.texts.includes('connected'));
    expect(await client(`${r.url}127.0.0.1:${echo.port}`).closed).toEqual({ code: 4429, reason: 'too many connections from this client' });
    const byAddress = await relay({ maxConnections: 1, clientAddress: () => `client-${Math.random()}` });
    const one = client(`${byAddress.url}127.0.0.1:${echo.port}`);
    await waitFor(() => one.texts.includes('connected'));
    expect(await client(`${byAddress.url}127.0.0.1:${echo.port}`).closed).toEqual({ code: 4429, reason: 'relay at its connection limit' });
    first.ws.close();
    one.ws.close();
    await Promise.all([first.closed, one.closed]);
    await waitFor(() => r.stats.active === 0 && byAddress.stats.active === 0);
    // A slot freed is a slot again.
    const again = client(`${r.url}127.0.0.1:${echo.port}`);
    await waitFor(() => again.texts.includes('connected'));
    again.ws.close();
  });

  it('refuses pages from other origins with HTTP 403, and requests off its path are left alone', async () => {
    const r = await relay({ origins: ['https://app.example'], path: '/tcp/' });
    expect(await client(`${r.url}127.0.0.1:${echo.port}`, { origin: 'https://evil.example' }).refused).toBe(403);
    expect(await client(`${r.url}127.0.0.1:${echo.port}`).refused).toBe(403); // no Origin at all
    const ok = client(`${r.url}127.0.0.1:${echo.port}`, { origin: 'https://app.example' });
    await waitFor(() => ok.texts.includes('connected'));
    ok.ws.close();
    expect(r.stats.connections).toBe(1);
  });

  it('without the subprotocol: bytes only (puretls/websocket), a text message is closed with 1003', async () => {
    const r = await relay();
    const plain = client(`${r.url}127.0.0.1:${echo.port}`, { signalling: false });
    await plain.opened;
    expect(plain.ws.protocol).toBe('');
    plain.ws.send(Buffer.from('early bytes are kept'));
    await waitFor(() => Buffer.concat(plain.bytes).toString() === 'early bytes are kept');
    plain.ws.send('text');
    expect((await plain.closed).code).toBe(1003);
    expect(plain.texts).toEqual([]);
    expect(r.stats.textMessages).toBe(1);
  });

  it('closes a connection whose client sends an unmasked frame (1002)', async () => {
    const r = await relay();
    const { port } = new URL(r.url);
    const raw = net.connect(Number(port), '127.0.0.1');
    await once(raw, 'connect');
    raw.write(
      `GET /127.0.0.1:${echo.port} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${Buffer.alloc(16, 1).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    let got = Buffer.alloc(0);
    raw.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
    await waitFor(() => got.includes('\r\n\r\n'));
    expect(got.toString()).toMatch(/^HTTP\/1\.1 101 /);
    const headerEnd = got.indexOf('\r\n\r\n') + 4;
    raw.write(Buffer.from([0x82, 0x02, 0x61, 0x62])); // binary "ab", not masked
    await waitFor(() => got.length >= headerEnd + 4);
    const close = got.subarray(headerEnd);
    expect(close[0]).toBe(0x88);
    expect(close.readUInt16BE(2)).toBe(1002);
    raw.destroy();
  });
});

const CLI = path.join(ROOT, 'dist', 'relay', 'cli.js');
// `npm run build` (CI runs it before the tests) makes dist/; elsewhere a missing build skips.
const withCli = existsSync(CLI) || process.env.CI ? describe : describe.skip;

withCli('the puretls-relay command', () => {
  it('listens, refuses an unlisted target with a logged event, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, '--listen', '127.0.0.1:0', '--allow', 'example.com:443'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const url = /listening on (ws:\/\/\S+)/.exec(line.toString())?.[1];
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await client(`${url}127.0.0.1:22`).closed).code).toBe(4403);
    await waitFor(() => stderr.includes('"type":"refused"'));
    expect(JSON.parse(stderr.trim().split('\n')[0]!)).toMatchObject({ type: 'refused', target: '127.0.0.1:22', code: 4403 });
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
  });
});
