/**
 * What the main-thread wasi:tls host and its IO-worker extension
 * (worker.ts) say to each other through preview2-shim's `callExtension`.
 * Everything here is structured-cloned across the thread boundary.
 */
import type { WasiTlsOptions } from './options.js';

/** Starts a handshake in the worker ({@link HandshakeArgs}); returns a future id. */
export const OP_HANDSHAKE = 'handshake';
/** Ends a connection's plaintext output (sends close_notify); argument: [connection id]. */
export const OP_CLOSE_OUTPUT = 'close-output';
/** Forgets a dropped connection; argument: [connection id]. */
export const OP_DROP = 'drop';

/** `handshake` arguments: [serverName, tcp input id, tcp output id, options]. */
export type HandshakeArgs = [serverName: string, input: number, output: number, options: WasiTlsOptions];

/** A completed handshake: the connection id and the worker ids of its plaintext streams. */
export interface HandshakeResult {
  readonly connection: number;
  readonly input: number;
  readonly output: number;
  readonly alpn: string | null;
  readonly cipherSuite: string;
}

/** Why a handshake failed (a TlsError flattened for postMessage). */
export interface HandshakeFailure {
  readonly code: string;
  readonly message: string;
}
