/**
 * A small, independent TLS 1.3 / TLS 1.2 wire observer for the test peers
 * (deliberately not sharing code with the engine under test): parses
 * ClientHello/ServerHello (and, for TLS 1.2, ServerKeyExchange), and — given
 * the server's keylog — decrypts what the client sends, so a test can see
 * which version/group/suite was negotiated and which alerts (close_notify,
 * bad_certificate, ...) the client put on the wire.
 *
 * TLS 1.3 needs CLIENT_HANDSHAKE_TRAFFIC_SECRET / CLIENT_TRAFFIC_SECRET_0;
 * TLS 1.2 needs `CLIENT_RANDOM <client_random> <master_secret>` (AEAD suites
 * only: AES-GCM and ChaCha20-Poly1305), and then both directions are
 * decrypted after each side's ChangeCipherSpec.
 */
import { createDecipheriv, createHmac } from 'node:crypto';

export const GROUP_NAMES: Readonly<Record<number, string>> = {
  0x0017: 'secp256r1',
  0x0018: 'secp384r1',
  0x0019: 'secp521r1',
  0x001d: 'x25519',
  0x001e: 'x448',
  0x0100: 'ffdhe2048',
  0x0101: 'ffdhe3072',
  0x0102: 'ffdhe4096',
  0x0103: 'ffdhe6144',
  0x0104: 'ffdhe8192',
  0x0200: 'MLKEM512',
  0x0201: 'MLKEM768',
  0x0202: 'MLKEM1024',
  0x11eb: 'SecP256r1MLKEM768',
  0x11ec: 'X25519MLKEM768',
  0x11ed: 'SecP384r1MLKEM1024',
};

export const CIPHER_SUITE_NAMES: Readonly<Record<number, string>> = {
  0x1301: 'TLS_AES_128_GCM_SHA256',
  0x1302: 'TLS_AES_256_GCM_SHA384',
  0x1303: 'TLS_CHACHA20_POLY1305_SHA256',
  0x1304: 'TLS_AES_128_CCM_SHA256',
  0x1305: 'TLS_AES_128_CCM_8_SHA256',
  // TLS 1.2 (IANA names)
  0xc02b: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  0xc02c: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  0xc02f: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  0xc030: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  0xcca8: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  0xcca9: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  0xccaa: 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  0x009c: 'TLS_RSA_WITH_AES_128_GCM_SHA256',
  0x009d: 'TLS_RSA_WITH_AES_256_GCM_SHA384',
  0x009e: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256',
  0x009f: 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384',
  0xc009: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
  0xc00a: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
  0xc013: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  0xc014: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  0xc023: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256',
  0xc024: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384',
  0xc027: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256',
  0xc028: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384',
  0x002f: 'TLS_RSA_WITH_AES_128_CBC_SHA',
  0x0035: 'TLS_RSA_WITH_AES_256_CBC_SHA',
  0x003c: 'TLS_RSA_WITH_AES_128_CBC_SHA256',
  0x003d: 'TLS_RSA_WITH_AES_256_CBC_SHA256',
  0x00ff: 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV',
  0x5600: 'TLS_FALLBACK_SCSV',
};

export const SIGNATURE_SCHEME_NAMES: Readonly<Record<number, string>> = {
  0x0201: 'rsa_pkcs1_sha1',
  0x0203: 'ecdsa_sha1',
  0x0401: 'rsa_pkcs1_sha256',
  0x0501: 'rsa_pkcs1_sha384',
  0x0601: 'rsa_pkcs1_sha512',
  0x0403: 'ecdsa_secp256r1_sha256',
  0x0503: 'ecdsa_secp384r1_sha384',
  0x0603: 'ecdsa_secp521r1_sha512',
  0x0804: 'rsa_pss_rsae_sha256',
  0x0805: 'rsa_pss_rsae_sha384',
  0x0806: 'rsa_pss_rsae_sha512',
  0x0807: 'ed25519',
  0x0808: 'ed448',
  0x0809: 'rsa_pss_pss_sha256',
  0x080a: 'rsa_pss_pss_sha384',
  0x080b: 'rsa_pss_pss_sha512',
};

export const ALERT_NAMES: Readonly<Record<number, string>> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  22: 'record_overflow',
  40: 'handshake_failure',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  109: 'missing_extension',
  110: 'unsupported_extension',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  115: 'unknown_psk_identity',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

export const HANDSHAKE_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'hello_request',
  1: 'client_hello',
  2: 'server_hello',
  4: 'new_session_ticket',
  5: 'end_of_early_data',
  8: 'encrypted_extensions',
  11: 'certificate',
  12: 'server_key_exchange',
  13: 'certificate_request',
  14: 'server_hello_done',
  15: 'certificate_verify',
  16: 'client_key_exchange',
  20: 'finished',
  22: 'certificate_status',
  24: 'key_update',
  254: 'message_hash',
};

export const VERSION_NAMES: Readonly<Record<number, string>> = {
  0x0304: 'TLSv1.3',
  0x0303: 'TLSv1.2',
  0x0302: 'TLSv1.1',
  0x0301: 'TLSv1',
};

const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

const name = (table: Readonly<Record<number, string>>, v: number) =>
  table[v] ?? `0x${v.toString(16).padStart(4, '0')}`;

