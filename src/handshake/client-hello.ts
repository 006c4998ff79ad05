/**
 * The ClientHello, shared by both versions (RFC 8446 §4.1.2, RFC 5246
 * §7.4.1.2): one hello offers TLS 1.3 and TLS 1.2 together. Also what
 * both handshakes start from (HelloContext) and early data's bookkeeping.
 */
import type { KeyShare } from '../crypto/provider.js';
import { constantTimeEqual, copyBytes } from '../codec.js';
import { TlsError } from '../errors.js';
import { parseReferenceIdentity } from '../verify/names.js';
import type { TlsVersion } from './config.js';
import {
  CIPHER_SUITES,
  DOWNGRADE_TLS11,
  DOWNGRADE_TLS12,
  ExtensionType as ET,
  GROUPS,
  HandshakeType as HT,
  schemeByCode,
  TLS12,
  TLS13,
  type CipherSuite,
  type Tls13CipherSuiteName,
} from './constants.js';
import {
  alpnExt,
  bindersLength,
  decodeSelectedVersion,
  earlyDataExt,
  findExtension,
  keyShareClientExt,
  preSharedKeyExt,
  PSK_DHE_KE,
  pskModesExt,
  recordSizeLimitExt,
  serverNameExt,
  signatureAlgorithmsExt,
  supportedGroupsExt,
  supportedVersionsExt,
  type Extension,
} from './extensions.js';
import { deriveSecret, earlySecret, emptyHash, finishedVerifyData } from './key-schedule.js';
import { renegotiationInfoData } from './messages12.js';
import type { StoredSession12, StoredSession13 } from './session.js';
import { encodeClientHello, type ClientHello, type ServerHello } from './messages.js';
import { Transcript } from './transcript.js';
import type { Wire } from './wire.js';

/** Most early data we send (and keep for a resend), whatever the ticket allows. */
export const MAX_EARLY_DATA_BUFFER = 64 * 1024;

/** RFC 6066 §3: literal IP addresses are not permitted in SNI. */
export function isIpLiteral(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(':');
}

/** The TLS 1.3 cipher suite with this name. */
export function suiteFor(name: Tls13CipherSuiteName): CipherSuite {
  return CIPHER_SUITES.find((s) => s.name === name)!;
}

const handshakeNames = new Map<number, string>(Object.entries(HT).map(([k, v]) => [v, k]));
/** The HandshakeType name of a message type (RFC 8446 §4, RFC 5246 §7.4), e.g. "server_hello", for traces and errors. */
export function handshakeName(type: number): string {
  return handshakeNames.get(type) ?? `handshake(${type})`;
}

/**
 * Application data written before the handshake completed: sent as 0-RTT
 * within the ticket's budget (RFC 8446 §4.2.10), kept for a resend if the
 * server rejects it, and the rest held until the handshake completes.
 */
export class EarlyData {
  /** Whether 0-RTT is on offer (cleared by a HelloRetryRequest or a TLS 1.2 answer). */
  offered = false;
  accepted = false;
  private sent = 0;
  /** Data beyond the budget arrived: everything after it waits for the handshake. */
  private full = false;
  readonly sentData: Uint8Array[] = [];
  readonly pending: Uint8Array[] = [];

  constructor(private readonly budget: number) {}

  get canWrite(): boolean {
    return this.offered && !this.full;
  }

  async write(wire: Wire, data: Uint8Array): Promise<void> {
    if (this.canWrite && this.sent + data.length <= this.budget) {
      this.sentData.push(copyBytes(data));
      this.sent += data.length;
      return wire.emitAppData(data);
    }
    this.full = true;
    this.pending.push(copyBytes(data));
  }

  /** What to send once connected: rejected early data (when resent) and the held rest. */
  resend(retry: boolean): Uint8Array[] {
    const out = retry && !this.accepted ? [...this.sentData, ...this.pending] : [...this.pending];
    this.sentData.length = 0;
    this.pending.length = 0;
    return out;
  }
}

/** What the ClientHello offered: the state both handshakes start from. */
export interface HelloContext {
  readonly wire: Wire;
  readonly clientRandom: Uint8Array;
  readonly sessionId: Uint8Array;
  /** Our TLS 1.3 key shares (their private keys), until the ServerHello. */
  keyShares: KeyShare[];
  hello: ClientHello;
  readonly transcript: Transcript;
  readonly offer13: boolean;
  readonly offer12: boolean;
  /** The TLS 1.3 ticket offered as a PSK, if any. */
  readonly session13: StoredSession13 | undefined;
  /** The TLS 1.2 session offered (ticket or session ID), if any. */
  readonly session12: StoredSession12 | undefined;
  pskOffered: boolean;
  /** The early secret of the offered PSK (RFC 8446 §7.1). */
  early: Uint8Array | null;
  readonly earlyData: EarlyData;
  /** The ClientHello as sent (TLS 1.2 client CertificateVerify signs the raw messages). */
  helloMessage: Uint8Array;
  /** Whether our compatibility change_cipher_spec went out (RFC 8446 §D.4). */
  ccsSent: boolean;
}

