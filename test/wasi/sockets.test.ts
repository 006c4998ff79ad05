/**
 * The page's wasi:sockets@0.3.0 host (src/wasi/sockets.ts) driven from JS in
 * Node, with the `ws` package's WebSocket, through puretls's relay
 * (src/relay) to real TCP servers: data and half-close both ways, the stand-in
 * addresses of ip-name-lookup, the WIT error codes of each failure, and TLS
 * (puretls/wasi's 0.3 connector) on top against `openssl s_server`.
 * The same host in Chromium under a component: test/browser/wasi.test.ts.
 */
import * as net from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { startRelay, type Relay, type RelayEvent } from '../../src/relay/server.js';
import { Connector } from '../../src/wasi/client.js';
import {
  SocketError,
  TcpSocket,
  createSocketsInterfaces,
  type IpSocketAddress,
  type SocketsInterfaces,
} from '../../src/wasi/sockets.js';
import type { WebSocketConstructorLike } from '../../src/websocket.js';
import { startDeadTarget } from '../browser/dead-target.js';
import { loadCert, SERVER_ROOT, startOpenSslServer, type OpenSslServer } from '../peers/index.js';

const WS = WebSocket as unknown as WebSocketConstructorLike;
const encode = (s: string) => new TextEncoder().encode(s);
const v4 = (port: number, address: [number, number, number, number] = [127, 0, 0, 1]): IpSocketAddress => ({
  tag: 'ipv4',
  val: { port, address },
});

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += new TextDecoder().decode(chunk);
  return out;
}

/** The WIT error a host call threw (jco's `payload`). */
async function errorOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SocketError);
    return (e as SocketError).payload;
  }
  throw new Error('expected a wasi:sockets error');
}

/** A TCP server that echoes upper-cased and ends its side when the client ends (a half-close peer). */
async function startEcho(): Promise<{ port: number; server: net.Server; stop(): Promise<void> }> {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('data', (d: Buffer) => s.write(d.toString('latin1').toUpperCase()));
    s.on('end', () => s.end());
    s.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    server,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}

let echo: Awaited<ReturnType<typeof startEcho>>;
let tls: OpenSslServer;
let relay: Relay;
let host: SocketsInterfaces;
const events: RelayEvent[] = [];

beforeAll(async () => {
  echo = await startEcho();
  tls = await startOpenSslServer({ fixture: 'server-p256', mode: 'rev', msg: false });
  relay = await startRelay({
    allow: [`127.0.0.1:${echo.port}`, `localhost:${echo.port}`, `localhost:${tls.port}`, '127.0.0.1:1', '127.0.0.1:*'],
    addresses: 'any',
    connectTimeout: 600,
    onEvent: (e) => events.push(e),
  });
  host = createSocketsInterfaces({ relay: relay.url, WebSocket: WS });
});
afterAll(async () => {
  await relay?.stop();
  await echo?.stop();
  await tls?.stop();
});

