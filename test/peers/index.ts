export * from './fixtures.js';
export * from './process.js';
export * from './openssl-server.js';
export * from './node-server.js';
export * from './tls-wire.js';
