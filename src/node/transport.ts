/**
 * The byte transport under puretls/node: a TCP socket, or any node:stream
 * Duplex a caller hands over (STARTTLS), wired straight to the Connector
 * (a push transport, with backpressure both ways), and a close that does
 * not lose our close_notify.
 */
import { connect as netConnect, type Socket, type TcpNetConnectOpts } from 'node:net';
import type { Duplex } from 'node:stream';
import { TlsError } from '../errors.js';
import type { NetworkInput, PushNetwork } from '../push-network.js';

/** Application writes are buffered up to 64 KiB so that small ones can share records. */
export const WRITE_BUFFER_BYTES = 64 * 1024;

/** The same bound as a WritableStream's queuing strategy. */
export const WRITE_BUFFER: QueuingStrategy<Uint8Array> = { highWaterMark: WRITE_BUFFER_BYTES, size: (c) => c.byteLength };

/** A socket as the Connector's push transport, and a promise that settles once our direction was ended on it. */
export interface SocketNetwork {
  network: PushNetwork;
  /** Settles once the connector ended our direction (socket.end() called) or the socket closed. */
  ended: Promise<void>;
  /** Starts delivering the socket's bytes (`head` first) to `input`. */
  listen(input: NetworkInput, head?: Uint8Array): void;
}

/**
 * The socket wired straight to a Connector (Connector.attach): records are
 * written to it as they are sealed, its 'data' goes to the core, and it is
 * paused while the core or the reader is behind. `onStop` runs when the
 * connection fails (the caller closes politely, after our alert).
 */
export function socketNetwork(socket: Duplex, onStop?: () => void): SocketNetwork {
  let markEnded!: () => void;
  const ended = new Promise<void>((resolve) => (markEnded = resolve));
  socket.once('close', () => markEnded());
  const network: PushNetwork = {
    write(records) {
      if (!socket.destroyed) socket.write(records);
    },
    room(highWater) {
      if (socket.destroyed || socket.writableLength < highWater || !socket.writableNeedDrain) return null;
      return new Promise<void>((resolve) => {
        const done = () => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
    },
    end() {
      if (!socket.destroyed && !socket.writableEnded) socket.end();
      markEnded();
    },
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    stop() {
      if (onStop) onStop();
      else socket.destroy();
    },
  };
  const listen = (input: NetworkInput, head?: Uint8Array) => {
    if (head?.length) input.data(head);
    socket.on('data', (chunk: Buffer) => input.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    let over = false;
    const end = () => {
      if (over) return;
      over = true;
      input.end();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', (e) => {
      if (over) return;
      over = true;
      input.error(new TlsError('CONNECTION_CLOSED', `socket error: ${e.message}`, { cause: e, alert: null }));
    });
  };
  return { network, ended, listen };
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