/** RFC 8446 §4.2.10: 0-RTT only with the ALPN the ticket was issued under. */
export function earlyAlpnOk(alpn: readonly string[], session: StoredSession13): boolean {
  return session.alpn === null ? true : alpn.includes(session.alpn);
}

/** Extensions of our first ClientHello (tls13.ts derives the second from them after an HRR). */
export function helloExtensions(ctx: HelloContext): Extension[] {
  const cfg = ctx.wire.config;
  const exts: Extension[] = [];
  // RFC 6066 §3: an ASCII host name (A-labels), no trailing dot, never an IP address.
  const ref = parseReferenceIdentity(cfg.serverName);
  if (ref?.kind === 'dns') exts.push(serverNameExt(ref.name));
  else if (!ref && cfg.serverName && !isIpLiteral(cfg.serverName) && /^[\x21-\x7e]+$/.test(cfg.serverName)) {
    exts.push(serverNameExt(cfg.serverName));
  }
  if (ctx.offer12) {
    // RFC 8422 §5.1.2: uncompressed points only.
    exts.push({ type: ET.ec_point_formats, data: Uint8Array.of(1, 0) });
    // RFC 7627 §5.1: always offered.
    exts.push({ type: ET.extended_master_secret, data: new Uint8Array(0) });
    // RFC 5746 §3.4: an empty renegotiated_connection on the initial handshake.
    exts.push({ type: ET.renegotiation_info, data: renegotiationInfoData(new Uint8Array(0)) });
    // RFC 5077 §3.2: empty asks for a ticket; a ticket asks to resume.
    exts.push({ type: ET.session_ticket, data: ctx.session12?.ticket.slice() ?? new Uint8Array(0) });
  }
  if (ctx.offer13) exts.push(supportedVersionsExt(ctx.offer12 ? [TLS13, TLS12] : [TLS13]));
  // The hybrid group exists only in TLS 1.3 (draft-ietf-tls-ecdhe-mlkem §3).
  const groups = ctx.offer13 ? cfg.groups : cfg.groups.filter((g) => g !== 'X25519MLKEM768');
  exts.push(supportedGroupsExt(groups.map((g) => GROUPS[g])));
  if (ctx.offer13) {
    exts.push(keyShareClientExt(ctx.keyShares.map((k) => ({ group: GROUPS[k.group], keyExchange: k.publicKey }))));
  }
  // RFC 8446 §4.2.3: rsa_pkcs1_* sign only certificates in TLS 1.3, but TLS 1.2 handshakes too.
  const schemes = cfg.signatureSchemes.map((s) => s.code);
  const handshakeSchemes = ctx.offer12 ? schemes : schemes.filter((c) => !schemeByCode(c)?.certOnly);
  exts.push(signatureAlgorithmsExt(ET.signature_algorithms, handshakeSchemes));
  exts.push(signatureAlgorithmsExt(ET.signature_algorithms_cert, schemes));
  if (cfg.alpn.length) exts.push(alpnExt(cfg.alpn));
  if (cfg.recordSizeLimit !== undefined) {
    // RFC 8449 §4: no more than the protocol's maximum, 2^14 when only TLS 1.2 is offered.
    exts.push(recordSizeLimitExt(ctx.offer13 ? cfg.recordSizeLimit : Math.min(cfg.recordSizeLimit, 1 << 14)));
  }
  if (ctx.offer13) {
    if (cfg.postHandshakeAuth) exts.push({ type: ET.post_handshake_auth, data: new Uint8Array(0) });
    exts.push(pskModesExt([PSK_DHE_KE]));
  }
  return exts;
}

/**
 * The version a ServerHello selects (RFC 8446 §4.1.3, §4.2.1; RFC 5246
 * §7.4.1.3), after the downgrade checks a client offering TLS 1.3 makes.
 */
