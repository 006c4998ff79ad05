/**
 * puretls/node: a TCP socket wired to a Connector.
 *
 *   const conn = await connect({ host: 'example.com', port: 443 });
 *   const w = conn.writable.getWriter(); await w.write(bytes);
 *   for await (const chunk of conn.readable) ...
 */
import { connect as netConnect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { Connector, type TlsConnection } from './connector.js';
// Registers the node:crypto provider, which 'auto' (the default) then picks.
import './crypto/node.js';
import { TlsError } from './errors.js';
import type { ConnectionInfo } from './handshake/client.js';
import type { ConnectorOptions } from './options.js';

/** Options of connect(): the Connector's, plus where to connect and what to send first. */
export interface NodeConnectOptions extends ConnectorOptions {
  host: string;
  port: number;
  /** Name for SNI and verification; defaults to `host`. */
  servername?: string;
  /** An already-connected socket to use instead of dialing host:port. */
  socket?: Socket;
  /**
   * Application data to send first. With `earlyData` and a ticket that
   * allows it, it goes out as 0-RTT data inside the first flight.
   */
  initialData?: Uint8Array;
}


const WRITE_BUFFER: QueuingStrategy<Uint8Array> = { highWaterMark: 64 * 1024, size: (c) => c.byteLength };

/**
 * The socket's bytes as a stream, pausing the socket when the reader is slow.
 * The Connector cancels it when the connection fails: `onCancel` closes the socket then.
 */
function socketReadable(socket: Socket, onCancel: () => void): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(ctl) {
        socket.on('data', (chunk: Buffer) => {
          try {
            ctl.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          } catch {
            return; // the reader is gone: the bytes have nowhere to go
          }
          if ((ctl.desiredSize ?? 1) <= 0) socket.pause();
        });
        socket.on('end', () => {
          try {
            ctl.close();
          } catch {
            // already closed or errored
          }
        });
        socket.on('error', (e) => {
          try {
            ctl.error(new TlsError('CONNECTION_CLOSED', `socket error: ${e.message}`, { cause: e, alert: null }));
          } catch {
            // already closed
          }
        });
        socket.on('close', () => {
          try {
            ctl.close();
          } catch {
            // already closed
          }
        });
      },
      pull() {
        socket.resume();
      },
      cancel() {
        onCancel();
      },
    },
    { highWaterMark: 64 * 1024, size: (c) => c.byteLength },
  );
}

/** Writes a stream to the socket, waiting for 'drain' when the socket buffers. */
async function pipeToSocket(stream: ReadableStream<Uint8Array>, socket: Socket): Promise<void> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (socket.destroyed) return;
      if (!socket.write(value)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            socket.off('drain', done);
            socket.off('close', done);
            resolve();
          };
          socket.on('drain', done);
          socket.on('close', done);
        });
      }
    }
    if (!socket.destroyed) socket.end();
  } catch {
    socket.destroy();
  }
}

function dial(host: string, port: number, signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    socket.setNoDelay(true);
    const onAbort = () => {
      socket.destroy();
      reject(new TlsError('ABORTED', 'aborted while connecting', { alert: null }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(socket);
    });
    socket.once('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new TlsError('CONNECTION_CLOSED', `cannot connect to ${host}:${port}: ${e.message}`, { cause: e, alert: null }));
    });
  });
}

/** Resolves when `p` settles or after `ms`, whichever is first (the timer never outlives it). */
function settle(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([p.then(() => undefined, () => undefined), t]).finally(() => clearTimeout(timer));
}

/**
 * Ends the socket without losing what is queued: destroy() right after
 * end() can drop our close_notify, and closing with unread data sends a
 * reset. Waits for the peer's close (bounded), then destroys.
 */
async function closeSocket(socket: Socket, ms = 2000): Promise<void> {
  if (socket.destroyed) return;
  if (!socket.writableEnded) socket.end();
  socket.resume(); // drain what the peer still sends so the close is clean
  await settle(new Promise((resolve) => socket.once('close', resolve)), ms);
  socket.destroy();
}

