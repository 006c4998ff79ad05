/**
 * The sans-IO client core on its own, for engines with no WHATWG streams and
 * no sockets (QuickJS, embedded interpreters): the host moves the bytes.
 *
 *   const conn = new ClientConnection(clientConfig({ ca, random }, 'example.com'), {
 *     send: (bytes) => hostWrite(bytes),   // to the network
 *     data: (bytes) => onData(bytes),      // decrypted
 *     handshakeComplete: (info) => ..., peerClosed: () => ...,
 *   });
 *   await conn.start();                     // ClientHello goes out through send()
 *   hostOnRead((bytes) => conn.receive(bytes));
 *   await conn.write(request); await conn.close();
 */
import type { ClientConfig } from './handshake/client.js';
import { resolveConfig, type ConnectorOptions } from './options.js';

/**
 * ClientConnection's configuration from the same options a Connector takes
 * (BAD_CONFIG for invalid ones). Session resumption is the caller's: pass a
 * stored session as `session`, keep what the sink's `ticket()` receives.
 */
export function clientConfig(options: ConnectorOptions, serverName: string): ClientConfig {
  const { sessions: _sessions, sessionKey: _key, ...config } = resolveConfig({ ...options, sessions: false }, serverName);
  return config;
}
