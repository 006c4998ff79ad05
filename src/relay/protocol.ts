/**
 * The wire contract between puretls's TCP relay (relay/server.ts, Node) and
 * its clients (wasi/sockets.ts in a page, puretls/websocket). Browser-safe:
 * no Node built-ins.
 *
 * A client opens `WebSocket(base + "HOST:PORT")` (IPv6 as "[addr]:PORT").
 *
 * - Without a subprotocol (puretls/websocket's connectWebSocket): binary
 *   messages are the TCP bytes; the WebSocket closes when TCP ends.
 * - With the subprotocol {@link TCP_SUBPROTOCOL}: the relay sends the text
 *   message `connected` once the TCP connection is up, and `end` when the
 *   target half-closes; the client sends `end` to half-close its side. The
 *   relay closes the WebSocket with 1000 when both sides have ended, or with
 *   a 4xxx code (see {@link CLOSE_CODES}) whose reason says what failed.
 */

/** The WebSocket subprotocol of the signalling mode: `connected`/`end` text messages and error close codes. */
export const TCP_SUBPROTOCOL = 'puretls-tcp.v1';

/** Text message (relay to client): the TCP connection is established. */
export const MSG_CONNECTED = 'connected';
/** Text message (both ways): this side has no more bytes to send (a TCP half-close). */
export const MSG_END = 'end';

/**
 * The `error-code` cases of wasi:sockets/types@0.3.0 that a relayed
 * connection can end with.
 */
export type RelayErrorCode =
  | 'access-denied'
  | 'invalid-argument'
  | 'timeout'
  | 'remote-unreachable'
  | 'connection-refused'
  | 'connection-broken'
  | 'connection-reset'
  | 'connection-aborted'
  | 'other';

/** WebSocket close codes (private range 4000-4999) the relay uses, each with its WIT error code. */
export const CLOSE_CODES = {
  /** The target string is malformed, or its port is 0. */
  4400: 'invalid-argument',
  /** The target is not on the allow-list, or resolves to an address the relay does not serve. */
  4403: 'access-denied',
  /** Connecting to the target took longer than the relay's connect timeout. */
  4110: 'timeout',
  /** No bytes either way for the relay's idle timeout. */
  4408: 'timeout',
  /** The target's name did not resolve, or no route to it. */
  4113: 'remote-unreachable',
  /** The target refused the connection (ECONNREFUSED). */
  4111: 'connection-refused',
  /** Writing to the target failed (EPIPE). */
  4032: 'connection-broken',
  /** The target reset the connection (ECONNRESET). */
  4104: 'connection-reset',
  /** The connection failed for another reason after it was up. */
  4103: 'connection-aborted',
  /** The relay is at its connection limit, or was stopped. */
  4429: 'other',
} as const satisfies Record<number, RelayErrorCode>;

/** A close code of {@link CLOSE_CODES}. */
export type RelayCloseCode = keyof typeof CLOSE_CODES;

/** The WIT error code for a WebSocket close code: the relay's table, or `other` for anything else. */
export function errorCodeForClose(code: number): RelayErrorCode {
  return (CLOSE_CODES as Record<number, RelayErrorCode>)[code] ?? 'other';
}

/** The relay's close code for a Node socket error code (`ECONNREFUSED`, ...). */
export function closeCodeForSystemError(code: string | undefined, connected: boolean): RelayCloseCode {
  switch (code) {
    case 'ECONNREFUSED':
      return 4111;
    case 'ETIMEDOUT':
      return connected ? 4408 : 4110;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NODATA':
    case 'EAI_NONAME':
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return 4113;
    case 'ECONNRESET':
      return 4104;
    case 'EPIPE':
      return 4032;
    case 'EACCES':
    case 'EPERM':
      return 4403;
    default:
      return 4103;
  }
}

/** A relay target: a host name or IP literal, and a TCP port. */
export interface RelayTarget {
  /** A DNS name (lower case, ASCII) or an IP literal (IPv6 without brackets). */
  readonly host: string;
  /** 1 to 65535. */
  readonly port: number;
}

/** The URL path segment naming a target: `host:port`, or `[v6]:port`. */
export function formatTarget(target: RelayTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${host}:${target.port}`;
}

/** Parses {@link formatTarget}'s form; null when malformed (no port, port 0 or above 65535, bad characters). */
export function parseTarget(text: string): RelayTarget | null {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(text) ?? /^([A-Za-z0-9._-]+):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  const host = m[1]!.toLowerCase().replace(/\.$/, '');
  if (host === '' || host.length > 253) return null;
  return { host, port };
}