describe('tcp-socket over the relay', () => {
  it('sends, half-closes, and reads the reply to its end, both futures ok', async () => {
    const socket = host.types.TcpSocket.create('ipv4');
    await socket.connect(v4(echo.port));
    expect(socket.getRemoteAddress()).toEqual(v4(echo.port));
    const [incoming, received] = socket.receive();
    const sent = socket.send([encode('hello '), encode('relay')]);
    expect(await readAll(incoming)).toBe('HELLO RELAY');
    expect(await sent).toEqual({ tag: 'ok', val: undefined });
    expect(await received).toEqual({ tag: 'ok', val: undefined });
  });

  it('connects to a name through its stand-in address; the relay gets the name', async () => {
    const [address] = await host.ipNameLookup.resolveAddresses('LocalHost.');
    expect(address).toMatchObject({ tag: 'ipv4', val: [198, 18, expect.any(Number), expect.any(Number)] });
    expect(await host.ipNameLookup.resolveAddresses('localhost')).toEqual([address]);
    const socket = host.types.TcpSocket.create('ipv4');
    const mark = events.length;
    await socket.connect({ tag: 'ipv4', val: { port: echo.port, address: address!.val as [number, number, number, number] } });
    expect(events.slice(mark)).toContainEqual(expect.objectContaining({ type: 'open', target: `localhost:${echo.port}` }));
    const [incoming] = socket.receive();
    void socket.send([encode('x')]);
    expect(await readAll(incoming)).toBe('X');
  });

  it('name lookup: literals are themselves, bad names are invalid-argument', async () => {
    expect(await host.ipNameLookup.resolveAddresses('10.1.2.3')).toEqual([{ tag: 'ipv4', val: [10, 1, 2, 3] }]);
    expect(await host.ipNameLookup.resolveAddresses('[::1]')).toEqual([{ tag: 'ipv6', val: [0, 0, 0, 0, 0, 0, 0, 1] }]);
    expect(await host.ipNameLookup.resolveAddresses('fe80::1:2')).toEqual([{ tag: 'ipv6', val: [0xfe80, 0, 0, 0, 0, 0, 1, 2] }]);
    for (const bad of ['', 'a b', 'x/y', 'user@host', '300.1.1.1:80']) {
      expect(await errorOf(host.ipNameLookup.resolveAddresses(bad))).toEqual({ tag: 'invalid-argument' });
    }
  });

  it('maps each failure to its WIT error code', async () => {
    const connect = (address: IpSocketAddress, family: 'ipv4' | 'ipv6' = 'ipv4') =>
      errorOf(host.types.TcpSocket.create(family).connect(address));
    // 127.0.0.2 is on no rule of the allow-list.
    expect(await connect(v4(443, [127, 0, 0, 2]))).toEqual({ tag: 'access-denied' });
    expect(await connect(v4(1))).toEqual({ tag: 'connection-refused' });
    expect(await connect(v4(0))).toEqual({ tag: 'invalid-argument' });
    expect(await connect(v4(80), 'ipv6')).toEqual({ tag: 'invalid-argument' });
    expect(await errorOf(Promise.resolve().then(() => host.types.UdpSocket.create()))).toEqual({ tag: 'not-supported' });
    const unconnected = host.types.TcpSocket.create('ipv4');
    expect(await unconnected.send([encode('x')])).toEqual({ tag: 'err', val: { tag: 'invalid-state' } });
    expect(await unconnected.receive()[1]).toEqual({ tag: 'err', val: { tag: 'invalid-state' } });
  });

  it('a dead target times out cleanly (timeout), within the relay connect timeout', async () => {
    const dead = await startDeadTarget();
    try {
      const started = Date.now();
      expect(await errorOf(host.types.TcpSocket.create('ipv4').connect(v4(dead.port)))).toEqual({ tag: 'timeout' });
      expect(Date.now() - started).toBeLessThan(3000);
      await vi.waitFor(() => expect(relay.stats.active).toBe(0));
      expect(relay.stats.refused[4110]).toBeGreaterThan(0);
    } finally {
      dead.stop();
    }
  });

  it('a target that accepts and then says nothing: the relay idle timeout ends receive with timeout', async () => {
    const quiet = net.createServer(() => undefined);
    quiet.listen(0, '127.0.0.1');
    await once(quiet, 'listening');
    const idle = await startRelay({ allow: ['127.0.0.1:*'], addresses: 'any', idleTimeout: 300 });
    try {
      const h = createSocketsInterfaces({ relay: idle.url, WebSocket: WS });
      const socket = h.types.TcpSocket.create('ipv4');
      await socket.connect(v4((quiet.address() as net.AddressInfo).port));
      const [incoming, received] = socket.receive();
      const sent = socket.send(new ReadableStream({ start: (c) => c.enqueue(encode('anyone there?')) }));
      expect(await readAll(incoming)).toBe('');
      expect(await received).toEqual({ tag: 'err', val: { tag: 'timeout' } });
      expect(await sent).toEqual({ tag: 'err', val: { tag: 'timeout' } });
    } finally {
      await idle.stop();
      quiet.close();
    }
  });

  it('a relay that cannot be reached is other(...), not a target error', async () => {
    const nowhere = createSocketsInterfaces({ relay: 'ws://127.0.0.1:1/', WebSocket: WS });
    const error = await errorOf(nowhere.types.TcpSocket.create('ipv4').connect(v4(443)));
    expect(error).toMatchObject({ tag: 'other', val: expect.stringContaining('cannot reach the relay') });
  });

  it('an unconfigured module-level host says so', async () => {
    const error = await errorOf(TcpSocket.create('ipv4').connect(v4(443)));
    expect(error).toMatchObject({ tag: 'other', val: expect.stringContaining('no relay configured') });
  });
});

describe('TLS through wasi:sockets and wasi:tls 0.3 (the guest steps in JS)', () => {
  it('handshakes with openssl s_server through the relay and gets the reversed line', async () => {
    const [address] = await host.ipNameLookup.resolveAddresses('localhost');
    const socket = host.types.TcpSocket.create('ipv4');
    await socket.connect({ tag: 'ipv4', val: { port: tls.port, address: address!.val as [number, number, number, number] } });
    const connector = new Connector({ ca: loadCert(SERVER_ROOT['server-p256']).cert });
    const cleartext = new TransformStream<Uint8Array, Uint8Array>();
    const [ciphertext, sent] = connector.send(cleartext.readable);
    const [fromNet, netDone] = socket.receive();
    const [plaintext, received] = connector.receive(fromNet);
    const socketSent = socket.send(ciphertext);
    await Connector.connect(connector, 'localhost');
    const writer = cleartext.writable.getWriter();
    await writer.write(encode('through the relay\n'));
    const reading = readAll(plaintext);
    await writer.close();
    expect(await reading).toBe('yaler eht hguorht\n');
    expect(await sent).toEqual({ tag: 'ok', val: undefined });
    expect(await received).toEqual({ tag: 'ok', val: undefined });
    expect(await socketSent).toEqual({ tag: 'ok', val: undefined });
    expect(await netDone).toEqual({ tag: 'ok', val: undefined });
  });
});
