/**
 * puretls/wasi in a page (dist/browser/puretls-wasi.js): the wasi:tls 0.3
 * host (`client`, `clientTypes`), wasi:sockets 0.3 TCP over puretls's relay
 * (`socketsTypes`, `ipNameLookup`) and {@link setupWasi}. No Node built-ins:
 * the wasi:tls 0.2 host (`types`), which lives in preview2-shim's Node IO
 * worker, is not here (docs/wasi.md, "In the browser").
 */
export { configure, currentOptions, type WasiTlsOptions } from './options.js';
export {
  client,
  clientTypes,
  createClientInterface,
  toByteStream,
  Connector as ClientConnector,
  WasiTlsError,
  type ByteSource,
  type Result,
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
export {
  setupWasi,
  wasiMap,
  wasiMapArgs,
  WASI_EXPORTS,
  type WasiSetup,
  type WasiSetupOptions,
} from './setup.js';
