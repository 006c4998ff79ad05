/**
 * RFC 8448 replayed through the engine: each section's client is rebuilt
 * from the RFC's private values, fed the RFC's server records, and every
 * message, secret and record it produces is compared with the RFC's.
 */
import { fromHex, toHex } from '../codec.js';
import { ExtensionType as ET } from '../handshake/constants.js';
import { decodeClientHello } from '../handshake/messages.js';
import { isSession12, type StoredSession13 } from '../handshake/session.js';
import {
  clientAuthentication as s6,
  compatibilityMode as s7,
  helloRetryRequest as s5,
  resumed0rtt as s4,
  simple1rtt as s3,
} from './rfc8448.js';
import { startRun, type Run, type TraceEntry } from './replay.js';

/** One RFC 8448 value compared with what the engine produced. */
export interface VectorCheck {
  /** What is compared, in the RFC's words. */
  readonly what: string;
  readonly ok: boolean;
  readonly expected: string;
  readonly actual: string | undefined;
}

/** The outcome of replaying one RFC 8448 section. */
export interface VectorSection {
  /** '§3', '§4', ... */
  readonly id: string;
  readonly title: string;
  readonly checks: VectorCheck[];
  /** What the replay cannot reproduce, and why. */
  readonly notes: string[];
  /** The engine's trace, for --trace. */
  readonly trace: TraceEntry[];
  /** An exception that stopped the replay (counts as a failure). */
  error?: string;
}

/** The RFC 8448 sections that can be replayed. */
export const SECTIONS = ['§3', '§4', '§5', '§6', '§7'] as const;
/** An RFC 8448 section id, e.g. '§3'. */
export type SectionId = (typeof SECTIONS)[number];

class Section implements VectorSection {
  readonly checks: VectorCheck[] = [];
  readonly notes: string[] = [];
  trace: TraceEntry[] = [];
  error?: string;
  constructor(
    readonly id: SectionId,
    readonly title: string,
  ) {}
  eq(what: string, actual: string | undefined, expected: string): void {
    this.checks.push({ what, ok: actual === expected, expected, actual });
  }
  /** The n-th (0-based) trace value under `label`. */
  nth(run: Run, label: string, n: number): string | undefined {
    const hits = run.trace.filter((t) => t.label === label);
    const hit = hits[n];
    return hit ? toHex(hit.value) : undefined;
  }
}

const clientRandomOf = (helloHex: string): string => helloHex.slice(12, 12 + 64);
const HELLO_EXTS = [ET.server_name, ET.key_share, ET.supported_versions, ET.psk_key_exchange_modes, ET.record_size_limit];

function ownExtensionsCheck(s: Section, run: Run, expected: readonly number[] = HELLO_EXTS): void {
  const got = new Set(run.ownExtensions);
  const missing = expected.filter((t) => !got.has(t));
  s.checks.push({
    what: 'puretls\'s own server_name, supported_versions, key_share, psk_key_exchange_modes, record_size_limit encodings',
    ok: missing.length === 0,
    expected: 'equal to the RFC\'s',
    actual: missing.length ? `differ: extension types ${missing.join(', ')}` : 'equal to the RFC\'s',
  });
}

/** The key schedule after ServerHello, RFC 8448's labels. */
function handshakeSecrets(s: Section, run: Run, v: {
  sharedSecret: string;
  handshakeSecret: string;
  clientHandshakeTrafficSecret: string;
  serverHandshakeTrafficSecret: string;
  masterSecret: string;
}): void {
  s.eq('extract secret "handshake": IKM (the (EC)DHE shared secret)', run.last('shared_secret'), v.sharedSecret);
  s.eq('extract secret "handshake": secret', run.last('handshake_secret'), v.handshakeSecret);
  s.eq('derive secret "tls13 c hs traffic"', run.last('client_handshake_traffic_secret'), v.clientHandshakeTrafficSecret);
  s.eq('derive secret "tls13 s hs traffic"', run.last('server_handshake_traffic_secret'), v.serverHandshakeTrafficSecret);
  s.eq('extract secret "master"', run.last('master_secret'), v.masterSecret);
}

