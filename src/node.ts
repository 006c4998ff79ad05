/**
 * puretls/node: a TCP socket wired to a Connector, in two shapes.
 *
 *   const conn = await connect({ host: 'example.com', port: 443 });   // WHATWG streams
 *   const w = conn.writable.getWriter(); await w.write(bytes);
 *   for await (const chunk of conn.readable) ...
 *
 *   const socket = tlsConnect({ host: 'example.com', port: 443 });    // like tls.connect()
 *   socket.on('secureConnect', ...); socket.write(bytes); socket.on('data', ...);
 */
import { Duplex } from 'node:stream';
import { tlsConnection, type TlsConnection } from './connection.js';
import { Connector } from './connector.js';
// Registers the node:crypto provider, which 'auto' (the default) then picks.
import './crypto/node.js';
import { TlsError } from './errors.js';
import type { ConnectionInfo } from './handshake/client.js';
import { checkCertificateOptions } from './inputs.js';
import type { ConnectorOptions } from './options.js';
import type { Preamble } from './node/tls-options.js';
import { CleartextQueue } from './cleartext-queue.js';
import { closeSocket, dial, runPreamble, settle, socketNetwork, WRITE_BUFFER, WRITE_BUFFER_BYTES } from './node/transport.js';

/** Options of connect(): the Connector's, plus where to connect and what to send first. */
export interface NodeConnectOptions extends ConnectorOptions {
  host: string;
  port: number;
  /** Name for SNI and verification; defaults to `host`. */
  servername?: string;
  /** An already-connected socket or stream to use instead of dialing host:port (STARTTLS). */
  socket?: Duplex;
  /** STARTTLS: a plaintext exchange on the socket before the handshake (a {@link Preamble}). */
  preamble?(socket: Duplex): ReturnType<Preamble>;
  /**
   * Application data to send first. With `earlyData` and a ticket that
   * allows it, it goes out as 0-RTT data inside the first flight.
   */
  initialData?: Uint8Array;
}


/** Opens a TCP connection and runs a TLS 1.3 handshake over it. */
export async function connect(options: NodeConnectOptions): Promise<TlsConnection> {
  const { host, port, servername, socket: given, initialData, preamble, ...connectorOptions } = options;
  if (options.signal?.aborted) throw new TlsError('ABORTED', 'aborted before connecting', { alert: null });
  checkCertificateOptions(connectorOptions); // a wrong certificate or key fails before dialing
  const connector = new Connector({ port, ...connectorOptions });
  // A socket we dial ourselves reads into the shared read buffer, unless a STARTTLS preamble needs its data events.
  const socket = given ?? (await dial(host, port, options.signal, !preamble));
  let head: Uint8Array | undefined;
  try {
    head = await runPreamble(socket, preamble);
  } catch (e) {
    socket.destroy();
    throw e;
  }
  // Writes are buffered (64 KiB) so that small ones can share records.
  const app = new CleartextQueue(WRITE_BUFFER_BYTES);
  const writable = new WritableStream<Uint8Array>(
    {
      write: (chunk) => app.write(chunk),
      close: () => app.close(),
      abort: (reason) => app.abort(reason),
    },
    WRITE_BUFFER,
  );
  // Queued before connect(), so the connector can send it as early data.
  if (initialData?.length) app.write(initialData).catch(() => undefined);
  // On failure: the alert goes out first, then a half-close that reads and
  // drops what the server still sends. Destroying the socket at once would
  // answer those bytes with a reset, which can cost the server our alert.
  let closing: Promise<void> | undefined;
  const closeAfterAlert = () => (closing ??= settle(piped, 1000).then(() => closeSocket(socket)));
  // The socket is the connector's transport, without streams in between.
  const net = socketNetwork(socket, () => void closeAfterAlert());
  const piped = net.ended;
  const { plaintext, sent, received, input } = connector.attach(app, net.network);
  net.listen(input, head);
  let info: ConnectionInfo;
  try {
    info = await connector.connect(servername ?? host);
  } catch (e) {
    if (e instanceof TlsError && e.code === 'BAD_CONFIG') {
      socket.destroy(); // nothing was sent: there is nothing to close politely
    } else {
      // Let the alert reach the server before the socket goes.
      await settle(piped, 1000);
      void closeAfterAlert();
    }
    app.abort().catch(() => undefined);
    throw e;
  }
  const done = Promise.allSettled([sent, received]).then(() => undefined);
  void done.then(() => piped).then(() => closeSocket(socket));
  return tlsConnection(connector, { readable: plaintext, writable, info, sent, received }, async () => {
    try {
      await app.close();
    } catch {
      // already closing or errored
    }
    await sent.catch(() => undefined);
    await piped;
    await closeSocket(socket);
  });
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
export { TLSSocket, tlsConnect, startTls } from './node/tls-socket.js';
export { peerCertificate } from './node/peer-certificate.js';
export type { TlsConnectOptions, Preamble } from './node/tls-options.js';
export type { ConnectionInfo, ConnectorOptions, TlsConnection };
