/**
 * The Node ⇄ WHATWG stream adapters the wasi:tls 0.2 host runs in
 * preview2-shim's IO worker (src/wasi/bridge.ts), and the options check.
 */
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { nodeReadable, pipeToNode, readNode, WritableBridge } from '../../src/wasi/bridge.js';
import { checkWasiOptions, connectorOptions, DEFAULT_WASI_HANDSHAKE_TIMEOUT } from '../../src/wasi/options.js';
import type { WasiTlsOptions } from '../../src/wasi/options.js';
import { loadCert } from '../peers/fixtures.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function drain(stream: ReadableStream<Uint8Array>): Promise<string> {
  let out = '';
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return out;
    out += text(value);
  }
}

describe('readNode (network → Connector)', () => {
  it('delivers chunks, then ends with the Node stream', async () => {
    const src = new PassThrough();
    const web = readNode(src);
    src.write('abc');
    setTimeout(() => {
      src.write('def');
      src.end();
    }, 5);
    expect(await drain(web)).toBe('abcdef');
  });

  it('errors with the Node stream', async () => {
    const src = new PassThrough();
    const reader = readNode(src).getReader();
    const pending = reader.read();
    src.destroy(new Error('ECONNRESET'));
    await expect(pending).rejects.toThrow('ECONNRESET');
  });

  it('treats a close without end as the end of the data', async () => {
    const src = new PassThrough();
    const reader = readNode(src).getReader();
    const pending = reader.read();
    src.destroy();
    expect((await pending).done).toBe(true);
  });

  it('only detaches on cancel: the socket stays open for our last records', async () => {
    const src = new PassThrough();
    const reader = readNode(src).getReader();
    const pending = reader.read();
    await reader.cancel();
    expect((await pending).done).toBe(true);
    expect(src.destroyed).toBe(false);
    expect(src.listenerCount('readable')).toBe(0);
  });
});

describe('pipeToNode (Connector → network)', () => {
  it('waits for drain, then ends the destination', async () => {
    const received: string[] = [];
    const dst = new Writable({
      highWaterMark: 4,
      write(chunk: Buffer, _enc, cb) {
        received.push(chunk.toString());
        setTimeout(cb, 2);
      },
    });
    const src = new ReadableStream<Uint8Array>({
      start(ctl) {
        for (const s of ['hello', ' ', 'world']) ctl.enqueue(bytes(s));
        ctl.close();
      },
    });
    await pipeToNode(src, dst);
    expect(received.join('')).toBe('hello world');
    expect(dst.writableFinished).toBe(true);
  });

  it('cancels the source when the destination is gone', async () => {
    const dst = new PassThrough();
    dst.destroy();
    let cancelled: unknown = null;
    const src = new ReadableStream<Uint8Array>({
      pull(ctl) {
        ctl.enqueue(bytes('x'));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    await expect(pipeToNode(src, dst)).rejects.toThrow();
    expect(cancelled).toBeInstanceOf(Error);
  });
});

describe('nodeReadable (Connector → guest input-stream)', () => {
  it('reads on demand, skips empty chunks and ends', async () => {
    const chunks = ['one', '', 'two'];
    let pulls = 0;
    const src = new ReadableStream<Uint8Array>(
      {
        pull(ctl) {
          pulls++;
          const next = chunks.shift();
          if (next === undefined) ctl.close();
          else ctl.enqueue(bytes(next));
        },
      },
      { highWaterMark: 0 },
    );
    const node = nodeReadable(src, 16);
    expect(pulls).toBe(0);
    let out = '';
    for await (const chunk of node) out += String(chunk);
    expect(out).toBe('onetwo');
  });

  it('carries the TLS error to `errored`, where the shim reports last-operation-failed', async () => {
    const src = new ReadableStream<Uint8Array>({
      pull(ctl) {
        ctl.error(new Error('bad_record_mac'));
      },
    });
    const node = nodeReadable(src);
    node.read(0);
    await new Promise((r) => node.once('close', r));
    expect(node.errored?.message).toBe('bad_record_mac');
  });
});

describe('WritableBridge (guest output-stream → Connector)', () => {
  it('completes a write only when the reader takes the next chunk', async () => {
    const bridge = new WritableBridge(8);
    const reader = bridge.readable.getReader();
    let written = false;
    bridge.writable.write(bytes('abcd'), () => (written = true));
    expect(bridge.writable.writableHighWaterMark - bridge.writable.writableLength).toBe(4);
    expect(text((await reader.read()).value!)).toBe('abcd');
    await new Promise((r) => setTimeout(r, 1));
    expect(written).toBe(false);
    const next = reader.read();
    await new Promise((r) => setTimeout(r, 1));
    expect(written).toBe(true);
    bridge.writable.end();
    expect((await next).done).toBe(true);
  });

  it('treats an empty write as a flush behind the earlier data', async () => {
    const bridge = new WritableBridge();
    const reader = bridge.readable.getReader();
    const order: string[] = [];
    bridge.writable.write(bytes('data'), () => order.push('data'));
    bridge.writable.write(new Uint8Array(0), () => order.push('flush'));
    await reader.read();
    const next = reader.read();
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(['data', 'flush']);
    bridge.writable.end();
    await next;
  });

  it('fails the guest writes with the connection error', async () => {
    const bridge = new WritableBridge();
    const reader = bridge.readable.getReader();
    bridge.fail(new Error('alert: handshake_failure'));
    await expect(reader.read()).rejects.toThrow('handshake_failure');
    expect(bridge.writable.errored?.message).toBe('alert: handshake_failure');
  });

  it('keeps the first reason when the TLS side stops reading', async () => {
    const bridge = new WritableBridge();
    await bridge.readable.cancel();
    bridge.fail(new Error('certificate_expired'));
    await new Promise((r) => setImmediate(r));
    expect(bridge.writable.errored?.message).toBe('certificate_expired');
  });
});

describe('wasi:tls options', () => {
  it('accepts the cloneable settings and defaults the handshake timeout', () => {
    const options = checkWasiOptions({ ca: loadCert('root').cert, alpn: ['http/1.1'], crypto: 'noble' });
    expect(connectorOptions(options).handshakeTimeout).toBe(DEFAULT_WASI_HANDSHAKE_TIMEOUT);
    expect(connectorOptions({ handshakeTimeout: 0 }).handshakeTimeout).toBeUndefined();
  });

  it('rejects what cannot cross to the IO worker', () => {
    const verify = () => undefined;
    expect(() => checkWasiOptions({ verify } as unknown as WasiTlsOptions)).toThrow(/cannot carry "verify"/);
    expect(() => checkWasiOptions({ crypto: {} } as unknown as WasiTlsOptions)).toThrow(/crypto/);
    expect(() => checkWasiOptions({ sessions: {} } as unknown as WasiTlsOptions)).toThrow(/sessions/);
  });
});