function applicationSecrets(s: Section, run: Run, v: {
  clientApplicationTrafficSecret: string;
  serverApplicationTrafficSecret: string;
  exporterMasterSecret: string;
}): void {
  s.eq('derive secret "tls13 c ap traffic"', run.last('client_application_traffic_secret_0'), v.clientApplicationTrafficSecret);
  s.eq('derive secret "tls13 s ap traffic"', run.last('server_application_traffic_secret_0'), v.serverApplicationTrafficSecret);
  s.eq('derive secret "tls13 exp master"', run.last('exporter_master_secret'), v.exporterMasterSecret);
}

async function closeBothWays(s: Section, run: Run, v: { clientAlertRecord: string; serverAlertRecord: string }): Promise<void> {
  const before = run.sent.length;
  await run.core.close();
  s.eq('{client} send alert record (close_notify)', run.sentSince(before), v.clientAlertRecord);
  await run.core.receive(fromHex(v.serverAlertRecord));
  s.eq('{server} alert record (close_notify) received', String(run.peerClosed), 'true');
}

/** §3: also returns the ticket, which §4 resumes. */
async function section3(s: Section): Promise<StoredSession13 | undefined> {
  const run = startRun({
    random: [clientRandomOf(s3.clientHello), s3.clientPrivateKey],
    rfcHello: s3.clientHello,
    pinnedCertificate: s3.serverCertificateDer,
  });
  s.trace = run.trace;
  await run.core.start();
  s.eq('{client} construct a ClientHello handshake message', run.last('ClientHello'), s3.clientHello);
  ownExtensionsCheck(s, run);
  s.eq('{client} send handshake record (ClientHello)', run.sentSince(0), s3.clientHelloRecord);
  await run.core.receive(fromHex(s3.serverHelloRecord));
  s.eq('{server} ServerHello received', run.last('server_hello'), s3.serverHello);
  s.eq('extract secret "early"', run.last('early_secret'), s3.earlySecret);
  handshakeSecrets(s, run, s3);
  await run.core.receive(fromHex(s3.serverHandshakeRecord));
  s.eq('{server} EncryptedExtensions decrypted', run.last('encrypted_extensions'), s3.encryptedExtensions);
  s.eq('{server} Certificate decrypted', run.last('certificate'), s3.certificate);
  s.eq('{server} CertificateVerify decrypted (rsa_pss_rsae_sha256, verified)', run.last('certificate_verify'), s3.certificateVerify);
  s.eq('{server} Finished decrypted (verified)', run.last('finished'), s3.serverFinished);
  applicationSecrets(s, run, s3);
  s.eq('{client} construct a Finished handshake message', run.last('client Finished'), s3.clientFinished);
  s.eq('{client} send handshake record (Finished)', run.sentSince(1), s3.clientFinishedRecord);
  s.eq('derive secret "tls13 res master"', run.last('resumption_master_secret'), s3.resumptionMasterSecret);
  s.eq(
    'negotiated suite, group, signature scheme',
    run.info ? `${run.info.cipherSuite} ${run.info.group} ${run.info.signatureScheme}` : undefined,
    'TLS_AES_128_GCM_SHA256 x25519 rsa_pss_rsae_sha256',
  );
  await run.core.receive(fromHex(s3.newSessionTicketRecord));
  s.eq('{server} NewSessionTicket decrypted', run.last('new_session_ticket'), s3.newSessionTicket);
  s.eq('generate resumption secret "tls13 resumption"', run.last('resumption psk'), s3.resumptionPsk);
  const before = run.sent.length;
  await run.core.write(fromHex(s3.applicationData));
  s.eq('{client} send application_data record', run.sentSince(before), s3.clientApplicationDataRecord);
  await run.core.receive(fromHex(s3.serverApplicationDataRecord));
  s.eq('{server} application_data decrypted', run.data.map(toHex).join(''), s3.applicationData);
  await closeBothWays(s, run, s3);
  const t = run.tickets[0];
  return t && !isSession12(t) ? t : undefined;
}

