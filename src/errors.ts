/**
 * Errors: one class, a stable `code`, and the alert it maps to (RFC 8446 §6).
 */

/** TLS alert descriptions, RFC 8446 §6. */
export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  no_renegotiation: 100,
  missing_extension: 109,
  unsupported_extension: 110,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
} as const;
/** The name of a TLS alert, e.g. 'handshake_failure' (RFC 8446 §6). */
export type AlertName = keyof typeof AlertDescription;

const alertNames = new Map<number, AlertName>(
  Object.entries(AlertDescription).map(([k, v]) => [v, k as AlertName]),
);
/** The name of an alert code, or `unknown_alert(N)`. */
export function alertName(code: number): string {
  return alertNames.get(code) ?? `unknown_alert(${code})`;
}

/** Stable error codes; each maps to the alert we send for it. */
export const ErrorCodes = {
  // protocol
  UNEXPECTED_MESSAGE: 'unexpected_message',
  DECODE_ERROR: 'decode_error',
  ILLEGAL_PARAMETER: 'illegal_parameter',
  HANDSHAKE_FAILURE: 'handshake_failure',
  DECRYPT_ERROR: 'decrypt_error',
  BAD_RECORD_MAC: 'bad_record_mac',
  RECORD_OVERFLOW: 'record_overflow',
  PROTOCOL_VERSION: 'protocol_version',
  MISSING_EXTENSION: 'missing_extension',
  UNSUPPORTED_EXTENSION: 'unsupported_extension',
  NO_APPLICATION_PROTOCOL: 'no_application_protocol',
  INSUFFICIENT_SECURITY: 'insufficient_security',
  /** TLS 1.2 server without RFC 7627 extended master secret (RFC 7627 §5.2). */
  EMS_REQUIRED: 'handshake_failure',
  INTERNAL_ERROR: 'internal_error',
  // certificates (RFC 5280 / RFC 6125 failures)
  BAD_CERTIFICATE: 'bad_certificate',
  CERT_EXPIRED: 'certificate_expired',
  CERT_NOT_YET_VALID: 'certificate_expired',
  CERT_UNTRUSTED_ROOT: 'unknown_ca',
  // The root is known but no longer trusted for certificates issued after its
  // distrust-after date: to this leaf it is not a trust anchor (RFC 8446 §6.2).
  CERT_DISTRUSTED_ROOT: 'unknown_ca',
  CERT_NAME_MISMATCH: 'bad_certificate',
  CERT_BAD_SIGNATURE: 'bad_certificate',
  CERT_NAME_CONSTRAINTS: 'bad_certificate',
  CERT_BAD_USAGE: 'unsupported_certificate',
  CERT_UNSUPPORTED_ALGORITHM: 'unsupported_certificate',
  CERT_CHAIN_TOO_LONG: 'bad_certificate',
  CERT_INVALID: 'bad_certificate',
  // peer and transport
  ALERT_RECEIVED: null,
  CLOSED: null,
  CONNECTION_CLOSED: null,
  NOT_CONNECTED: null,
  /** A TLS 1.3-only operation (keyUpdate) on a TLS 1.2 connection. */
  TLS13_ONLY: null,
  ABORTED: 'user_canceled',
  TIMEOUT: 'user_canceled',
  LIMIT_EXCEEDED: 'internal_error',
  BAD_CONFIG: null,
  /** The JavaScript engine lacks something puretls needs (BigInt, typed arrays, an entropy source, streams). */
  UNSUPPORTED_RUNTIME: null,
} as const satisfies Record<string, AlertName | null>;
/** A stable TlsError code, e.g. 'CERT_EXPIRED'. */
export type ErrorCode = keyof typeof ErrorCodes;

/** Optional parts of a TlsError: a received alert, an alert override, detail and a cause. */
export interface TlsErrorOptions {
  /** Alert received from the peer (for ALERT_RECEIVED). */
  receivedAlert?: number;
  /** Override the alert we send (defaults to the code's mapping). */
  alert?: AlertName | null;
  /** Extra context for toDebugString(): never secrets. */
  detail?: string;
  cause?: unknown;
}

/**
 * The one error type puretls raises. `code` is stable; `message` is for humans.
 */
export class TlsError extends Error {
  override readonly name = 'TlsError';
  readonly code: ErrorCode;
  /** The alert we send (or sent) to the peer, if any. */
  readonly alert: AlertName | null;
  /** The alert the peer sent us, if this error comes from one. */
  readonly receivedAlert: number | null;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, message: string, options: TlsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.alert = options.alert !== undefined ? options.alert : ErrorCodes[code];
    this.receivedAlert = options.receivedAlert ?? null;
    this.detail = options.detail;
  }

  /** A one-paragraph description for logs: code, message, alerts, detail. */
  toDebugString(): string {
    const parts = [`TlsError ${this.code}: ${this.message}`];
    if (this.alert) parts.push(`alert sent: ${this.alert}(${AlertDescription[this.alert]})`);
    if (this.receivedAlert !== null) {
      parts.push(`alert received: ${alertName(this.receivedAlert)}(${this.receivedAlert})`);
    }
    if (this.detail) parts.push(this.detail);
    if (this.cause instanceof Error) parts.push(`cause: ${this.cause.message}`);
    return parts.join('; ');
  }
}

/** Whether `e` is a {@link TlsError}. */
export function isTlsError(e: unknown): e is TlsError {
  return e instanceof TlsError;
}

/** Shorthand for decode failures in codecs (RFC 8446 §6: decode_error). */
export function decodeError(what: string): TlsError {
  return new TlsError('DECODE_ERROR', `malformed ${what}`);
}

/** `e` as a TlsError: itself if it is one, else CONNECTION_CLOSED with `fallback` as the message and `e` as the cause. */
export function toTlsError(e: unknown, fallback: string): TlsError {
  if (e instanceof TlsError) return e;
  return new TlsError('CONNECTION_CLOSED', fallback, { cause: e });
}
