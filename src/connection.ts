/**
 * The connection puretls/node, puretls/websocket and connectStreams return:
 * a Connector's streams and controls, with the transport's own close.
 */
import type { Connector } from './connector.js';
import type { ConnectionInfo } from './handshake/client.js';

/** An established connection over some transport (puretls/node, puretls/websocket). */
export interface TlsConnection {
  /** Decrypted data from the server; ends on close_notify. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Application data to the server; closing it sends close_notify. */
  readonly writable: WritableStream<Uint8Array>;
  readonly info: ConnectionInfo;
  /** RFC 8446 §7.5 exporter. */
  exportKeyingMaterial(label: string, context: Uint8Array | null, length: number): Uint8Array;
  /** Updates our keys, and asks the server to update its own. */
  keyUpdate(requestPeerUpdate?: boolean): Promise<void>;
  /** Sends close_notify, waits for it to be written, and closes the socket. */
  close(): Promise<void>;
  /** Resolves when our direction ended cleanly (close_notify sent). */
  readonly sent: Promise<void>;
  /** Resolves when the server's close_notify arrived. */
  readonly received: Promise<void>;
}

/** The parts of a connected Connector an adapter hands on (from `attach()` and `connect()`). */
export interface ConnectionParts {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly info: ConnectionInfo;
  readonly sent: Promise<void>;
  readonly received: Promise<void>;
}

/** A TlsConnection over `connector`, closed by the transport's `close`. */
export function tlsConnection(connector: Connector, parts: ConnectionParts, close: () => Promise<void>): TlsConnection {
  return {
    ...parts,
    exportKeyingMaterial: (label, context, length) => connector.exportKeyingMaterial(label, context, length),
    keyUpdate: (request = true) => connector.keyUpdate(request),
    close,
  };
}