/** RFC 8446 §4.2.11: obfuscated_ticket_age of the first identity in the RFC's hello. */
function obfuscatedAge(helloHex: string): number {
  const hello = decodeClientHello(fromHex(helloHex).subarray(4));
  const psk = hello.extensions.find((e) => e.type === ET.pre_shared_key)!.data;
  const idLen = (psk[2]! << 8) | psk[3]!;
  const at = 4 + idLen;
  return ((psk[at]! << 24) | (psk[at + 1]! << 16) | (psk[at + 2]! << 8) | psk[at + 3]!) >>> 0;
}

async function section4(s: Section, ticket: StoredSession13 | undefined): Promise<void> {
  if (!ticket) throw new Error('§3 produced no ticket to resume');
  // The RFC's client sends its hello this many ms after the ticket arrived.
  const age = (obfuscatedAge(s4.clientHello) - ticket.ageAdd) >>> 0;
  const session: StoredSession13 = { ...ticket, receivedAt: 0 };
  const keyLog: string[] = [];
  const run = startRun({
    random: [clientRandomOf(s4.clientHello), s4.clientPrivateKey],
    rfcHello: s4.clientHello,
    overrides: { session, earlyData: true, now: () => age, keyLog: (line) => keyLog.push(line) },
  });
  s.trace = run.trace;
  await run.core.start();
  s.eq('extract secret "early" (from the §3 resumption PSK)', run.last('early_secret'), s4.earlySecret);
  s.eq('calculate PSK binder: PRK (binder_key)', run.last('binder_key'), s4.binderKey);
  s.eq('{client} construct a ClientHello handshake message (with the PSK binder)', run.last('ClientHello'), s4.clientHello);
  ownExtensionsCheck(s, run);
  s.eq('{client} send handshake record (ClientHello)', run.sentSince(0), s4.clientHelloRecord);
  s.eq('derive secret "tls13 c e traffic"', run.last('client_early_traffic_secret'), s4.clientEarlyTrafficSecret);
  s.eq(
    'key log: CLIENT_EARLY_TRAFFIC_SECRET under the hello\'s client random',
    keyLog.find((l) => l.startsWith('CLIENT_EARLY_TRAFFIC_SECRET ')),
    `CLIENT_EARLY_TRAFFIC_SECRET ${clientRandomOf(s4.clientHello)} ${s4.clientEarlyTrafficSecret}`,
  );
  const before = run.sent.length;
  await run.core.write(fromHex(s4.earlyData));
  s.eq('{client} send application_data record (0-RTT)', run.sentSince(before), s4.earlyDataRecord);
  await run.core.receive(fromHex(s4.serverHelloRecord));
  s.eq('{server} ServerHello received (pre_shared_key accepted)', run.last('server_hello'), s4.serverHello);
  handshakeSecrets(s, run, s4);
  const flight = run.sent.length;
  await run.core.receive(fromHex(s4.serverHandshakeRecord));
  s.eq('{server} EncryptedExtensions decrypted (early_data accepted)', run.last('encrypted_extensions'), s4.encryptedExtensions);
  s.eq('{server} Finished decrypted (verified)', run.last('finished'), s4.serverFinished);
  applicationSecrets(s, run, s4);
  s.eq('{client} construct a Finished handshake message', run.last('client Finished'), s4.clientFinished);
  s.eq(
    '{client} send handshake records (EndOfEarlyData, Finished)',
    run.sentSince(flight),
    s4.endOfEarlyDataRecord + s4.clientFinishedRecord,
  );
  s.eq('derive secret "tls13 res master"', run.last('resumption_master_secret'), s4.resumptionMasterSecret);
  s.eq(
    'resumed, early data accepted',
    run.info ? `resumed=${run.info.resumed} earlyData=${run.info.earlyDataAccepted}` : undefined,
    'resumed=true earlyData=true',
  );
  const app = run.sent.length;
  await run.core.write(fromHex(s4.applicationData));
  s.eq('{client} send application_data record', run.sentSince(app), s4.clientApplicationDataRecord);
  await run.core.receive(fromHex(s4.serverApplicationDataRecord));
  s.eq('{server} application_data decrypted', run.data.map(toHex).join(''), s4.applicationData);
  await closeBothWays(s, run, s4);
}

