/**
 * The browser build's entry (dist/browser/puretls.js): the engine plus the
 * WebSocket transport. Nothing here may import a Node built-in.
 */
export * from './index.js';
export { connectWebSocket } from './websocket.js';
export type {
  WebSocketConnectOptions,
  WebSocketTlsConnection,
  WebSocketLike,
  WebSocketConstructorLike,
  WebSocketEventLike,
} from './websocket.js';
