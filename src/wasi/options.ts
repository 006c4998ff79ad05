/**
 * Host configuration for the wasi:tls providers. The 0.2 provider runs the
 * TLS engine in preview2-shim's IO worker, so its options cross a thread
 * boundary: only structured-cloneable settings are allowed (no callbacks,
 * no TrustStore objects, no custom crypto providers).
 */
import { TlsError } from '../errors.js';
import { certificatesFrom, privateKeyFrom, type CertificateInputs } from '../inputs.js';
import type { ConnectorOptions } from '../options.js';
import { TrustStore } from '../verify/index.js';

/** Structured-cloneable connector options for the wasi:tls hosts, set through configure(). */
export interface WasiTlsOptions
  extends Pick<
    ConnectorOptions,
    | 'ca'
    | 'verifyTime'
    | 'cipherSuites'
    | 'minVersion'
    | 'maxVersion'
    | 'requireExtendedMasterSecret'
    | 'groups'
    | 'keyShares'
    | 'signatureSchemes'
    | 'alpn'
    | 'clientCertificate'
    | 'middleboxCompat'
    | 'recordSizeLimit'
    | 'padding'
    | 'limits'
    | 'keyUpdateAfterRecords'
  > {
  /** Base trust store: 'mozilla' (default unless `ca` is set), 'system' or certificates (not a TrustStore: it cannot cross). */
  roots?: 'mozilla' | 'system' | CertificateInputs;
  verifyTime?: Date;
  crypto?: 'auto' | 'noble' | 'webcrypto';
  /** Session tickets are cached per worker unless this is false. */
  sessions?: false;
  /**
   * Milliseconds the handshake may take. A guest blocked in `pollable.block`
   * cannot give up by itself, so this defaults to 30000; 0 waits forever.
   */
  handshakeTimeout?: number;
}

/** Default {@link WasiTlsOptions.handshakeTimeout} in milliseconds. */
export const DEFAULT_WASI_HANDSHAKE_TIMEOUT = 30_000;

const ALLOWED = new Set<string>([
  'ca',
  'roots',
  'verifyTime',
  'cipherSuites',
  'minVersion',
  'maxVersion',
  'requireExtendedMasterSecret',
  'groups',
  'keyShares',
  'signatureSchemes',
  'alpn',
  'clientCertificate',
  'middleboxCompat',
  'recordSizeLimit',
  'padding',
  'limits',
  'keyUpdateAfterRecords',
  'crypto',
  'sessions',
  'handshakeTimeout',
]);

/** Rejects settings that cannot cross to the IO worker, and copies the rest. */
export function checkWasiOptions(options: WasiTlsOptions): WasiTlsOptions {
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!ALLOWED.has(key)) {
      throw new TlsError('BAD_CONFIG', `wasi:tls options cannot carry "${key}" (it does not cross to the IO worker)`);
    }
  }
  if (options.crypto !== undefined && !['auto', 'noble', 'webcrypto'].includes(options.crypto)) {
    throw new TlsError('BAD_CONFIG', 'wasi:tls options: crypto must be "auto", "noble" or "webcrypto"');
  }
  if (options.sessions !== undefined && options.sessions !== false) {
    throw new TlsError('BAD_CONFIG', 'wasi:tls options: sessions can only be false');
  }
  checkCertificates(options);
  try {
    return structuredClone(options);
  } catch (e) {
    throw new TlsError('BAD_CONFIG', 'wasi:tls options must be structured-cloneable', { cause: e });
  }
}

/** Certificates and keys are read here, so configure() reports a wrong one rather than a later handshake. */
function checkCertificates(options: WasiTlsOptions): void {
  certificatesFrom(options.ca, 'ca');
  const { roots, clientCertificate: cc } = options;
  if (roots !== undefined && roots !== 'mozilla' && roots !== 'system') {
    if (typeof roots === 'object' && !Array.isArray(roots) && !(roots instanceof Uint8Array)) {
      throw new TlsError('BAD_CONFIG', 'wasi:tls options: roots cannot be a TrustStore (it does not cross to the IO worker); pass certificates');
    }
    TrustStore.from(roots, 'roots');
  }
  if (cc !== undefined) {
    certificatesFrom(cc.chain, 'clientCertificate.chain');
    privateKeyFrom(cc.key, 'clientCertificate.key');
  }
}

/** The Connector options a handshake runs with. */
export function connectorOptions(options: WasiTlsOptions): ConnectorOptions {
  const timeout = options.handshakeTimeout ?? DEFAULT_WASI_HANDSHAKE_TIMEOUT;
  return { ...options, handshakeTimeout: timeout > 0 ? timeout : undefined };
}

let hostOptions: WasiTlsOptions = {};

/**
 * Sets the TLS options of every later handshake (trust anchors, ALPN, ...),
 * for both wasi:tls versions. The guest itself cannot configure TLS.
 */
export function configure(options: WasiTlsOptions): void {
  hostOptions = checkWasiOptions(options);
}

/** The options handshakes currently use. */
export function currentOptions(): WasiTlsOptions {
  return hostOptions;
}