async function section5(s: Section): Promise<void> {
  const run = startRun({
    random: [clientRandomOf(s5.clientHello1), s5.clientPrivateKey, s5.clientP256PrivateKey],
    rfcHello: s5.clientHello1,
    pinnedCertificate: s5.serverCertificateDer,
  });
  s.trace = run.trace;
  await run.core.start();
  s.eq('{client} construct a ClientHello handshake message (first)', s.nth(run, 'ClientHello', 0), s5.clientHello1);
  ownExtensionsCheck(s, run);
  s.eq('{client} send handshake record (first ClientHello)', run.sentSince(0), s5.clientHello1Record);
  await run.core.receive(fromHex(s5.helloRetryRequestRecord));
  s.eq('{server} HelloRetryRequest received (secp256r1, cookie)', s.nth(run, 'server_hello', 0), s5.helloRetryRequest);
  s.eq('{client} construct a ClientHello handshake message (second)', s.nth(run, 'ClientHello', 1), s5.clientHello2);
  s.eq('{client} send handshake record (second ClientHello)', run.sentSince(1), s5.clientHello2Record);
  await run.core.receive(fromHex(s5.serverHelloRecord));
  s.eq('{server} ServerHello received', s.nth(run, 'server_hello', 1), s5.serverHello);
  s.eq('extract secret "early"', run.last('early_secret'), s5.earlySecret);
  handshakeSecrets(s, run, s5);
  const flight = run.sent.length;
  await run.core.receive(fromHex(s5.serverHandshakeRecord));
  s.eq('{server} EncryptedExtensions decrypted', run.last('encrypted_extensions'), s5.encryptedExtensions);
  s.eq('{server} Certificate decrypted', run.last('certificate'), s5.certificate);
  s.eq('{server} CertificateVerify decrypted (verified)', run.last('certificate_verify'), s5.certificateVerify);
  s.eq('{server} Finished decrypted (verified)', run.last('finished'), s5.serverFinished);
  applicationSecrets(s, run, s5);
  s.eq('{client} construct a Finished handshake message', run.last('client Finished'), s5.clientFinished);
  s.eq('{client} send handshake record (Finished)', run.sentSince(flight), s5.clientFinishedRecord);
  s.eq('derive secret "tls13 res master"', run.last('resumption_master_secret'), s5.resumptionMasterSecret);
  s.eq(
    'negotiated group after HelloRetryRequest',
    run.info ? `${run.info.group} hrr=${run.info.helloRetryRequest}` : undefined,
    'secp256r1 hrr=true',
  );
  await closeBothWays(s, run, s5);
}

async function section6(s: Section): Promise<void> {
  const run = startRun({
    random: [clientRandomOf(s6.clientHello), s6.clientPrivateKey],
    rfcHello: s6.clientHello,
    pinnedCertificate: s6.serverCertificateDer,
  });
  s.trace = run.trace;
  await run.core.start();
  s.eq('{client} construct a ClientHello handshake message', run.last('ClientHello'), s6.clientHello);
  s.eq('{client} send handshake record (ClientHello)', run.sentSince(0), s6.clientHelloRecord);
  await run.core.receive(fromHex(s6.serverHelloRecord));
  s.eq('{server} ServerHello received', run.last('server_hello'), s6.serverHello);
  s.eq('extract secret "early"', run.last('early_secret'), s6.earlySecret);
  handshakeSecrets(s, run, s6);
  await run.core.receive(fromHex(s6.serverHandshakeRecord));
  s.eq('{server} EncryptedExtensions decrypted', run.last('encrypted_extensions'), s6.encryptedExtensions);
  s.eq('{server} CertificateRequest decrypted', run.last('certificate_request'), s6.certificateRequest);
  s.eq('{server} Certificate decrypted', run.last('certificate'), s6.certificate);
  s.eq('{server} CertificateVerify decrypted (ecdsa_secp256r1_sha256, verified)', run.last('certificate_verify'), s6.certificateVerify);
  s.eq('{server} Finished decrypted (verified)', run.last('finished'), s6.serverFinished);
  applicationSecrets(s, run, s6);
  s.notes.push(
    'the client\'s Certificate, CertificateVerify and Finished are not compared: RFC 8448 does not print ' +
      'the client\'s RSA key, and RSA-PSS signatures are randomized',
  );
}

