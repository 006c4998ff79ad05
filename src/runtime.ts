/**
 * What puretls needs from a JavaScript engine, checked when a connection
 * object is built so that a missing feature fails there, by name, and not
 * as a TypeError in the middle of a handshake.
 *
 * The pure path (ClientConnection with the noble provider) needs only the
 * language: BigInt, typed arrays, Promise, Map/Set/WeakMap, and one thing
 * from the platform: an entropy source, `crypto.getRandomValues` or the
 * caller's `random`. No WebCrypto, streams, sockets, timers or
 * TextEncoder. The Connector adds WHATWG streams (ReadableStream).
 */
import { systemRandom, type RandomSource } from './crypto/provider.js';
import { TlsError } from './errors.js';

/** The language built-ins the engine (noble and the TLS core) uses. */
const BUILTINS = ['BigInt', 'ArrayBuffer', 'Uint8Array', 'Uint32Array', 'DataView', 'Promise', 'Map', 'Set', 'WeakMap'] as const;

/**
 * What this engine lacks for a connection, by name: language built-ins, and
 * an entropy source when `random` is absent (or is the platform's own,
 * which needs `crypto.getRandomValues`). Empty when everything is there.
 */
export function missingRuntimeFeatures(random?: RandomSource): string[] {
  const g = globalThis as unknown as Record<string, unknown>;
  const missing: string[] = BUILTINS.filter((name) => typeof g[name] !== 'function');
  const crypto = g.crypto as { getRandomValues?: unknown } | undefined;
  if ((random === undefined || random === systemRandom) && typeof crypto?.getRandomValues !== 'function') {
    missing.push('an entropy source (crypto.getRandomValues, or the `random` option)');
  } else if (random !== undefined && typeof random !== 'function') {
    missing.push('an entropy source (`random` is not a function)');
  }
  return missing;
}

/**
 * Throws TlsError UNSUPPORTED_RUNTIME naming everything {@link missingRuntimeFeatures}
 * finds, and `extra` (features only the caller needs, e.g. 'ReadableStream').
 */
export function checkRuntime(what: string, random?: RandomSource, extra: readonly string[] = []): void {
  const g = globalThis as unknown as Record<string, unknown>;
  const missing = [...missingRuntimeFeatures(random), ...extra.filter((name) => typeof g[name] !== 'function')];
  if (missing.length) {
    throw new TlsError('UNSUPPORTED_RUNTIME', `${what} cannot run in this JavaScript engine: it lacks ${missing.join(', ')}`);
  }
}