export interface ClientHelloInfo {
  /** legacy_version, e.g. 'TLSv1.2' (always that for a TLS 1.3 ClientHello). */
  legacyVersion: string;
  random: string;
  sessionIdLength: number;
  /** legacy_session_id (hex); in TLS 1.2 a non-empty one asks for session-ID resumption. */
  sessionId: string;
  cipherSuites: string[];
  /** Extension type numbers, in order. */
  extensions: number[];
  serverName?: string;
  /** supported_groups */
  groups: string[];
  /** groups that carry a key share */
  keyShares: string[];
  signatureAlgorithms: string[];
  signatureAlgorithmsCert?: string[];
  alpn: string[];
  supportedVersions: string[];
  pskKeyExchangeModes: number[];
  hasPreSharedKey: boolean;
  hasEarlyData: boolean;
  hasCookie: boolean;
  /** session_ticket extension (35) present, and the ticket in it (hex; '' = asks for a new one). */
  hasSessionTicket: boolean;
  sessionTicketLength: number;
  sessionTicket: string;
  /** extended_master_secret extension (23, RFC 7627) present. */
  hasExtendedMasterSecret: boolean;
  /** renegotiation_info extension (0xff01) present or TLS_EMPTY_RENEGOTIATION_INFO_SCSV offered. */
  hasRenegotiationInfo: boolean;
}

export interface ServerHelloInfo {
  helloRetryRequest: boolean;
  /** legacy_version as sent, e.g. 'TLSv1.2'. */
  legacyVersion: string;
  /** The version this ServerHello selects: supported_versions if present, else legacy_version. */
  version: string;
  random: string;
  /** legacy_session_id_echo (TLS 1.3) / session_id (TLS 1.2), hex. */
  sessionId: string;
  cipherSuite: string;
  cipherSuiteId: number;
  /** key_share group (ServerHello) or selected_group (HRR). */
  group?: string;
  selectedVersion?: string;
  extensions: number[];
}

/** TLS 1.2 ServerKeyExchange (RFC 8422 §5.4 for ECDHE). */
export interface ServerKeyExchangeInfo {
  /** 'ecdhe' when parsed as ServerECDHParams; 'other' for anything else (DHE, ...). */
  kind: 'ecdhe' | 'other';
  /** named_curve, e.g. 'x25519'. */
  group?: string;
  /** Length of the server's ephemeral public key. */
  publicKeyLength?: number;
  /** The SignatureAndHashAlgorithm of the signature, e.g. 'ecdsa_secp256r1_sha256'. */
  signatureScheme?: string;
}

export interface AlertInfo {
  level: 'warning' | 'fatal' | number;
  description: number;
  name: string;
  /** true when it arrived inside a protected record. */
  encrypted: boolean;
}

