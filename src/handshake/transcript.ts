/**
 * The transcript hash, RFC 8446 §4.4.1. Messages are kept raw until the
 * cipher suite (and so the hash) is known, then hashed incrementally.
 */
import type { HashFunction, HashState } from '../crypto/provider.js';
import { HandshakeType } from './constants.js';
import { handshakeMessage } from './messages.js';

/** The running transcript hash of the handshake messages (RFC 8446 §4.4.1). */
export class Transcript {
  private pending: Uint8Array[] = [];
  private state: HashState | null = null;
  private fn: HashFunction | null = null;

  add(message: Uint8Array): void {
    if (this.state) this.state.update(message);
    else this.pending.push(message);
  }

  /** Fixes the hash once ServerHello names the suite. */
  start(hash: HashFunction): void {
    if (this.state) return;
    this.fn = hash;
    this.state = hash.create();
    for (const m of this.pending) this.state.update(m);
    this.pending = [];
  }

  get hash(): HashFunction {
    if (!this.fn) throw new Error('transcript hash not started');
    return this.fn;
  }

  current(): Uint8Array {
    if (!this.state) throw new Error('transcript hash not started');
    return this.state.peek();
  }

  /** An independent copy; the hash must have started. */
  fork(): Transcript {
    const t = new Transcript();
    t.fn = this.hash;
    t.state = this.state!.clone();
    return t;
  }

  /** Hash of the messages so far followed by `extra`, without adding it. */
  withExtra(hash: HashFunction, extra: Uint8Array): Uint8Array {
    const s = hash.create();
    for (const m of this.pending) s.update(m);
    return s.update(extra).peek();
  }

  /**
   * RFC 8446 §4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by
   * message_hash(Hash(ClientHello1)).
   */
  replaceWithMessageHash(hash: HashFunction): void {
    const s = hash.create();
    for (const m of this.pending) s.update(m);
    this.pending = [handshakeMessage(HandshakeType.message_hash, s.peek())];
  }
}
