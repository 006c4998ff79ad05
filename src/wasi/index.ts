/**
 * puretls/wasi: puretls as the wasi:tls provider of jco-transpiled components.
 *
 *   import { configure } from 'puretls/wasi';
 *   configure({ ca: rootPem });
 *   // jco transpile app.wasm -o out \
 *   //   --map 'wasi:tls/types@0.2.0-draft=puretls/wasi#types'
 */
export { configure, currentOptions, type WasiTlsOptions } from './options.js';
export {
  types,
  ClientHandshake,
  ClientConnection,
  FutureClientStreams,
  type Result,
} from './types.js';
export {
  client,
  clientTypes,
  createClientInterface,
  toByteStream,
  Connector as ClientConnector,
  WasiTlsError,
  type ByteSource,
} from './client.js';