class Reader {
  off = 0;
  constructor(readonly b: Uint8Array) {}
  get left(): number {
    return this.b.length - this.off;
  }
  u8(): number {
    if (this.left < 1) throw new Error('short read');
    return this.b[this.off++]!;
  }
  u16(): number {
    return (this.u8() << 8) | this.u8();
  }
  u24(): number {
    return (this.u8() << 16) | (this.u8() << 8) | this.u8();
  }
  bytes(n: number): Uint8Array {
    if (this.left < n) throw new Error('short read');
    const out = this.b.subarray(this.off, this.off + n);
    this.off += n;
    return out;
  }
  vec8(): Uint8Array {
    return this.bytes(this.u8());
  }
  vec16(): Uint8Array {
    return this.bytes(this.u16());
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function u16List(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < b.length; i += 2) out.push((b[i]! << 8) | b[i + 1]!);
  return out;
}

/** Parse a ClientHello body (after the 4-byte handshake header). */
export function parseClientHello(body: Uint8Array): ClientHelloInfo {
  const r = new Reader(body);
  const legacyVersion = name(VERSION_NAMES, r.u16());
  const random = hex(r.bytes(32));
  const sessionId = hex(r.vec8());
  const suiteIds = u16List(r.vec16());
  const cipherSuites = suiteIds.map((v) => name(CIPHER_SUITE_NAMES, v));
  r.vec8(); // compression
  const info: ClientHelloInfo = {
    legacyVersion,
    random,
    sessionIdLength: sessionId.length / 2,
    sessionId,
    cipherSuites,
    extensions: [],
    groups: [],
    keyShares: [],
    signatureAlgorithms: [],
    alpn: [],
    supportedVersions: [],
    pskKeyExchangeModes: [],
    hasPreSharedKey: false,
    hasEarlyData: false,
    hasCookie: false,
    hasSessionTicket: false,
    sessionTicketLength: 0,
    sessionTicket: '',
    hasExtendedMasterSecret: false,
    hasRenegotiationInfo: suiteIds.includes(0x00ff),
  };
  if (r.left === 0) return info;
  const ext = new Reader(r.vec16());
  while (ext.left > 0) {
    const type = ext.u16();
    const data = ext.vec16();
    info.extensions.push(type);
    const d = new Reader(data);
    switch (type) {
      case 0: {
        const list = new Reader(d.vec16());
        while (list.left > 0) {
          const t = list.u8();
          const n = list.vec16();
          if (t === 0) info.serverName = Buffer.from(n).toString('latin1');
        }
        break;
      }
      case 10:
        info.groups = u16List(d.vec16()).map((v) => name(GROUP_NAMES, v));
        break;
      case 13:
        info.signatureAlgorithms = u16List(d.vec16()).map((v) => name(SIGNATURE_SCHEME_NAMES, v));
        break;
      case 50:
        info.signatureAlgorithmsCert = u16List(d.vec16()).map((v) => name(SIGNATURE_SCHEME_NAMES, v));
        break;
      case 16: {
        const list = new Reader(d.vec16());
        while (list.left > 0) info.alpn.push(Buffer.from(list.vec8()).toString('latin1'));
        break;
      }
      case 43:
        info.supportedVersions = u16List(d.vec8()).map((v) => name(VERSION_NAMES, v));
        break;
      case 45:
        info.pskKeyExchangeModes = [...d.vec8()];
        break;
      case 41:
        info.hasPreSharedKey = true;
        break;
      case 42:
        info.hasEarlyData = true;
        break;
      case 44:
        info.hasCookie = true;
        break;
      case 35:
        info.hasSessionTicket = true;
        info.sessionTicketLength = data.length;
        info.sessionTicket = hex(data);
        break;
      case 23:
        info.hasExtendedMasterSecret = true;
        break;
      case 0xff01:
        info.hasRenegotiationInfo = true;
        break;
      case 51: {
        const list = new Reader(d.vec16());
        while (list.left > 0) {
          const g = list.u16();
          list.vec16();
          info.keyShares.push(name(GROUP_NAMES, g));
        }
        break;
      }
    }
  }
  return info;
}

/** Parse a ServerHello / HelloRetryRequest body (after the 4-byte header). */
export function parseServerHello(body: Uint8Array): ServerHelloInfo {
  const r = new Reader(body);
  const legacyVersion = name(VERSION_NAMES, r.u16());
  const random = hex(r.bytes(32));
  const sessionId = hex(r.vec8());
  const suite = r.u16();
  r.u8(); // compression
  const info: ServerHelloInfo = {
    helloRetryRequest: random === HRR_RANDOM,
    legacyVersion,
    version: legacyVersion,
    random,
    sessionId,
    cipherSuite: name(CIPHER_SUITE_NAMES, suite),
    cipherSuiteId: suite,
    extensions: [],
  };
  if (r.left === 0) return info;
  const ext = new Reader(r.vec16());
  while (ext.left > 0) {
    const type = ext.u16();
    const d = new Reader(ext.vec16());
    info.extensions.push(type);
    if (type === 51) info.group = name(GROUP_NAMES, d.u16());
    else if (type === 43) info.selectedVersion = info.version = name(VERSION_NAMES, d.u16());
  }
  return info;
}

/**
 * Parse a TLS 1.2 ServerKeyExchange body (after the 4-byte header). `suite`
 * (the ServerHello's) says whether it is ECDHE; other kinds are not parsed.
 */
export function parseServerKeyExchange(body: Uint8Array, suite: string | undefined): ServerKeyExchangeInfo {
  if (!suite?.includes('_ECDHE_')) return { kind: 'other' };
  const r = new Reader(body);
  if (r.u8() !== 3) return { kind: 'other' }; // curve_type named_curve
  const group = name(GROUP_NAMES, r.u16());
  const publicKeyLength = r.vec8().length;
  const info: ServerKeyExchangeInfo = { kind: 'ecdhe', group, publicKeyLength };
  if (r.left >= 4) info.signatureScheme = name(SIGNATURE_SCHEME_NAMES, r.u16());
  return info;
}

/** Reassembles handshake messages from a sequence of fragments. */
export class HandshakeReassembler {
  private buf: Uint8Array = new Uint8Array(0);
  push(fragment: Uint8Array): Array<{ type: number; body: Uint8Array }> {
    this.buf = concat(this.buf, fragment);
    const out: Array<{ type: number; body: Uint8Array }> = [];
    while (this.buf.length >= 4) {
      const len = (this.buf[1]! << 16) | (this.buf[2]! << 8) | this.buf[3]!;
      if (this.buf.length < 4 + len) break;
      out.push({ type: this.buf[0]!, body: this.buf.slice(4, 4 + len) });
      this.buf = this.buf.slice(4 + len);
    }
    return out;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Splits a byte stream into TLS records. */
class RecordSplitter {
  private buf: Uint8Array = new Uint8Array(0);
  push(chunk: Uint8Array): Array<{ type: number; header: Uint8Array; fragment: Uint8Array }> {
    this.buf = concat(this.buf, chunk);
    const out: Array<{ type: number; header: Uint8Array; fragment: Uint8Array }> = [];
    let off = 0;
    while (this.buf.length - off >= 5) {
      const len = (this.buf[off + 3]! << 8) | this.buf[off + 4]!;
      if (this.buf.length - off < 5 + len) break;
      out.push({
        type: this.buf[off]!,
        header: this.buf.slice(off, off + 5),
        fragment: this.buf.slice(off + 5, off + 5 + len),
      });
      off += 5 + len;
    }
    this.buf = off === 0 ? this.buf : this.buf.slice(off);
    return out;
  }
}

// --- TLS 1.3 key schedule pieces, enough to decrypt one direction -----------

interface SuiteParams {
  hash: 'sha256' | 'sha384';
  hashLen: number;
  keyLen: number;
  cipher: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
}

const SUITES: Readonly<Record<number, SuiteParams>> = {
  0x1301: { hash: 'sha256', hashLen: 32, keyLen: 16, cipher: 'aes-128-gcm' },
  0x1302: { hash: 'sha384', hashLen: 48, keyLen: 32, cipher: 'aes-256-gcm' },
  0x1303: { hash: 'sha256', hashLen: 32, keyLen: 32, cipher: 'chacha20-poly1305' },
};

function hkdfExpandLabel(hash: string, hashLen: number, secret: Uint8Array, label: string, length: number): Buffer {
  const fullLabel = Buffer.from('tls13 ' + label, 'latin1');
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, fullLabel.length]), fullLabel, Buffer.from([0])]);
  const blocks: Buffer[] = [];
  let prev = Buffer.alloc(0);
  for (let i = 1; blocks.length * hashLen < length; i++) {
    prev = createHmac(hash, secret).update(Buffer.concat([prev, info, Buffer.from([i])])).digest();
    blocks.push(prev);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

class TrafficKeys {
  seq = 0n;
  readonly key: Buffer;
  readonly iv: Buffer;
  constructor(
    readonly suite: SuiteParams,
    readonly secret: Buffer,
  ) {
    this.key = hkdfExpandLabel(suite.hash, suite.hashLen, secret, 'key', suite.keyLen);
    this.iv = hkdfExpandLabel(suite.hash, suite.hashLen, secret, 'iv', 12);
  }
  next(): TrafficKeys {
    return new TrafficKeys(this.suite, hkdfExpandLabel(this.suite.hash, this.suite.hashLen, this.secret, 'traffic upd', this.suite.hashLen));
  }
  /** Returns inner plaintext (content + type byte, padding stripped) or null on auth failure. */
  open(header: Uint8Array, fragment: Uint8Array): { type: number; content: Uint8Array } | null {
    if (fragment.length < 17) return null;
    const nonce = Buffer.from(this.iv);
    let s = this.seq;
    for (let i = 11; i >= 4; i--) {
      nonce[i]! ^= Number(s & 0xffn);
      s >>= 8n;
    }
    try {
      const d = createDecipheriv(this.suite.cipher, this.key, nonce, { authTagLength: 16 } as never) as unknown as {
        setAAD(b: Uint8Array, o?: object): void;
        setAuthTag(b: Uint8Array): void;
        update(b: Uint8Array): Buffer;
        final(): Buffer;
      };
      d.setAAD(header, { plaintextLength: fragment.length - 16 });
      d.setAuthTag(fragment.subarray(fragment.length - 16));
      const pt = Buffer.concat([d.update(fragment.subarray(0, fragment.length - 16)), d.final()]);
      this.seq++;
      let end = pt.length;
      while (end > 0 && pt[end - 1] === 0) end--;
      if (end === 0) return { type: 0, content: new Uint8Array(0) };
      return { type: pt[end - 1]!, content: pt.subarray(0, end - 1) };
    } catch {
      return null;
    }
  }
}

// --- TLS 1.2 record protection (RFC 5246 §5, §6.3; RFC 5288; RFC 7905) ------

/** The TLS 1.2 PRF (RFC 5246 §5): P_hash(secret, label + seed), `length` bytes. */
export function tls12Prf(hash: 'sha256' | 'sha384', secret: Uint8Array, label: string, seed: Uint8Array, length: number): Buffer {
  const labelSeed = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  const out: Buffer[] = [];
  let total = 0;
  let a: Buffer = labelSeed; // A(0)
  while (total < length) {
    a = createHmac(hash, secret).update(a).digest();
    const block = createHmac(hash, secret).update(a).update(labelSeed).digest();
    out.push(block);
    total += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

interface Tls12AeadParams {
  hash: 'sha256' | 'sha384';
  cipher: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  keyLen: number;
  /** 4 (GCM salt, RFC 5288) or 12 (ChaCha20-Poly1305, RFC 7905). */
  ivLen: number;
}

const AES128GCM: Tls12AeadParams = { hash: 'sha256', cipher: 'aes-128-gcm', keyLen: 16, ivLen: 4 };
const AES256GCM: Tls12AeadParams = { hash: 'sha384', cipher: 'aes-256-gcm', keyLen: 32, ivLen: 4 };
const CHACHA: Tls12AeadParams = { hash: 'sha256', cipher: 'chacha20-poly1305', keyLen: 32, ivLen: 12 };

/** The TLS 1.2 AEAD suites the observer can decrypt. */
const TLS12_AEAD_SUITES: Readonly<Record<number, Tls12AeadParams>> = {
  0xc02b: AES128GCM,
  0xc02f: AES128GCM,
  0x009c: AES128GCM,
  0x009e: AES128GCM,
  0xc02c: AES256GCM,
  0xc030: AES256GCM,
  0x009d: AES256GCM,
  0x009f: AES256GCM,
  0xcca8: CHACHA,
  0xcca9: CHACHA,
  0xccaa: CHACHA,
};

/** One direction of TLS 1.2 AEAD record protection. */
class Tls12Protection {
  seq = 0n;
  constructor(
    readonly params: Tls12AeadParams,
    readonly key: Uint8Array,
    readonly iv: Uint8Array,
  ) {}

  /** The content of a protected record, or null when it does not authenticate. */
  open(header: Uint8Array, fragment: Uint8Array): Uint8Array | null {
    const explicit = this.params.ivLen === 4 ? 8 : 0;
    if (fragment.length < explicit + 16) return null;
    let nonce: Buffer;
    if (explicit) {
      nonce = Buffer.concat([this.iv, fragment.subarray(0, 8)]);
    } else {
      nonce = Buffer.from(this.iv);
      let s = this.seq;
      for (let i = 11; i >= 4; i--) {
        nonce[i]! ^= Number(s & 0xffn);
        s >>= 8n;
      }
    }
    const ciphertext = fragment.subarray(explicit, fragment.length - 16);
    const aad = Buffer.alloc(13);
    aad.writeBigUInt64BE(this.seq, 0);
    aad[8] = header[0]!;
    aad[9] = header[1]!;
    aad[10] = header[2]!;
    aad.writeUInt16BE(ciphertext.length, 11);
    try {
      const d = createDecipheriv(this.params.cipher, this.key, nonce, { authTagLength: 16 } as never) as unknown as {
        setAAD(b: Uint8Array, o?: object): void;
        setAuthTag(b: Uint8Array): void;
        update(b: Uint8Array): Buffer;
        final(): Buffer;
      };
      d.setAAD(aad, { plaintextLength: ciphertext.length });
      d.setAuthTag(fragment.subarray(fragment.length - 16));
      const pt = Buffer.concat([d.update(ciphertext), d.final()]);
      this.seq++;
      return pt;
    } catch {
      return null;
    }
  }
}

/** client/server write keys from the master secret (RFC 5246 §6.3; AEAD suites: no MAC keys). */
function tls12Keys(
  params: Tls12AeadParams,
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): { client: Tls12Protection; server: Tls12Protection } {
  const { keyLen, ivLen } = params;
  const block = tls12Prf(params.hash, masterSecret, 'key expansion', Buffer.concat([serverRandom, clientRandom]), 2 * keyLen + 2 * ivLen);
  return {
    client: new Tls12Protection(params, block.subarray(0, keyLen), block.subarray(2 * keyLen, 2 * keyLen + ivLen)),
    server: new Tls12Protection(params, block.subarray(keyLen, 2 * keyLen), block.subarray(2 * keyLen + ivLen, 2 * keyLen + 2 * ivLen)),
  };
}

/**
 * TLS 1.2 master secrets by session ID and by ticket, shared by the observers
 * of one server: a resumed (abbreviated) handshake reuses the master secret of
 * the session it resumes, and some servers (GnuTLS, Go) log no CLIENT_RANDOM
 * line for it.
 */
export class Tls12SessionMemory {
  private readonly bySessionId = new Map<string, Buffer>();
  private readonly byTicket = new Map<string, Buffer>();
  remember(masterSecret: Buffer, sessionId: string, tickets: readonly string[]): void {
    if (sessionId) this.bySessionId.set(sessionId, masterSecret);
    for (const t of tickets) this.byTicket.set(t, masterSecret);
  }
  /** The master secret for a resumption offered with this ticket (preferred) or session ID. */
  lookup(ticket: string, sessionId: string): Buffer | undefined {
    return (ticket ? this.byTicket.get(ticket) : undefined) ?? (sessionId ? this.bySessionId.get(sessionId) : undefined);
  }
}

/**
 * Observes one TLS 1.3 or TLS 1.2 connection from the server's side of the
 * wire. Feed it the raw bytes in both directions and the server's keylog lines.
 *
 * TLS 1.3: the client's protected records are decrypted (not the server's).
 * TLS 1.2 (AEAD suites): both directions are decrypted after each side's
 * ChangeCipherSpec, with the master secret from the CLIENT_RANDOM line.
 */
export class ConnectionObserver {
  readonly clientHellos: ClientHelloInfo[] = [];
  readonly serverHellos: ServerHelloInfo[] = [];
  /** Alerts the client sent (plaintext or decrypted). */
  readonly clientAlerts: AlertInfo[] = [];
  /** Alerts the server sent in plaintext (encrypted ones are not decrypted). */
  readonly serverPlaintextAlerts: AlertInfo[] = [];
  /** Handshake messages the client sent under protection (e.g. certificate, finished, key_update). */
  readonly clientProtectedHandshake: string[] = [];
  /** Application-data bytes the client sent (decrypted count). */
  clientApplicationBytes = 0;
  bytesFromClient = 0;
  bytesFromServer = 0;
  /** Problems understanding the client's records (should stay empty). */
  readonly notes: string[] = [];

  // TLS 1.2 only ----------------------------------------------------------
  /** Handshake messages the client sent in the clear after its ClientHello (client_key_exchange, certificate, certificate_verify). */
  readonly clientPlaintextHandshake: string[] = [];
  /** Handshake messages the server sent in the clear after its ServerHello (certificate, server_key_exchange, ..., new_session_ticket). */
  readonly serverPlaintextHandshake: string[] = [];
  /** ServerKeyExchange messages seen. */
  readonly serverKeyExchanges: ServerKeyExchangeInfo[] = [];
  /** Alerts the server sent under protection (decrypted). */
  readonly serverProtectedAlerts: AlertInfo[] = [];
  /** Handshake messages the server sent under protection (finished, hello_request). */
  readonly serverProtectedHandshake: string[] = [];
  /** Application-data bytes the server sent (decrypted count). */
  serverApplicationBytes = 0;
  /** Each side's ChangeCipherSpec was seen. */
  clientChangeCipherSpec = false;
  serverChangeCipherSpec = false;
  /** Tickets (hex) the server issued in plaintext NewSessionTicket messages. */
  readonly issuedTickets: string[] = [];

  /** `sessions`: share one per server to decrypt TLS 1.2 resumptions without a keylog line. */
  constructor(private readonly sessions?: Tls12SessionMemory) {}

  private readonly c2s = new RecordSplitter();
  private readonly s2c = new RecordSplitter();
  private readonly c2sHandshake = new HandshakeReassembler();
  private readonly s2cHandshake = new HandshakeReassembler();
  private readonly protectedHandshake = new HandshakeReassembler();
  private readonly serverProtectedReassembler = new HandshakeReassembler();
  private serverEncrypted = false;
  private readonly secrets = new Map<string, Buffer>();
  private phase: 'handshake' | 'application' | 'stopped' = 'handshake';
  private keys: TrafficKeys | undefined;
  private readonly pending: Array<{ type: number; header: Uint8Array; fragment: Uint8Array }> = [];
  private keys12: { client: Tls12Protection; server: Tls12Protection } | undefined;
  private readonly pendingServer: Array<{ type: number; header: Uint8Array; fragment: Uint8Array }> = [];
  private serverStopped = false;
  private serverHelloDoneSeen = false;
  private abbreviated: boolean | undefined;
  private master12: Buffer | undefined;

  get clientRandom(): string | undefined {
    return this.clientHellos[0]?.random;
  }
  /** The final (non-HRR) ServerHello. */
  get serverHello(): ServerHelloInfo | undefined {
    return this.serverHellos.find((h) => !h.helloRetryRequest);
  }
  get helloRetryRequest(): boolean {
    return this.serverHellos.some((h) => h.helloRetryRequest);
  }
  /** 'TLSv1.3', 'TLSv1.2', ... as selected by the ServerHello. */
  get version(): string | undefined {
    return this.serverHello?.version;
  }
  /** True when the ServerHello selected TLS 1.2. */
  get tls12(): boolean {
    return this.serverHello?.version === 'TLSv1.2';
  }
  /** TLS 1.3: the key_share group; TLS 1.2: the ServerKeyExchange's named curve. */
  get group(): string | undefined {
    return this.serverHello?.group ?? this.serverKeyExchanges.at(-1)?.group;
  }
  get cipherSuite(): string | undefined {
    return this.serverHello?.cipherSuite;
  }
  /**
   * The server resumed a session: TLS 1.3 pre_shared_key in the ServerHello;
   * TLS 1.2 an abbreviated handshake (ChangeCipherSpec before any ServerHelloDone).
   * undefined while it cannot tell yet.
   */
  get resumed(): boolean | undefined {
    const sh = this.serverHello;
    if (!sh) return undefined;
    if (sh.version === 'TLSv1.3') return sh.extensions.includes(41);
    return this.abbreviated;
  }
  /** TLS 1.2: the ServerHello echoed extended_master_secret (RFC 7627). */
  get extendedMasterSecret(): boolean {
    return this.tls12 && (this.serverHello?.extensions.includes(23) ?? false);
  }
  /** True once the client's close_notify has been seen. */
  get clientSentCloseNotify(): boolean {
    return this.clientAlerts.some((a) => a.description === 0);
  }
  /** TLS 1.2: true once the server's (protected) close_notify has been seen. */
  get serverSentCloseNotify(): boolean {
    return [...this.serverProtectedAlerts, ...this.serverPlaintextAlerts].some((a) => a.description === 0);
  }

  fromClient(chunk: Uint8Array): void {
    this.bytesFromClient += chunk.length;
    for (const rec of this.c2s.push(chunk)) {
      if (this.tls12 && this.clientChangeCipherSpec) {
        this.pending.push(rec);
        this.drain12();
        continue;
      }
      if (rec.type === 22) {
        for (const m of this.c2sHandshake.push(rec.fragment)) {
          if (m.type === 1) {
            try {
              this.clientHellos.push(parseClientHello(m.body));
            } catch (e) {
              this.notes.push(`bad ClientHello: ${(e as Error).message}`);
            }
          } else if (this.tls12) {
            this.clientPlaintextHandshake.push(name(HANDSHAKE_TYPE_NAMES, m.type));
          } else {
            this.notes.push(`plaintext client handshake message ${name(HANDSHAKE_TYPE_NAMES, m.type)}`);
          }
        }
      } else if (rec.type === 21) {
        this.clientAlerts.push(alertOf(rec.fragment, false));
      } else if (rec.type === 20) {
        // TLS 1.3: middlebox compatibility, ignored. TLS 1.2: protection starts.
        if (this.tls12) this.clientChangeCipherSpec = true;
      } else if (rec.type === 23) {
        if (this.tls12) {
          this.notes.push('client application data before its ChangeCipherSpec');
          continue;
        }
        this.pending.push(rec);
        this.drain();
      }
    }
  }

  fromServer(chunk: Uint8Array): void {
    this.bytesFromServer += chunk.length;
    if (this.serverEncrypted) return;
    for (const rec of this.s2c.push(chunk)) {
      if (this.tls12 && this.serverChangeCipherSpec) {
        this.pendingServer.push(rec);
        this.drain12();
        continue;
      }
      if (rec.type === 22) {
        for (const m of this.s2cHandshake.push(rec.fragment)) {
          if (m.type === 2) {
            try {
              this.serverHellos.push(parseServerHello(m.body));
            } catch (e) {
              this.notes.push(`bad ServerHello: ${(e as Error).message}`);
            }
          } else if (this.tls12) {
            this.serverPlaintextHandshake.push(name(HANDSHAKE_TYPE_NAMES, m.type));
            if (m.type === 14) this.serverHelloDoneSeen = true;
            if (m.type === 4 && m.body.length >= 6) {
              this.issuedTickets.push(hex(new Reader(m.body.subarray(4)).vec16()));
              this.drain12();
            }
            if (m.type === 12) {
              try {
                this.serverKeyExchanges.push(parseServerKeyExchange(m.body, this.cipherSuite));
              } catch (e) {
                this.notes.push(`bad ServerKeyExchange: ${(e as Error).message}`);
              }
            }
          }
        }
      } else if (rec.type === 21) {
        this.serverPlaintextAlerts.push(alertOf(rec.fragment, false));
      } else if (rec.type === 20) {
        if (this.tls12) {
          this.serverChangeCipherSpec = true;
          this.abbreviated = !this.serverHelloDoneSeen;
        }
      } else if (rec.type === 23) {
        if (this.tls12) {
          this.notes.push('server application data before its ChangeCipherSpec');
          continue;
        }
        this.serverEncrypted = true;
        return;
      }
    }
  }

  /** One NSS keylog line, e.g. "CLIENT_HANDSHAKE_TRAFFIC_SECRET <random> <secret>" or "CLIENT_RANDOM <random> <master_secret>". */
  keylog(line: string): void {
    const [label, random, secret] = line.trim().split(/\s+/);
    if (!label || !random || !secret) return;
    if (this.clientRandom && random.toLowerCase() !== this.clientRandom) return;
    this.secrets.set(label, Buffer.from(secret, 'hex'));
    this.flush();
  }

  /** Retry decrypting what is pending (e.g. after the shared session memory learnt a secret). */
  flush(): void {
    if (this.tls12) this.drain12();
    else this.drain();
  }

  /** TLS 1.2: the master secret, from the keylog or (resumption) the shared session memory. */
  get masterSecret(): Buffer | undefined {
    const logged = this.secrets.get('CLIENT_RANDOM');
    if (logged || !this.tls12 || this.abbreviated !== true) return logged;
    const ch = this.clientHellos[0];
    return ch ? this.sessions?.lookup(ch.sessionTicket, this.serverHello?.sessionId ?? '') : undefined;
  }

  private drain12(): void {
    if (!this.keys12) {
      const sh = this.serverHello;
      const master = this.masterSecret;
      const clientRandom = this.clientRandom;
      if (!sh || !master || !clientRandom) return; // wait for the keylog line
      this.master12 = master;
      const params = TLS12_AEAD_SUITES[sh.cipherSuiteId];
      if (!params) {
        if (this.phase !== 'stopped') this.notes.push(`cannot decrypt TLS 1.2 suite ${sh.cipherSuite}`);
        this.phase = 'stopped';
        this.serverStopped = true;
        return;
      }
      this.keys12 = tls12Keys(params, master, Buffer.from(clientRandom, 'hex'), Buffer.from(sh.random, 'hex'));
    }
    if (this.master12) this.sessions?.remember(this.master12, this.serverHello?.sessionId ?? '', this.issuedTickets);
    while (this.pending.length > 0 && this.phase !== 'stopped') {
      const rec = this.pending.shift()!;
      const content = this.keys12.client.open(rec.header, rec.fragment);
      if (!content) {
        this.notes.push('could not decrypt a TLS 1.2 client record');
        this.phase = 'stopped';
        return;
      }
      if (rec.type === 21) this.clientAlerts.push(alertOf(content, true));
      else if (rec.type === 23) this.clientApplicationBytes += content.length;
      else if (rec.type === 22) {
        for (const m of this.protectedHandshake.push(content)) this.clientProtectedHandshake.push(name(HANDSHAKE_TYPE_NAMES, m.type));
      } else this.notes.push(`unexpected protected client record type ${rec.type}`);
    }
    while (this.pendingServer.length > 0 && !this.serverStopped) {
      const rec = this.pendingServer.shift()!;
      const content = this.keys12.server.open(rec.header, rec.fragment);
      if (!content) {
        this.notes.push('could not decrypt a TLS 1.2 server record');
        this.serverStopped = true;
        return;
      }
      if (rec.type === 21) this.serverProtectedAlerts.push(alertOf(content, true));
      else if (rec.type === 23) this.serverApplicationBytes += content.length;
      else if (rec.type === 22) {
        for (const m of this.serverProtectedReassembler.push(content)) this.serverProtectedHandshake.push(name(HANDSHAKE_TYPE_NAMES, m.type));
      } else this.notes.push(`unexpected protected server record type ${rec.type}`);
    }
  }

  private drain(): void {
    while (this.pending.length > 0 && this.phase !== 'stopped') {
      const suite = this.serverHello ? SUITES[this.serverHello.cipherSuiteId] : undefined;
      if (!suite) return;
      if (!this.keys) {
        const label = this.phase === 'handshake' ? 'CLIENT_HANDSHAKE_TRAFFIC_SECRET' : 'CLIENT_TRAFFIC_SECRET_0';
        const secret = this.secrets.get(label);
        if (!secret) return; // wait for the keylog line
        this.keys = new TrafficKeys(suite, secret);
      }
      const rec = this.pending[0]!;
      let opened = this.keys.open(rec.header, rec.fragment);
      if (!opened && this.phase === 'handshake') {
        // Maybe we missed the end of the client's handshake flight.
        const app = this.secrets.get('CLIENT_TRAFFIC_SECRET_0');
        if (!app) return; // may simply not be logged yet
        const k = new TrafficKeys(suite, app);
        opened = k.open(rec.header, rec.fragment);
        if (opened) {
          this.phase = 'application';
          this.keys = k;
        }
      }
      if (!opened) {
        this.notes.push(`could not decrypt a client record in phase ${this.phase}`);
        this.phase = 'stopped';
        return;
      }
      this.pending.shift();
      this.inner(opened.type, opened.content);
    }
  }

  private inner(type: number, content: Uint8Array): void {
    if (type === 21) {
      this.clientAlerts.push(alertOf(content, true));
    } else if (type === 23) {
      this.clientApplicationBytes += content.length;
    } else if (type === 22) {
      for (const m of this.protectedHandshake.push(content)) {
        this.clientProtectedHandshake.push(name(HANDSHAKE_TYPE_NAMES, m.type));
        if (m.type === 20 && this.phase === 'handshake') {
          this.phase = 'application';
          this.keys = undefined;
        } else if (m.type === 24 && this.keys) {
          this.keys = this.keys.next();
        }
      }
    } else {
      this.notes.push(`unexpected inner content type ${type}`);
    }
  }
}

function alertOf(b: Uint8Array, encrypted: boolean): AlertInfo {
  const level = b[0] === 1 ? 'warning' : b[0] === 2 ? 'fatal' : (b[0] ?? -1);
  const description = b[1] ?? -1;
  return { level, description, name: ALERT_NAMES[description] ?? `alert(${description})`, encrypted };
}

// --- `openssl s_server -msg` output -----------------------------------------

export interface MsgTranscript {
  clientHellos: ClientHelloInfo[];
  serverHellos: ServerHelloInfo[];
  /** Alerts the server received ("<<<"), as decoded by OpenSSL. */
  alertsReceived: Array<{ level: string; name: string }>;
  /** Alerts the server sent (">>>"). */
  alertsSent: Array<{ level: string; name: string }>;
  /** Handshake message names in order with direction, e.g. "<<< ClientHello". */
  messages: string[];
  /** TLS 1.2 ServerKeyExchange messages the server sent (named curve, signature scheme). */
  serverKeyExchanges: ServerKeyExchangeInfo[];
  /**
   * ChangeCipherSpec records with direction ("<<<" / ">>>"). OpenSSL 3.0 prints
   * only the ones it sends, not the ones it receives.
   */
  changeCipherSpecs: string[];
  /** The version the last (non-HRR) ServerHello selected, e.g. 'TLSv1.2'. */
  version?: string;
  /** Its cipher suite (IANA name). */
  cipherSuite?: string;
}

/** Parse the protocol trace printed by `openssl s_server -msg`. */
export function parseMsgOutput(text: string): MsgTranscript {
  const out: MsgTranscript = {
    clientHellos: [],
    serverHellos: [],
    alertsReceived: [],
    alertsSent: [],
    messages: [],
    serverKeyExchanges: [],
    changeCipherSpecs: [],
  };
  const lines = text.split('\n');
  const header = /^(<<<|>>>) (?:TLS|DTLS|SSL)[^,]*, (\w+) \[length ([0-9a-f]+)\](?:, (.*))?$/;
  for (let i = 0; i < lines.length; i++) {
    const m = header.exec(lines[i]!.trimEnd());
    if (!m) continue;
    const [, dir, kind, , rest] = m;
    const hexLines: string[] = [];
    while (i + 1 < lines.length && /^ {4}[0-9a-f]{2}( [0-9a-f]{2})*\s*$/.test(lines[i + 1]!)) hexLines.push(lines[++i]!);
    if (kind === 'Alert') {
      const [level = '', alert = ''] = (rest ?? '').trim().split(/\s+/);
      (dir === '<<<' ? out.alertsReceived : out.alertsSent).push({ level, name: alert });
      continue;
    }
    if (kind === 'ChangeCipherSpec') {
      out.changeCipherSpecs.push(dir!);
      continue;
    }
    if (kind !== 'Handshake') continue;
    out.messages.push(`${dir} ${rest ?? '?'}`);
    const bytes = Buffer.from(hexLines.join('').replace(/\s+/g, ''), 'hex');
    if (bytes.length < 4) continue;
    try {
      if (bytes[0] === 1) out.clientHellos.push(parseClientHello(bytes.subarray(4)));
      else if (bytes[0] === 2) {
        const sh = parseServerHello(bytes.subarray(4));
        out.serverHellos.push(sh);
        if (!sh.helloRetryRequest) {
          out.version = sh.version;
          out.cipherSuite = sh.cipherSuite;
        }
      } else if (bytes[0] === 12 && dir === '>>>') out.serverKeyExchanges.push(parseServerKeyExchange(bytes.subarray(4), out.cipherSuite));
    } catch {
      // truncated dump; ignore
    }
  }
  return out;
}
