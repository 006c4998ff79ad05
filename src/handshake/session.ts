/**
 * Resumption state (RFC 8446 §4.6.1; RFC 5077 and RFC 5246 §7.4.1.2 for
 * TLS 1.2) and the session cache.
 */
import type { GroupName } from '../crypto/provider.js';
import type { Tls12CipherSuiteName, Tls13CipherSuiteName } from './constants.js';

/** What a TLS 1.3 NewSessionTicket lets us resume. Holds a secret: keep it in memory. */
export interface StoredSession13 {
  /** Absent in sessions stored before TLS 1.2 support; means TLS 1.3. */
  readonly version?: 'TLSv1.3';
  readonly serverName: string;
  readonly cipherSuite: Tls13CipherSuiteName;
  /** The PSK: HKDF-Expand-Label(resumption_master_secret, "resumption", nonce). */
  readonly psk: Uint8Array;
  readonly ticket: Uint8Array;
  readonly ageAdd: number;
  /** Seconds, at most 7 days (RFC 8446 §4.6.1). */
  readonly lifetime: number;
  /** Milliseconds since the epoch when the ticket arrived. */
  readonly receivedAt: number;
  /** max_early_data_size from the ticket's early_data extension; 0 if none. */
  readonly maxEarlyData: number;
  /** The ALPN protocol of the connection that issued the ticket (for 0-RTT). */
  readonly alpn: string | null;
}

/**
 * A TLS 1.2 session to resume: by ticket (RFC 5077) when `ticket` is not
 * empty, else by session ID. Only sessions with extended master secret are
 * kept (RFC 7627 §5.3). Holds a secret: keep it in memory.
 */
export interface StoredSession12 {
  readonly version: 'TLSv1.2';
  readonly serverName: string;
  readonly cipherSuite: Tls12CipherSuiteName;
  /** The session's master_secret (RFC 5246 §8.1, RFC 7627 §4). */
  readonly masterSecret: Uint8Array;
  /** The server's session_id (empty if none). */
  readonly sessionId: Uint8Array;
  /** The RFC 5077 ticket, or empty to resume by session ID. */
  readonly ticket: Uint8Array;
  /** The key exchange group of the full handshake, reported again when resumed. */
  readonly group: GroupName;
  /** Seconds we keep it: the ticket's lifetime hint, or our default. */
  readonly lifetime: number;
  /** Milliseconds since the epoch when the session was established. */
  readonly receivedAt: number;
  readonly alpn: string | null;
}

/** A resumable session of either version; a TLS 1.2 one is never offered as a TLS 1.3 PSK, nor the reverse. */
export type StoredSession = StoredSession13 | StoredSession12;

/** Narrows a stored session to TLS 1.2. */
export const isSession12 = (s: StoredSession): s is StoredSession12 => s.version === 'TLSv1.2';

/** A store of tickets keyed by server name and port. */
export interface SessionStore {
  /** Returns and removes a usable ticket (one-time use, RFC 8446 §C.4). */
  get(key: string): StoredSession | undefined | Promise<StoredSession | undefined>;
  put(key: string, session: StoredSession): void | Promise<void>;
  delete(key: string): void | Promise<void>;
}

/** Whether the session's lifetime (RFC 8446 §4.6.1) has run out at `now` (ms since the epoch). */
export function sessionExpired(s: StoredSession, now: number): boolean {
  return now - s.receivedAt >= s.lifetime * 1000;
}

/**
 * A bounded in-memory cache: a few tickets per key, a cap on keys, expired
 * tickets dropped, and each ticket handed out once.
 */
export class MemorySessionStore implements SessionStore {
  private readonly map = new Map<string, StoredSession[]>();
  constructor(
    private readonly maxKeys = 256,
    private readonly perKey = 4,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): StoredSession | undefined {
    const list = this.map.get(key);
    if (!list) return undefined;
    const t = this.now();
    while (list.length) {
      const s = list.pop()!;
      if (!sessionExpired(s, t)) {
        if (!list.length) this.map.delete(key);
        return s;
      }
    }
    this.map.delete(key);
    return undefined;
  }

  put(key: string, session: StoredSession): void {
    let list = this.map.get(key);
    if (!list) {
      if (this.map.size >= this.maxKeys) {
        const oldest = this.map.keys().next().value;
        if (oldest !== undefined) this.map.delete(oldest);
      }
      list = [];
    } else {
      this.map.delete(key); // re-insert: most recently used last
    }
    list.push(session);
    if (list.length > this.perKey) list.shift();
    this.map.set(key, list);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }
}

/** The process-wide cache used when the caller does not pass `sessions`. */
export const defaultSessionStore = new MemorySessionStore();
