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

/** Bytes per read into the shared read buffer (4 records of 16 KiB, and some). */
const READ_BUFFER_BYTES = 64 * 1024;
let readBuffer: Uint8Array | null = null;

/** The sockets dialed with the shared read buffer. */
const sharedSockets = new WeakSet<Duplex>();
/** Where they deliver their reads (set by listen()). */
const readTargets = new WeakMap<Duplex, (view: Uint8Array) => void>();
/** Reads that arrived before listen(), copied. */
const earlyReads = new WeakMap<Duplex, Uint8Array[]>();

/**
 * net.connect() options that make a socket read into one buffer shared by
 * every socket puretls dials (net.connect's `onread`): each read is handed
 * on and processed, or copied, before the callback returns, that is before
 * any read can overwrite it. No memory is allocated per read, none is kept
 * per connection, and Node's stream machinery is skipped. Such a socket
 * emits no 'data' (a STARTTLS preamble needs 'data': it is dialed without).
 */
function sharedReads(socket: () => Duplex): Pick<TcpNetConnectOpts, 'onread'> {
  readBuffer ??= new Uint8Array(READ_BUFFER_BYTES);
  return {
    onread: {
      buffer: readBuffer,
      callback(n: number, buf: Uint8Array): boolean {
        const s = socket();
        const view = new Uint8Array(buf.buffer, buf.byteOffset, n);
        const target = readTargets.get(s);
        if (target) target(view);
        else {
          const early = earlyReads.get(s) ?? [];
          early.push(view.slice());
          earlyReads.set(s, early);
        }
        return true;
      },
    },
  };
}

/**
 * Batches of records are sealed into memory lent by the transport and
 * recycled once the socket has written them: no 256 KiB allocation (and the
 * page faults and garbage collection that come with it) per batch. Only
 * batches of at least 64 KiB use it (a small write does not pin a large
 * buffer while the network is slow), and a few free buffers are kept for
 * the whole process, none per connection.
 */
const BATCH_BUFFER_BYTES = 264 * 1024; // 16 records of 16 KiB with TLS 1.3 or 1.2 overhead
const BATCH_MIN_BYTES = 64 * 1024;
const FREE_BATCH_BUFFERS = 4;
const freeBatchBuffers: ArrayBuffer[] = [];
const batchBuffers = new WeakSet<ArrayBuffer>();

function lendBatch(length: number): Uint8Array | undefined {
  if (length < BATCH_MIN_BYTES || length > BATCH_BUFFER_BYTES) return undefined;
  let buffer = freeBatchBuffers.pop();
  if (!buffer) {
    buffer = new ArrayBuffer(BATCH_BUFFER_BYTES);
    batchBuffers.add(buffer);
  }
  return new Uint8Array(buffer, 0, length);
}

/** A lent buffer's way back to the free list. */
function giveBack(buffer: ArrayBuffer): void {
  if (freeBatchBuffers.length < FREE_BATCH_BUFFERS) freeBatchBuffers.push(buffer);
}

/** Whether `records` is in a buffer lendBatch() lent. */
function isLent(records: Uint8Array): boolean {
  return records.byteLength >= BATCH_MIN_BYTES && batchBuffers.has(records.buffer as ArrayBuffer);
}

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
  /** Lent buffers the socket still holds: back once it has drained. */
  let held: ArrayBuffer[] | null = null;
  // A record the core says is followed at once (change_cipher_spec before
  // Finished) waits for that one: both leave in one system call.
  let corked = false;
  const uncork = () => {
    if (!corked) return;
    corked = false;
    socket.uncork();
  };
  const network: PushNetwork = {
    write(records, more = false) {
      if (socket.destroyed) return;
      if (more) {
        if (!corked) {
          corked = true;
          socket.cork();
          process.nextTick(uncork); // in case nothing follows after all
        }
        socket.write(records);
        return;
      }
      socket.write(records);
      uncork(); // out now, with what waited for it
      if (!isLent(records)) return;
      // Nothing left queued: the kernel took it all, and the buffer is free at once. (A write's
      // callback would be late: those of writes done at once wait for a tick that a promise
      // chain which keeps writing holds off.) Else the batch, larger than the socket's
      // high-water mark, made it ask for 'drain', which comes once everything is written.
      if (socket.writableLength === 0) giveBack(records.buffer as ArrayBuffer);
      else if (held) held.push(records.buffer as ArrayBuffer);
      else {
        held = [records.buffer as ArrayBuffer];
        socket.once('drain', () => {
          for (const b of held ?? []) giveBack(b);
          held = null;
        });
      }
    },
    allocate: lendBatch,
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
    if (sharedSockets.has(socket)) {
      // Dialed with the shared read buffer: each read is borrowed for the duration of the call.
      for (const early of earlyReads.get(socket) ?? []) input.data(early);
      earlyReads.delete(socket);
      readTargets.set(socket, (view) => input.data(view, true));
    } else {
      socket.on('data', (chunk: Buffer) => input.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    }
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

/**
 * net.connect() with the shared read buffer (see sharedReads); the socket
 * delivers nothing until socketNetwork()'s listen() (reads before are kept).
 */
export function connectSharedReads(options: TcpNetConnectOpts): Socket {
  const socket: Socket = netConnect({ ...options, ...sharedReads(() => socket) });
  sharedSockets.add(socket);
  return socket;
}

/**
 * Opens a TCP connection; rejects with CONNECTION_CLOSED (or ABORTED)
 * naming host:port. With `shared`, it reads into the shared read buffer
 * (for a socket that goes straight to socketNetwork()).
 */
export function dial(host: string, port: number, signal?: AbortSignal, shared = false): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = shared ? connectSharedReads({ host, port }) : netConnect({ host, port } satisfies TcpNetConnectOpts);
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
