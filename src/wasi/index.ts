/**
 * puretls/wasi: puretls as the wasi:tls provider of jco-transpiled components.
 *
 *   import { configure } from 'puretls/wasi';
 *   configure({ ca: rootPem });
 *   // jco transpile app.wasm -o out \
 *   //   --map 'wasi:tls/types@0.2.0-draft=puretls/wasi#types'
 *
 * Everything of the browser build (browser.ts: the 0.3 host, wasi:sockets
 * over the relay, setupWasi), plus the 0.2 host, which needs preview2-shim's
 * Node IO worker.
 */
export * from './browser.js';
export {
  types,
  ClientHandshake,
  ClientConnection,
  FutureClientStreams,
  type Result,
} from './types.js';
