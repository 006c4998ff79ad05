/**
 * Closing from the application side never hangs: close() settles even while
 * the application holds a writer, and close_notify reaches the server.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect } from '../../src/node.js';
import { ScriptedServer } from '../peers/scripted-server.js';
import { clientOptions } from './harness.js';

let server: ScriptedServer;
beforeAll(async () => {
  server = await ScriptedServer.start();
});
afterAll(() => server.stop());

it('close() settles while the application holds a writer, and sends close_notify', async () => {
  const job = server.next(async (p) => {
    await p.handshake();
    const data = await p.readAppData();
    const alert = await p.clientAlert(3000);
    await p.sendAlert('close_notify', 1);
    p.end();
    return { data: new TextDecoder().decode(data!), alert };
  });
  const conn = await connect(clientOptions(server.port, 'close with writer'));
  const writer = conn.writable.getWriter();
  await writer.write(new TextEncoder().encode('last words'));
  const closed = await Promise.race([conn.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('hung'), 5000))]);
  expect(closed).toBe('closed');
  const { result } = await job;
  expect(result).toEqual({ data: 'last words', alert: 'close_notify' });
});
