/**
 * Alerts from the server (RFC 8446 §6, RFC 5246 §7.2): which end the
 * connection and with what error, which a TLS 1.2 server may send as
 * warnings, and how many of those we listen to in a row.
 */
import { AlertDescription, alertName, TlsError } from '../errors.js';
import type { ClientConfig, TlsVersion } from './config.js';

/** TLS 1.2 warning alerts accepted in a row before we stop listening (a flood is not a conversation). */
const MAX_WARNINGS_IN_A_ROW = 4;
/** RFC 5246 §7.2: alerts a TLS 1.2 server may send as warnings; every other one is fatal. */
const WARNING_OK = new Set<number>([AlertDescription.no_renegotiation, AlertDescription.unrecognized_name]);

/** The receiving side of the alert protocol for one connection. */
export class AlertReceiver {
  private receivedUserCanceled = false;
  private warningsInARow = 0;

  constructor(private readonly config: ClientConfig) {}

  /** A record of another content type arrived: warnings are no longer in a row. */
  other(): void {
    this.warningsInARow = 0;
  }

  /**
   * Handles one alert record's content (`version` is the negotiated one, or
   * null before the ServerHello). Returns 'close_notify' for close_notify;
   * returns nothing for alerts that let the connection go on; throws the
   * connection's error for every other.
   */
  receive(content: Uint8Array, version: TlsVersion | null): 'close_notify' | void {
    // RFC 8446 §5.1: an alert is exactly two bytes, never fragmented.
    if (content.length !== 2) throw new TlsError('DECODE_ERROR', 'malformed alert');
    const desc = content[1]!;
    if (desc === AlertDescription.close_notify) return 'close_notify';
    if (desc === AlertDescription.user_canceled) {
      // RFC 8446 §6.1: not fatal by itself; a close_notify should follow.
      this.receivedUserCanceled = true;
      return;
    }
    // RFC 5246 §7.2: a TLS 1.2 server may warn (no_renegotiation, unrecognized_name)
    // and go on; before the ServerHello we cannot yet know it is not one.
    const maybe12 = version === 'TLSv1.2' || (version === null && !!this.config.tls12CipherSuites?.length);
    if (maybe12 && content[0] === 1 && WARNING_OK.has(desc)) {
      if (++this.warningsInARow > MAX_WARNINGS_IN_A_ROW) {
        throw new TlsError('UNEXPECTED_MESSAGE', 'too many warning alerts in a row');
      }
      return;
    }
    // RFC 8446 §6: every other alert is fatal, whatever its level says.
    throw new TlsError('ALERT_RECEIVED', `server sent alert ${alertName(desc)}`, { receivedAlert: desc });
  }

  /** The error for a close_notify before the handshake completed (after user_canceled, that alert's). */
  closedDuringHandshake(): TlsError {
    const canceled = this.receivedUserCanceled;
    return new TlsError(canceled ? 'ALERT_RECEIVED' : 'CONNECTION_CLOSED', 'server closed the connection during the handshake', {
      receivedAlert: canceled ? AlertDescription.user_canceled : AlertDescription.close_notify,
    });
  }
}
