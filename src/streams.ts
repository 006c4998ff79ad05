/**
 * TLS over any byte-stream pair: the shape of a TCP connection in runtimes
 * whose sockets are WHATWG streams (Deno.connect, Cloudflare's `connect()`
 * from cloudflare:sockets, Node's `Duplex.toWeb(socket)`).
 *
 *   const tcp = await Deno.connect({ hostname: 'example.com', port: 443 });
 *   const conn = await connectStreams(tcp, { serverName: 'example.com' });
 *   const w = conn.writable.getWriter(); await w.write(bytes);
 *   for await (const chunk of conn.readable) ...
 */
import { tlsConnection, type TlsConnection } from './connection.js';
import { Connector } from './connector.js';
import { TlsError } from './errors.js';
import type { ConnectionInfo } from './handshake/client.js';
import type { ConnectorOptions } from './options.js';

/** A connected transport as two byte streams, and how to close it (a Deno.Conn, a Cloudflare Socket). */
export interface ByteStreamTransport {
  /** Bytes from the server. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes to the server; closed after our close_notify (a TCP half-close where the runtime has one). */
  readonly writable: WritableStream<Uint8Array>;
  /** Releases the transport once both directions are done (or the handshake failed). */
  close?(): unknown;
}

/** Options of connectStreams(): the Connector's, plus the server name. */
export interface StreamsConnectOptions extends ConnectorOptions {
  /** The TLS server's name: sent as SNI and verified against its certificate. */
  serverName: string;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a TLS handshake over a connected byte-stream transport and returns the connection. */
export async function connectStreams(transport: ByteStreamTransport, options: StreamsConnectOptions): Promise<TlsConnection> {
  const { serverName, ...connectorOptions } = options;
  if (!serverName) throw new TlsError('BAD_CONFIG', 'connectStreams needs a serverName');
  const connector = new Connector(connectorOptions);
  const app = new TransformStream<Uint8Array, Uint8Array>();
  // The caller's writable forwards to a writer we keep, so close() can end
  // our direction even while the caller holds a writer of its own.
  const inner = app.writable.getWriter();
  let closing: Promise<void> | null = null;
  const closeInner = (): Promise<void> => (closing ??= inner.close().catch(() => undefined));
  const writable = new WritableStream<Uint8Array>({
    write: (chunk) => inner.write(chunk),
    close: () => closeInner(),
    abort: (reason) => inner.abort(reason),
  });
  const [ciphertext, sent] = connector.send(app.readable);
  const [plaintext, received] = connector.receive(transport.readable);
  const piped = ciphertext.pipeTo(transport.writable).catch(() => undefined);
  let released: Promise<void> | null = null;
  const release = (): Promise<void> =>
    (released ??= (async () => {
      try {
        await transport.close?.();
      } catch {
        // already closed
      }
    })());
  let info: ConnectionInfo;
  try {
    info = await connector.connect(serverName);
  } catch (e) {
    // Let the alert reach the server before the transport goes.
    await Promise.race([piped, delay(1000)]);
    inner.abort(e).catch(() => undefined);
    await release();
    throw e;
  }
  void Promise.allSettled([sent, received])
    .then(() => piped)
    .then(release);
  return tlsConnection(connector, { readable: plaintext, writable, info, sent, received }, async () => {
    await closeInner();
    await sent.catch(() => undefined);
    await piped;
    // The server's close_notify, briefly: a transport closed at once may answer it with a reset.
    await Promise.race([received.catch(() => undefined), delay(1000)]);
    await release();
  });
}
