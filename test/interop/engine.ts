/**
 * Drive the engine (Connector) over a real TCP socket, the way an embedder would:
 *   socket bytes -> connector.receive() -> plaintext
 *   cleartext    -> connector.send()    -> socket bytes
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { Connector } from '../../src/index.js';

export type ConnectorOptions = ConstructorParameters<typeof Connector>[0];
export type ConnectionInfo = Awaited<ReturnType<Connector['connect']>>;

export interface EngineConnection {
  readonly info: ConnectionInfo;
  readonly socket: net.Socket;
  /** The connector's `sent` / `received` promises. */
  readonly sent: Promise<void>;
  readonly received: Promise<void>;
  write(data: Uint8Array | string): Promise<void>;
  /** Read exactly `n` bytes (rejects if the stream ends first). */
  read(n: number): Promise<Uint8Array>;
  /** Read until the plaintext stream ends (the server's close_notify). */
  readToEnd(): Promise<Uint8Array>;
  /**
   * Graceful close: end the cleartext (-> our close_notify), wait for the
   * server's close_notify to end the plaintext, and for the socket to close.
   */
  close(timeoutMs?: number): Promise<void>;
  destroy(): void;
}

export interface ConnectEngineOptions {
  port: number;
  host?: string;
  /** Passed to connector.connect(); default 'localhost'. */
  serverName?: string;
  connector: ConnectorOptions;
  /** Called with the TCP socket once connected (e.g. to learn its localPort). */
  onSocket?: (socket: net.Socket) => void;
}

export const enc = (s: string) => new TextEncoder().encode(s);
export const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function socketReadable(socket: net.Socket): ReadableStream<Uint8Array> {
  let closed = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        socket.on('data', (d: Buffer) => {
          if (closed) return;
          controller.enqueue(new Uint8Array(d)); // copy: never hand out pooled Buffers
          if ((controller.desiredSize ?? 1) <= 0) socket.pause();
        });
        socket.once('end', () => {
          if (closed) return;
          closed = true;
          controller.close();
        });
        socket.once('error', (e) => {
          if (closed) return;
          closed = true;
          controller.error(e);
        });
        socket.once('close', () => {
          if (closed) return;
          closed = true;
          controller.close();
        });
      },
      pull() {
        socket.resume();
      },
      cancel() {
        closed = true;
        socket.destroy();
      },
    },
    { highWaterMark: 256 * 1024, size: (chunk) => chunk.byteLength },
  );
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const quiet = (p: Promise<unknown>) => {
  p.catch(() => {});
};

/**
 * Connect the engine to host:port. On handshake failure the socket is kept
 * open until the engine has flushed what it wrote (its alert), then ended,
 * and the TlsError is rethrown.
 */
export async function connectEngine(options: ConnectEngineOptions): Promise<EngineConnection> {
  const socket = net.connect({ port: options.port, host: options.host ?? '127.0.0.1', allowHalfOpen: true });
  socket.setNoDelay(true);
  await once(socket, 'connect');
  options.onSocket?.(socket);

  const connector = new Connector(options.connector);
  const cleartext = new TransformStream<Uint8Array, Uint8Array>();
  const [ciphertext, sent] = connector.send(cleartext.readable);
  const [plaintext, received] = connector.receive(socketReadable(socket));
  quiet(sent);
  quiet(received);

  // ciphertext -> socket; half-close the socket when the engine ends it.
  const pumped = (async () => {
    const reader = ciphertext.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!socket.write(value)) await Promise.race([once(socket, 'drain'), once(socket, 'close')]);
      }
    } finally {
      reader.releaseLock();
      if (!socket.destroyed) socket.end();
    }
  })();
  quiet(pumped);

  let info: ConnectionInfo;
  try {
    info = await connector.connect(options.serverName ?? 'localhost');
  } catch (err) {
    // Let the alert reach the wire before tearing down.
    await withTimeout(pumped, 2000, 'engine flushing its alert').catch(() => {});
    if (!socket.destroyed) socket.end();
    await withTimeout(once(socket, 'close'), 2000, 'socket close').catch(() => {});
    socket.destroy();
    throw err;
  }

  const writer = cleartext.writable.getWriter();
  const reader = plaintext.getReader();
  let buffered: Uint8Array[] = [];
  let bufferedLen = 0;
  let ended = false;

  const take = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const head = buffered[0]!;
      const k = Math.min(head.length, n - off);
      out.set(head.subarray(0, k), off);
      off += k;
      if (k === head.length) buffered.shift();
      else buffered[0] = head.subarray(k);
    }
    bufferedLen -= n;
    return out;
  };
  const fill = async (): Promise<boolean> => {
    if (ended) return false;
    const { done, value } = await reader.read();
    if (done) {
      ended = true;
      return false;
    }
    buffered.push(value);
    bufferedLen += value.length;
    return true;
  };

  const readToEnd = async (): Promise<Uint8Array> => {
    while (await fill()) {
      // keep reading
    }
    return take(bufferedLen);
  };

  return {
    info,
    socket,
    sent,
    received,
    async write(data) {
      await writer.write(typeof data === 'string' ? enc(data) : data);
    },
    async read(n) {
      while (bufferedLen < n) {
        if (!(await fill())) throw new Error(`plaintext ended after ${bufferedLen} of ${n} bytes`);
      }
      return take(n);
    },
    readToEnd,
    async close(timeoutMs = 10_000) {
      await withTimeout(writer.close(), timeoutMs, 'closing cleartext');
      await withTimeout(readToEnd(), timeoutMs, 'server close_notify ending plaintext');
      await withTimeout(Promise.all([pumped, sent, received]), timeoutMs, 'sent/received settling');
      if (!socket.destroyed) await withTimeout(once(socket, 'close'), timeoutMs, 'socket close');
    },
    destroy() {
      socket.destroy();
      buffered = [];
    },
  };
}
