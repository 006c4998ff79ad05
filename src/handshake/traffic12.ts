/**
 * A TLS 1.2 connection after its handshake: HelloRequest is refused with a
 * no_renegotiation warning (RFC 5746 §4.2, RFC 5246 §7.4.1.1), anything else
 * is unexpected; the exporter is RFC 5705's, offered only with extended
 * master secret (RFC 7627 §5.4). TLS 1.2 has no key update.
 */
import type { HashFunction } from '../crypto/provider.js';
import { AlertDescription, TlsError } from '../errors.js';
import type { HandshakeMessage } from '../record/reassembly.js';
import { handshakeName } from './client-hello.js';
import { HandshakeType as HT } from './constants.js';
import { expectEmptyBody } from './messages12.js';
import { exportKeyingMaterial12 } from './prf.js';
import type { Traffic, Wire } from './wire.js';

/** Labels the TLS 1.2 key derivation itself uses; an exporter may not (RFC 5705 §4). */
const RESERVED_LABELS = new Set(['client finished', 'server finished', 'master secret', 'key expansion', 'extended master secret']);

/** What a completed TLS 1.2 handshake leaves for its exporter. */
export interface Secrets12 {
  readonly hash: HashFunction;
  readonly master: Uint8Array;
  readonly clientRandom: Uint8Array;
  readonly serverRandom: Uint8Array;
  readonly extendedMasterSecret: boolean;
}

/** The TLS 1.2 connection after its handshake. */
export class Tls12Traffic implements Traffic {
  constructor(
    private readonly wire: Wire,
    private readonly s: Secrets12,
  ) {}

  async onMessage(msg: HandshakeMessage): Promise<void> {
    if (msg.type !== HT.hello_request) {
      throw new TlsError('UNEXPECTED_MESSAGE', `unexpected ${handshakeName(msg.type)} after the TLS 1.2 handshake`);
    }
    expectEmptyBody(msg.body, 'HelloRequest');
    this.wire.checkPostHandshakeRate();
    // RFC 5746 §4.2: we do not renegotiate; say so with a warning and carry on.
    await this.wire.writeJob(async () => {
      if (!this.wire.closedForWriting) await this.wire.emitAlert(1, AlertDescription.no_renegotiation);
    });
  }

  keyUpdate(): Promise<void> {
    return Promise.reject(new TlsError('TLS13_ONLY', 'keyUpdate needs TLS 1.3; this connection negotiated TLS 1.2'));
  }

  async rotateIfDue(): Promise<void> {
    // TLS 1.2 cannot rotate keys; its 64-bit sequence number is the only limit.
  }

  exportKeyingMaterial(label: string, context: Uint8Array | null, length: number): Uint8Array {
    // RFC 7627 §5.4: without extended master secret the exporter is not bound to this connection.
    if (!this.s.extendedMasterSecret) {
      throw new TlsError('EMS_REQUIRED', 'exporters need extended master secret in TLS 1.2', { alert: null });
    }
    if (RESERVED_LABELS.has(label)) throw new TlsError('BAD_CONFIG', `exporter label ${JSON.stringify(label)} is reserved`);
    const s = this.s;
    return exportKeyingMaterial12(s.hash, s.master, s.clientRandom, s.serverRandom, label, context, length);
  }
}
