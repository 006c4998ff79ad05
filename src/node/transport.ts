/**
 * The byte transport under puretls/node: a TCP socket, or any node:stream
 * Duplex a caller hands over (STARTTLS), as WHATWG streams with
 * backpressure, and a close that does not lose our close_notify.
 */
import { connect as netConnect, type Socket, type TcpNetConnectOpts } from 'node:net';
import type { Duplex } from 'node:stream';
import { TlsError } from '../errors.js';

/** Application writes are buffered up to 64 KiB so that small ones can share records. */
export const WRITE_BUFFER: QueuingStrategy<Uint8Array> = { highWaterMark: 64 * 1024, size: (c) => c.byteLength };

/**
 * The stream's bytes as a ReadableStream, pausing the stream when the
 * reader is slow. `head` (bytes already read from it) comes first.
 */
export function socketReadable(socket: Duplex, head?: Uint8Array, onCancel?: () => void): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(ctl) {
        if (head?.length) ctl.enqueue(head);
        socket.on('data', (chunk: Buffer) => {
          try {
            ctl.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          } catch {
            return; // the reader is gone: the bytes have nowhere to go
          }
          if ((ctl.desiredSize ?? 1) <= 0) socket.pause();
        });
        const close = () => {
          try {
            ctl.close();
          } catch {
            // already closed or errored
          }
        };
        socket.on('end', close);
        socket.on('close', close);
        socket.on('error', (e) => {
          try {
            ctl.error(new TlsError('CONNECTION_CLOSED', `socket error: ${e.message}`, { cause: e, alert: null }));
          } catch {
            // already closed
          }
        });
      },
      pull() {
        socket.resume();
      },
      cancel() {
        // The Connector cancels when the connection fails: the caller closes politely (onCancel).
        if (onCancel) onCancel();
        else socket.destroy();
      },
    },
    { highWaterMark: 64 * 1024, size: (c) => c.byteLength },
  );
}

/** Writes a stream to the socket, waiting for 'drain' when the socket buffers; ends the socket after. */
export async function pipeToSocket(stream: ReadableStream<Uint8Array>, socket: Duplex): Promise<void> {
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

/** Opens a TCP connection; rejects with CONNECTION_CLOSED (or ABORTED) naming host:port. */
export function dial(host: string, port: number, signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port } satisfies TcpNetConnectOpts);
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
export function settle(p: Promise<unknown>, ms: number): Promise<void> {
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
export async function closeSocket(socket: Duplex, ms = 2000): Promise<void> {
  if (socket.destroyed) return;
  if (!socket.writableEnded) socket.end();
  socket.resume(); // drain what the peer still sends so the close is clean
  await settle(new Promise((resolve) => socket.once('close', resolve)), ms);
  socket.destroy();
}

/** Whether the stream is still connecting (a net.Socket before 'connect'). */
export function isConnecting(socket: Duplex): boolean {
  return (socket as Partial<Socket>).connecting === true;
}

/**
 * Runs a STARTTLS preamble on the plaintext stream once it is connected.
 * Bytes the preamble read past its own exchange are returned, for TLS.
 */
export async function runPreamble(
  socket: Duplex,
  preamble: ((socket: Duplex) => void | Uint8Array | Promise<void | Uint8Array>) | undefined,
): Promise<Uint8Array | undefined> {
  if (!preamble) return undefined;
  if (isConnecting(socket)) {
    await new Promise<void>((resolve, reject) => {
      const ok = () => {
        socket.off('error', fail);
        resolve();
      };
      const fail = (e: Error) => {
        socket.off('connect', ok);
        reject(e);
      };
      socket.once('connect', ok);
      socket.once('error', fail);
    });
  }
  const head = await preamble(socket);
  return head instanceof Uint8Array && head.length ? head : undefined;
}
