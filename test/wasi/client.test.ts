/**
 * The wasi:tls@0.3.0-draft host objects (src/wasi/client.ts) driven from JS
 * the way jco's p3 glue drives them, against `openssl s_server -rev`.
 * (The same objects under a real p3 component: p3.test.ts.)
 */
import * as net from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipeToNode, readNode } from '../../src/wasi/bridge.js';
import {
  client,
  clientTypes,
  Connector,
  createClientInterface,
  toByteStream,
  WasiTlsError,
  type ByteSource,
  type Result,
} from '../../src/wasi/client.js';
import { configure } from '../../src/wasi/options.js';
import { loadCert, SERVER_ROOT, startOpenSslServer, type OpenSslServer } from '../peers/index.js';

const ROOT = loadCert(SERVER_ROOT['server-p256']).cert;
const encode = (s: string) => new TextEncoder().encode(s);

let server: OpenSslServer;
beforeAll(async () => {
  server = await startOpenSslServer({ fixture: 'server-p256', mode: 'rev', msg: false });
});
afterAll(async () => {
  await server?.stop();
});

/** A jco-style p3 stream reader: read({ count }) resolves chunks, then null. */
function countReader(stream: ReadableStream<Uint8Array>): ByteSource {
  const reader = stream.getReader();
  return {
    async read(options?: { count: number }) {
      const { value, done } = await reader.read();
      if (done) return null;
      expect(options?.count).toBeGreaterThan(0);
      return value;
    },
  };
}

/** Wires a connector to a TCP connection the way a guest wires wasi:sockets. */
async function wire(connector: Connector, cleartext: ByteSource) {
  const socket = net.connect(server.port, server.host);
  await once(socket, 'connect');
  const [ciphertext, sent] = connector.send(cleartext);
  const [plaintext, received] = connector.receive(countReader(readNode(socket)));
  void pipeToNode(ciphertext, socket).catch(() => undefined);
  return { socket, plaintext, sent, received };
}

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += new TextDecoder().decode(chunk);
  return out;
}

describe('wasi:tls/client@0.3.0-draft host', () => {
  it('runs a verified handshake and exchanges data; closing cleartext sends close_notify', async () => {
    const c = new (createClientInterface({ ca: ROOT }).Connector)();
    async function* lines() {
      yield encode('hello ');
      yield encode('p3\n');
    }
    const { plaintext, sent, received } = await wire(c, lines());
    await Connector.connect(c, 'localhost');
    // The reply comes back before the server's close_notify ends the stream.
    expect(await readAll(plaintext as unknown as AsyncIterable<Uint8Array>)).toBe('3p olleh\n');
    expect(await sent).toEqual({ tag: 'ok', val: undefined });
    expect(await received).toEqual({ tag: 'ok', val: undefined });
  });

  it('uses the options set through configure() when the guest constructs it', async () => {
    configure({ ca: ROOT });
    const c = new client.Connector();
    const { plaintext } = await wire(c, [encode('abc\n')]);
    const info = await c.connect('localhost');
    expect(info.serverName).toBe('localhost');
    expect(await readAll(plaintext as unknown as AsyncIterable<Uint8Array>)).toBe('cba\n');
    configure({});
  });

  it('rejects connect with the error resource and settles both futures as err', async () => {
    const c = new (createClientInterface({ ca: ROOT }).Connector)();
    const { sent, received, socket } = await wire(c, new ReadableStream<Uint8Array>());
    const failure = await Connector.connect(c, 'wrong.example').then(
      () => null,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(clientTypes.Error);
    const err = failure as WasiTlsError;
    expect(err.error.code).toBe('CERT_NAME_MISMATCH');
    expect(err.toDebugString()).toMatch(/CERT_NAME_MISMATCH.*alert sent: bad_certificate/);
    const outcomes: Result<void, WasiTlsError>[] = [await sent, await received];
    for (const o of outcomes) {
      expect(o.tag).toBe('err');
      if (o.tag === 'err') expect(o.val.error.code).toBe('CERT_NAME_MISMATCH');
    }
    socket.destroy();
  });
});

describe('toByteStream', () => {
  it('takes WHATWG streams as they are', () => {
    const s = new ReadableStream<Uint8Array>();
    expect(toByteStream(s)).toBe(s);
  });

  it('accepts bytes as numbers, arrays, buffers and views', async () => {
    const s = toByteStream([104, [105, 32], new Uint8Array([33]).buffer, new DataView(encode('?').buffer)]);
    expect(await readAll(s as unknown as AsyncIterable<Uint8Array>)).toBe('hi !?');
  });

  it('refuses anything else', async () => {
    const reader = toByteStream(['text']).getReader();
    await expect(reader.read()).rejects.toThrow(/other than bytes/);
    expect(() => toByteStream({} as ByteSource)).toThrow(/not a byte stream/);
  });
});
