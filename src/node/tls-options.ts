/**
 * `tls.connect()` options, mapped onto puretls's: the table in the README
 * ("From tls.connect") says what each becomes. Options that would weaken
 * verification or that puretls cannot honour are refused with BAD_CONFIG
 * rather than ignored.
 */
import type { LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import type { PeerCertificate, SecureVersion } from 'node:tls';
import { TlsError } from '../errors.js';
import { checkCertificateOptions } from '../inputs.js';
import type { CertificateInput, CertificateInputs, ConnectorOptions, PrivateKeyInput, VerifyContext } from '../options.js';
import { peerCertificate } from './peer-certificate.js';

/**
 * A STARTTLS preamble: runs on the plaintext stream once it is connected,
 * before the ClientHello (e.g. PostgreSQL's SSLRequest, SMTP's STARTTLS). It
 * may resolve to bytes it read past its own exchange; TLS reads them first.
 */
export type Preamble = (socket: Duplex) => void | Uint8Array | Promise<void | Uint8Array>;

/**
 * Options of tlsConnect(): Node's `tls.connect()` names, plus every
 * ConnectorOptions name. Other keys (an HTTP client's own, passed along
 * with these) are allowed and ignored, as Node's tls.connect() ignores them.
 */
export interface TlsConnectOptions extends Omit<ConnectorOptions, 'port' | 'minVersion' | 'maxVersion'> {
  /** Host to dial (default 'localhost'); also the name verified unless `servername` is set. */
  host?: string | null;
  /** Port to dial (default 443); a numeric string is taken, as HTTP clients pass one. */
  port?: number | string | null;
  /** Name for SNI and verification (default: `host`). */
  servername?: string | null;
  /** Lowest TLS version, passed to puretls's `minVersion`. */
  minVersion?: SecureVersion;
  /** Highest TLS version, passed to puretls's `maxVersion`. */
  maxVersion?: SecureVersion;
  /** Run TLS over this connected (or connecting) stream instead of dialing (STARTTLS). */
  socket?: Duplex;
  /** Client certificate chain, as `clientCertificate.chain`. */
  cert?: CertificateInputs;
  /** Client private key, as `clientCertificate.key` (Node's `{ pem }` objects too, without a passphrase). */
  key?: PrivateKeyInput | readonly (CertificateInput | { pem: CertificateInput; passphrase?: string })[];
  /** ALPN protocols, as `alpn`: strings, Buffers, or one Buffer in wire format. */
  ALPNProtocols?: readonly (string | Uint8Array)[] | Uint8Array;
  /** Called after puretls's own verification passed, which it can only make stricter (pinning). */
  checkServerIdentity?: (hostname: string, cert: PeerCertificate) => Error | undefined;
  /** Only `true` is accepted: puretls always verifies (use `ca` or `verify` instead of `false`). */
  rejectUnauthorized?: boolean;
  /** Idle timeout in milliseconds, as socket.setTimeout(): emits 'timeout'. */
  timeout?: number;
  /** Keep our side open after the server ends its side (default false, as in Node). */
  allowHalfOpen?: boolean;
  /**
   * STARTTLS: a plaintext exchange before the handshake (a {@link Preamble}).
   * A method, so that a preamble typed for net.Socket fits (tlsConnect dials one).
   */
  preamble?(socket: Duplex): ReturnType<Preamble>;
  /** Ignored: https.Agent's cached session. puretls resumes from its own ticket store (`sessions`). */
  session?: unknown;
  /** Passed to net.connect(). */
  family?: number;
  /** Passed to net.connect(). */
  localAddress?: string;
  /** Passed to net.connect(). */
  localPort?: number;
  /** Passed to net.connect(). */
  lookup?: LookupFunction;
  /** Passed to net.connect(). */
  hints?: number;
  /** Passed to net.connect(). */
  autoSelectFamily?: boolean;
  /** socket.setNoDelay(); default true. */
  noDelay?: boolean;
  /** socket.setKeepAlive(). */
  keepAlive?: boolean;
  /** socket.setKeepAlive()'s delay. */
  keepAliveInitialDelay?: number;
}

/** What tlsConnect() needs, once the options are mapped. */
export interface MappedTlsOptions {
  readonly connector: ConnectorOptions;
  readonly host: string;
  readonly port: number;
  /** The name for SNI and verification when given; otherwise `host` is used. */
  readonly servername: string | undefined;
  readonly socket: Duplex | undefined;
  readonly preamble: Preamble | undefined;
  readonly timeout: number | undefined;
  readonly allowHalfOpen: boolean;
  /** Options for net.connect() besides host and port. */
  readonly net: { family?: number; localAddress?: string; localPort?: number; lookup?: LookupFunction; hints?: number; autoSelectFamily?: boolean };
  readonly noDelay: boolean;
  readonly keepAlive: { enable: boolean; delay: number } | undefined;
}

/** Node options with no puretls meaning that would change what is accepted or offered: refused, not ignored. */
const REFUSED: Readonly<Record<string, string>> = {
  pfx: 'PKCS#12 is not read; pass `cert` and `key` (PEM or DER)',
  passphrase: 'encrypted keys are not read; decrypt the key first (node:crypto createPrivateKey)',
  secureContext: 'an OpenSSL SecureContext cannot drive puretls; pass `ca`, `cert`, `key` directly',
  pskCallback: 'external PSKs are not supported',
  ciphers: 'OpenSSL cipher strings are not read; use `cipherSuites` (IANA names)',
  ecdhCurve: 'use `groups` (e.g. ["x25519", "secp256r1"])',
  sigalgs: 'use `signatureSchemes` (IANA names)',
  secureProtocol: 'use `minVersion` / `maxVersion`',
  secureOptions: 'OpenSSL option flags have no puretls meaning',
  crl: 'revocation lists are not checked by puretls',
  privateKeyEngine: 'OpenSSL engines are not available',
  privateKeyIdentifier: 'OpenSSL engines are not available',
  clientCertEngine: 'OpenSSL engines are not available',
};

/** Keys consumed here; every other key is passed to the Connector as is. */
const NODE_ONLY = new Set([
  'host', 'port', 'servername', 'socket', 'cert', 'key', 'ALPNProtocols', 'checkServerIdentity',
  'rejectUnauthorized', 'timeout', 'allowHalfOpen', 'preamble', 'session', 'family', 'localAddress',
  'localPort', 'lookup', 'hints', 'autoSelectFamily', 'noDelay', 'keepAlive', 'keepAliveInitialDelay',
  'path', 'hostname',
]);

function bad(message: string): TlsError {
  return new TlsError('BAD_CONFIG', message);
}

/** ALPNProtocols as Node takes it: a list of strings/bytes, or one wire-format buffer (RFC 7301 §3.1). */
function alpnList(v: TlsConnectOptions['ALPNProtocols']): string[] {
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  if (v instanceof Uint8Array) {
    const out: string[] = [];
    for (let i = 0; i < v.length; ) {
      const n = v[i]!;
      if (n === 0 || i + 1 + n > v.length) throw bad('ALPNProtocols: malformed wire-format buffer');
      out.push(text(v.subarray(i + 1, i + 1 + n)));
      i += 1 + n;
    }
    return out;
  }
  if (!Array.isArray(v)) throw bad('ALPNProtocols must be an array of strings or Buffers, or one Buffer');
  return v.map((p: unknown) => {
    if (typeof p === 'string') return p;
    if (p instanceof Uint8Array) return text(p);
    throw bad('ALPNProtocols must be an array of strings or Buffers, or one Buffer');
  });
}

/** Node's `key`, with its `{ pem, passphrase }` objects read as their `pem` (a passphrase is refused). */
function keyInput(key: NonNullable<TlsConnectOptions['key']>): PrivateKeyInput {
  if (!Array.isArray(key)) return key as PrivateKeyInput;
  return key.map((k: unknown, i: number) => {
    if (typeof k !== 'object' || k === null || k instanceof Uint8Array || !('pem' in k)) return k as CertificateInput;
    if ((k as { passphrase?: unknown }).passphrase !== undefined) {
      throw bad(`key[${i}] has a passphrase: encrypted keys are not read; decrypt the key first (node:crypto createPrivateKey)`);
    }
    return (k as { pem: CertificateInput }).pem;
  });
}

/**
 * One verifier per checkServerIdentity function, so connections that pass
 * the same one share a trust policy (and so resume each other's tickets).
 */
const verifiers = new WeakMap<NonNullable<TlsConnectOptions['checkServerIdentity']>, (ctx: VerifyContext) => Promise<void>>();

function verifierFor(check: NonNullable<TlsConnectOptions['checkServerIdentity']>): (ctx: VerifyContext) => Promise<void> {
  let v = verifiers.get(check);
  if (!v) {
    v = async (ctx) => {
      await ctx.defaultVerify();
      const err = check(ctx.serverName, peerCertificate(ctx.chain) as PeerCertificate);
      if (err) throw err;
    };
    verifiers.set(check, v);
  }
  return v;
}

/** Maps tls.connect() options to puretls's, or throws BAD_CONFIG saying why not. */
export function mapTlsOptions(options: TlsConnectOptions): MappedTlsOptions {
  const o = options as TlsConnectOptions & Record<string, unknown>;
  for (const [key, why] of Object.entries(REFUSED)) {
    if (o[key] !== undefined && o[key] !== null) throw bad(`tls option "${key}" is not supported: ${why}`);
  }
  if (o.rejectUnauthorized === false) {
    throw bad(
      'rejectUnauthorized: false is not supported: puretls always verifies the server. Trust its certificate ' +
        'with `ca`, or pass an explicit `verify` function that decides',
    );
  }
  const connector: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(o)) {
    if (!NODE_ONLY.has(key) && !(key in REFUSED)) connector[key] = value;
  }
  const c = connector as ConnectorOptions; // minVersion/maxVersion go straight through, checked by the Connector
  if (o.ALPNProtocols !== undefined && o.ALPNProtocols !== null) {
    if (c.alpn !== undefined) throw bad('give ALPNProtocols or alpn, not both');
    c.alpn = alpnList(o.ALPNProtocols as TlsConnectOptions['ALPNProtocols']);
  }
  if (o.cert !== undefined || o.key !== undefined) {
    if (c.clientCertificate !== undefined) throw bad('give cert/key or clientCertificate, not both');
    if (o.cert === undefined || o.key === undefined) throw bad('cert and key go together');
    c.clientCertificate = { chain: o.cert, key: keyInput(o.key) };
  }
  // Read now, so a wrong certificate or key throws here, as tls.connect() does.
  checkCertificateOptions(c, o.cert !== undefined ? { chain: 'cert', key: 'key' } : undefined);
  if (o.checkServerIdentity) {
    if (c.verify) throw bad('give checkServerIdentity or verify, not both');
    c.verify = verifierFor(o.checkServerIdentity);
  }
  const port = o.port === undefined || o.port === null || o.port === '' ? 443 : Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw bad(`port must be 0..65535 (got ${String(o.port)})`);
  c.port = port;
  const host = o.host || 'localhost';
  const netOptions: MappedTlsOptions['net'] = {};
  for (const k of ['family', 'localAddress', 'localPort', 'lookup', 'hints', 'autoSelectFamily'] as const) {
    if (o[k] !== undefined) (netOptions as Record<string, unknown>)[k] = o[k];
  }
  return {
    connector: c,
    host,
    port,
    servername: o.servername || undefined,
    socket: o.socket,
    preamble: o.preamble,
    timeout: o.timeout,
    allowHalfOpen: o.allowHalfOpen ?? false,
    net: netOptions,
    noDelay: o.noDelay ?? true,
    keepAlive: o.keepAlive ? { enable: true, delay: o.keepAliveInitialDelay ?? 0 } : undefined,
  };
}