/** Opens a TCP connection and runs a TLS 1.3 handshake over it. */
export async function connect(options: NodeConnectOptions): Promise<TlsConnection> {
  const { host, port, servername, socket: given, initialData, ...connectorOptions } = options;
  if (options.signal?.aborted) throw new TlsError('ABORTED', 'aborted before connecting', { alert: null });
  const connector = new Connector({ port, ...connectorOptions });
  const socket = given ?? (await dial(host, port, options.signal));
  // Writes are buffered (64 KiB) so that small ones can share records.
  const app = new TransformStream<Uint8Array, Uint8Array>(undefined, WRITE_BUFFER, WRITE_BUFFER);
  // Our own writer, so close() works even while the application holds one.
  const inner = app.writable.getWriter();
  const writable = new WritableStream<Uint8Array>(
    {
      write: (chunk) => inner.write(chunk),
      close: () => inner.close(),
      abort: (reason) => inner.abort(reason),
    },
    WRITE_BUFFER,
  );
  // Queued before connect(), so the connector can send it as early data.
  if (initialData?.length) inner.write(initialData).catch(() => undefined);
  const [ciphertext, sent] = connector.send(app.readable);
  const piped = pipeToSocket(ciphertext, socket);
  // On failure: the alert goes out first, then a half-close that reads and
  // drops what the server still sends. Destroying the socket at once would
  // answer those bytes with a reset, which can cost the server our alert.
  let closing: Promise<void> | undefined;
  const closeAfterAlert = () => (closing ??= settle(piped, 1000).then(() => closeSocket(socket)));
  const [plaintext, received] = connector.receive(socketReadable(socket, () => void closeAfterAlert()));
  let info: ConnectionInfo;
  try {
    info = await connector.connect(servername ?? host);
  } catch (e) {
    // Let the alert reach the server before the socket goes.
    await settle(piped, 1000);
    void closeAfterAlert();
    inner.abort().catch(() => undefined);
    throw e;
  }
  const done = Promise.allSettled([sent, received]).then(() => undefined);
  void done.then(() => piped).then(() => closeSocket(socket));
  return {
    readable: plaintext,
    writable,
    info,
    sent,
    received,
    exportKeyingMaterial: (label, context, length) => connector.exportKeyingMaterial(label, context, length),
    keyUpdate: (request = true) => connector.keyUpdate(request),
    async close() {
      try {
        await inner.close();
      } catch {
        // already closing or errored
      }
      await sent.catch(() => undefined);
      await piped;
      await closeSocket(socket);
    },
  };
}

/**
 * A node:stream Duplex over a puretls connection, for code written for
 * `tls.connect()` (HTTP clients, database drivers).
 */
export function toDuplex(conn: TlsConnection): Duplex {
  const writer = conn.writable.getWriter();
  const reader = conn.readable.getReader();
  let reading = false;
  const duplex = new Duplex({
    async read() {
      if (reading) return;
      reading = true;
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) {
            duplex.push(null);
            return;
          }
          if (!duplex.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength))) return;
        }
      } catch (e) {
        duplex.destroy(e as Error);
      } finally {
        reading = false;
      }
    },
    write(chunk: Buffer, _enc, cb) {
      writer.write(new Uint8Array(chunk)).then(() => cb(), cb);
    },
    final(cb) {
      writer.close().then(() => cb(), cb);
    },
    destroy(err, cb) {
      reader.cancel().catch(() => undefined);
      writer.abort(err ?? undefined).catch(() => undefined);
      cb(err);
    },
  });
  return duplex;
}

/** Like connect(), resolving to a Duplex with `info` attached. */
export async function connectDuplex(options: NodeConnectOptions): Promise<Duplex & { info: ConnectionInfo }> {
  const conn = await connect(options);
  return Object.assign(toDuplex(conn), { info: conn.info });
}

export { Connector, TlsError };
export type { ConnectionInfo, ConnectorOptions, TlsConnection };
