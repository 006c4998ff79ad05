/**
 * CleartextQueue: the bounded queue between puretls/node's writable side and
 * the Connector (order, backpressure, close, abort, cancel).
 */
import { describe, expect, it } from 'vitest';
import { CleartextQueue } from '../../src/cleartext-queue.js';

const bytes = (n: number, v = 1) => new Uint8Array(n).fill(v);
const settled = async (p: Promise<unknown>) => {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setTimeout(r, 0));
  return done;
};

describe('CleartextQueue', () => {
  it('hands chunks to the reader in order, then the end after close()', async () => {
    const q = new CleartextQueue(1024);
    await q.write(bytes(3, 1));
    await q.write(bytes(4, 2));
    await q.close();
    const r = q.getReader();
    expect((await r.read()).value).toEqual(bytes(3, 1));
    expect((await r.read()).value).toEqual(bytes(4, 2));
    expect((await r.read()).done).toBe(true);
    expect((await r.read()).done).toBe(true);
  });

  it('a pending read gets the next write directly; an empty write is not a chunk', async () => {
    const q = new CleartextQueue(1024);
    const r = q.getReader();
    const pending = r.read();
    await q.write(new Uint8Array(0));
    expect(await settled(pending)).toBe(false);
    await q.write(bytes(5));
    expect((await pending).value).toEqual(bytes(5));
    expect(q.size).toBe(0);
  });

  it('write() waits while the queue holds highWater bytes or more, and resumes as the reader takes them', async () => {
    const q = new CleartextQueue(10);
    expect(await settled(q.write(bytes(6)))).toBe(true);
    const second = q.write(bytes(6));
    expect(q.hasRoom).toBe(false);
    expect(await settled(second)).toBe(false);
    const r = q.getReader();
    await r.read();
    expect(await settled(second)).toBe(true);
    expect(q.size).toBe(6);
  });

  it('abort() rejects pending and later reads and writes with the reason, dropping what was queued', async () => {
    const q = new CleartextQueue(4);
    await q.write(bytes(2));
    const blocked = q.write(bytes(4));
    const reason = new Error('stop');
    await q.abort(reason);
    await expect(blocked).rejects.toBe(reason);
    await expect(q.getReader().read()).rejects.toBe(reason);
    await expect(q.write(bytes(1))).rejects.toBe(reason);
    expect(q.size).toBe(0);
  });

  it("the reader's cancel() fails the writers; a write after close() is refused", async () => {
    const q = new CleartextQueue(4);
    const r = q.getReader();
    const pending = r.read();
    await r.cancel('gone');
    await expect(pending).rejects.toBe('gone');
    await expect(q.write(bytes(1))).rejects.toBe('gone');
    const c = new CleartextQueue(4);
    await c.close();
    await expect(c.write(bytes(1))).rejects.toThrow(TypeError);
  });

  it('close() with a pending read ends it at once', async () => {
    const q = new CleartextQueue(4);
    const pending = q.getReader().read();
    await q.close();
    expect((await pending).done).toBe(true);
  });
});
