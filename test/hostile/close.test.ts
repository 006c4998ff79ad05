/**
 * Closing from the application side never hangs: close() settles even while
 * the application holds a writer, and close_notify reaches the server. A
 * failed handshake closes without a reset, so the server gets our alert.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect } from '../../src/node.js';
import { loadCert } from '../peers/fixtures.js';
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

it('a refused certificate: the alert goes out and the socket is half-closed, not reset, while the server is still sending', async () => {
  // The server sends its flight in two writes, as mbedTLS does (one per
  // message): the second comes after puretls already refused the first.
  // A socket closed outright answers those late bytes with a reset, and a
  // server that has not read the alert yet loses it (lighttpd + mbedTLS
  // logged "Connection was reset by peer" instead of the alert).
  const job = server.next(async (p) => {
    const errors: string[] = [];
    p.socket.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.message));
    await p.readClientHello();
    await p.sendServerHello();
    await p.installHandshakeKeys();
    const [ee, cert, cv] = await p.buildAuthMessages();
    await p.send([ee!, cert!]);
    const alert = await p.clientAlert(3000);
    await p.send([cv!, p.buildFinished()]); // late: puretls has already given up
    await p.flush();
    await new Promise((r) => setTimeout(r, 100));
    p.end();
    return { alert, errors };
  });
  const err = await connect({ ...clientOptions(server.port, 'refused certificate'), ca: loadCert('untrusted-root').cert }).catch(
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ name: 'TlsError', code: 'CERT_UNTRUSTED_ROOT', alert: 'unknown_ca' });
  const { result } = await job;
  expect(result).toEqual({ alert: 'unknown_ca', errors: [] });
});
