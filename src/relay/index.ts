/**
 * puretls/relay: a deployable WebSocket-to-TCP relay for browser pages that
 * run TLS with puretls (puretls/websocket, or a WebAssembly component using
 * wasi:sockets through puretls/wasi's browser host). Node only.
 *
 *   import { startRelay } from 'puretls/relay';
 *   const relay = await startRelay({
 *     allow: ['example.com:443', '*.example.net:443'],
 *     origins: ['https://app.example'],
 *     listen: { host: '0.0.0.0', port: 8080 },
 *   });
 *
 * Or from a shell: `npx puretls-relay --listen 0.0.0.0:8080 --allow example.com:443 --origin https://app.example`.
 */
export {
  startRelay,
  type Relay,
  type RelayEvent,
  type RelayOptions,
  type RelayStats,
  type ResolvedAddress,
} from './server.js';
export { compileAllowList, isPublicAddress, type AllowRule } from './policy.js';
export {
  CLOSE_CODES,
  MSG_CONNECTED,
  MSG_END,
  TCP_SUBPROTOCOL,
  errorCodeForClose,
  formatTarget,
  parseTarget,
  type RelayCloseCode,
  type RelayErrorCode,
  type RelayTarget,
} from './protocol.js';
