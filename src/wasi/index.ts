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
export {
  socketsTypes,
  ipNameLookup,
  configureSockets,
  createSocketsInterfaces,
  SocketError,
  TcpSocket,
  UdpSocket,
  type SocketsOptions,
  type SocketsInterfaces,
  type SocketErrorCode,
  type LookupErrorCode,
  type IpAddress,
  type IpSocketAddress,
} from './sockets.js';
export { setupWasi, wasiMap, wasiMapArgs, WASI_EXPORTS, type WasiSetup, type WasiSetupOptions } from './setup.js';