export function selectVersion(ctx: HelloContext, sh: ServerHello): TlsVersion {
  const svData = findExtension(sh.extensions, ET.supported_versions);
  if (svData) {
    if (!ctx.offer13) {
      throw new TlsError('UNSUPPORTED_EXTENSION', 'ServerHello selects a version by supported_versions, which we did not send');
    }
    const version = decodeSelectedVersion(svData);
    // RFC 8446 §4.2.1: only a version we offered, and never below TLS 1.3 here.
    if (version !== TLS13) {
      throw new TlsError('ILLEGAL_PARAMETER', `server selected version 0x${version.toString(16)} we did not offer`);
    }
    return 'TLSv1.3';
  }
  // A TLS 1.2-or-older answer. RFC 8446 §4.1.3: a client that offered 1.3 checks the downgrade sentinels.
  if (ctx.offer13) {
    const tail = sh.random.subarray(24);
    if (constantTimeEqual(tail, DOWNGRADE_TLS12) || constantTimeEqual(tail, DOWNGRADE_TLS11)) {
      throw new TlsError('ILLEGAL_PARAMETER', 'downgrade sentinel in ServerHello.random');
    }
  }
  if (!ctx.offer12) throw new TlsError('PROTOCOL_VERSION', 'server does not support TLS 1.3');
  if (sh.legacyVersion !== TLS12) {
    throw new TlsError('PROTOCOL_VERSION', `server chose version 0x${sh.legacyVersion.toString(16)}; TLS 1.2 is the oldest we speak`);
  }
  return 'TLSv1.2';
}

/**
 * Adds early_data and pre_shared_key (always last, RFC 8446 §4.2.11) with
 * binders over the truncated hello, and records the hello in the transcript.
 */
export function finishHello(ctx: HelloContext, session: StoredSession13 | undefined, offerEarly: boolean): Uint8Array {
  const { wire, hello } = ctx;
  // early_data keeps its place if present; padding and pre_shared_key are recomputed.
  hello.extensions = hello.extensions.filter(
    (e) =>
      e.type !== ET.pre_shared_key &&
      e.type !== ET.padding &&
      (e.type !== ET.early_data || (offerEarly && !!session)),
  );
  if (offerEarly && session && !findExtension(hello.extensions, ET.early_data)) {
    hello.extensions.push(earlyDataExt());
  }
  ctx.pskOffered = !!session;
  if (!session) {
    addPadding(hello, 0);
    return recordHello(ctx, encodeClientHello(hello));
  }
  const hash = wire.config.provider.hash(suiteFor(session.cipherSuite).hash);
  // RFC 8446 §4.2.11.1: obfuscated_ticket_age = age in ms + ticket_age_add mod 2^32.
  const age = Math.max(0, wire.config.now() - session.receivedAt);
  const identity = { identity: session.ticket, obfuscatedTicketAge: (age + session.ageAdd) >>> 0 };
  const placeholder = [new Uint8Array(hash.outputLen)];
  const pskLength = preSharedKeyExt([identity], placeholder).data.length;
  addPadding(hello, 4 + pskLength);
  hello.extensions.push(preSharedKeyExt([identity], placeholder));
  const withPlaceholder = encodeClientHello(hello);
  const truncated = withPlaceholder.subarray(0, withPlaceholder.length - bindersLength(placeholder));
  ctx.early = earlySecret(hash, session.psk);
  wire.trace('early_secret', ctx.early);
  const binderKey = deriveSecret(hash, ctx.early, 'res binder', emptyHash(hash));
  wire.trace('binder_key', binderKey);
  // RFC 8446 §4.2.11.2: binder = HMAC over Transcript-Hash(Truncate(ClientHello)).
  const binder = finishedVerifyData(hash, binderKey, ctx.transcript.withExtra(hash, truncated));
  wire.trace('binder', binder);
  hello.extensions[hello.extensions.length - 1] = preSharedKeyExt([identity], [binder]);
  return recordHello(ctx, encodeClientHello(hello));
}

function recordHello(ctx: HelloContext, msg: Uint8Array): Uint8Array {
  ctx.helloMessage = msg;
  ctx.transcript.add(msg);
  ctx.wire.trace('ClientHello', msg);
  return msg;
}

/**
 * RFC 7685 padding: a ClientHello of 256..511 bytes trips some middleboxes,
 * so such hellos are padded to 512 (as NSS and BoringSSL do). `extra` is the
 * size of extensions still to be appended.
 */
function addPadding(hello: ClientHello, extra: number): void {
  const length = encodeClientHello(hello).length + extra;
  if (length <= 0xff || length >= 0x200) return;
  const room = 0x200 - length;
  const size = room >= 5 ? room - 4 : 1;
  hello.extensions.push({ type: ET.padding, data: new Uint8Array(size) });
}