async function section7(s: Section): Promise<void> {
  const hello = decodeClientHello(fromHex(s7.clientHello).subarray(4));
  const run = startRun({
    random: [clientRandomOf(s7.clientHello), toHex(hello.sessionId), s7.clientPrivateKey],
    rfcHello: s7.clientHello,
    pinnedCertificate: s7.serverCertificateDer,
    overrides: { middleboxCompat: true },
  });
  s.trace = run.trace;
  await run.core.start();
  s.eq('{client} construct a ClientHello handshake message (32-byte legacy_session_id)', run.last('ClientHello'), s7.clientHello);
  s.eq('{client} send handshake record (ClientHello)', run.sentSince(0), s7.clientHelloRecord);
  await run.core.receive(fromHex(s7.serverHelloRecord + s7.changeCipherSpecRecord));
  s.eq('{server} ServerHello received', run.last('server_hello'), s7.serverHello);
  s.eq('extract secret "early"', run.last('early_secret'), s7.earlySecret);
  handshakeSecrets(s, run, s7);
  const flight = run.sent.length;
  await run.core.receive(fromHex(s7.serverHandshakeRecord));
  s.eq('{server} EncryptedExtensions decrypted', run.last('encrypted_extensions'), s7.encryptedExtensions);
  s.eq('{server} Certificate decrypted', run.last('certificate'), s7.certificate);
  s.eq('{server} CertificateVerify decrypted (verified)', run.last('certificate_verify'), s7.certificateVerify);
  s.eq('{server} Finished decrypted (verified)', run.last('finished'), s7.serverFinished);
  applicationSecrets(s, run, s7);
  s.eq('{client} construct a Finished handshake message', run.last('client Finished'), s7.clientFinished);
  s.eq(
    '{client} send change_cipher_spec and handshake record (Finished)',
    run.sentSince(flight),
    s7.changeCipherSpecRecord + s7.clientFinishedRecord,
  );
  s.eq('derive secret "tls13 res master"', run.last('resumption_master_secret'), s7.resumptionMasterSecret);
  await closeBothWays(s, run, s7);
}

const TITLES: Record<SectionId, string> = {
  '§3': 'Simple 1-RTT Handshake',
  '§4': 'Resumed 0-RTT Handshake',
  '§5': 'HelloRetryRequest',
  '§6': 'Client Authentication',
  '§7': 'Compatibility Mode',
};

async function guarded<T>(s: Section, f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (e) {
    s.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return undefined;
  }
}

/** Replays the chosen sections (default: all) and returns every comparison. */
export async function runRfc8448(sections: readonly SectionId[] = SECTIONS): Promise<VectorSection[]> {
  const out: VectorSection[] = [];
  const s3s = new Section('§3', TITLES['§3']);
  // §4 resumes §3's ticket, so §3 always runs; it is reported only if asked for.
  const ticket = await guarded(s3s, () => section3(s3s));
  if (sections.includes('§3')) out.push(s3s);
  const runners: Array<[SectionId, (s: Section) => Promise<void>]> = [
    ['§4', (s) => section4(s, ticket)],
    ['§5', section5],
    ['§6', section6],
    ['§7', section7],
  ];
  for (const [id, f] of runners) {
    if (!sections.includes(id)) continue;
    const s = new Section(id, TITLES[id]);
    await guarded(s, () => f(s));
    out.push(s);
  }
  return out;
}

/** True when every check passed and no replay stopped early. */
export function allPassed(sections: readonly VectorSection[]): boolean {
  return sections.every((s) => !s.error && s.checks.every((c) => c.ok));
}

export type { TraceEntry };
