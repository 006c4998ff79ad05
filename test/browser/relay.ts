/**
 * The tests' relay: puretls's own (src/relay), set up the way the browser
 * tests use it. Each WebSocket connection opens one TCP connection and
 * copies bytes both ways; the relay sees only ciphertext.
 *
 * The target is fixed (`target`) or taken from the URL path "/HOST:PORT"
 * when `allow(host, port)` accepts it (default: loopback only).
 */
import type * as http from 'node:http';
import { startRelay as startPuretlsRelay, type Relay, type RelayStats } from '../../src/relay/server.js';

export type { Relay, RelayStats };

export interface RelayOptions {
  /** Where to connect when the path names no target. */
  target?: { host: string; port: number };
  /** Which path-named targets are allowed; default: 127.0.0.1, ::1 and localhost. */
  allow?: (host: string, port: number) => boolean;
  /** Attach to this HTTP server (under `path`) instead of listening on its own. */
  server?: http.Server;
  /** URL path prefix to accept upgrades on (default '/'). */
  path?: string;
}

const loopback = (host: string) => host === '127.0.0.1' || host === '::1' || host === 'localhost';

export function startRelay(options: RelayOptions = {}): Promise<Relay> {
  const allow = options.allow ?? ((host: string) => loopback(host));
  return startPuretlsRelay({
    allow: (t) => allow(t.host, t.port),
    addresses: 'any', // the tests' servers are on loopback
    target: options.target,
    server: options.server,
    path: options.path,
  });
}
