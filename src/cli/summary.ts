/**
 * The handshake summary `connect` and `demo` print: negotiated parameters,
 * the server's chain and the verification verdict, as text or JSON.
 */
import type { ConnectionInfo } from '../handshake/client.js';
import { TlsError, alertName } from '../errors.js';
import { parseCertificate } from '../verify/cert.js';
import { describeNames } from '../verify/names.js';
import type { VerifiedChain } from '../verify/path.js';

/** One certificate of the server's chain, as the summary prints it. */
export interface CertSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** DNS and IP subjectAltNames, or a note that there are none. */
  readonly names: string;
}

/**
 * The outcome of chain verification: passed (with the trust anchor's subject,
 * its label and distrust-after date (ISO 8601) when it has them), failed
 * (with its error code), or not run.
 */
export type Verdict =
  | {
      readonly ok: true;
      readonly anchor: string;
      readonly anchorLabel?: string;
      readonly distrustAfter?: string;
      readonly pathLength: number;
    }
  | { readonly ok: false; readonly code: string; readonly message: string }
  | { readonly ok: null; readonly message: string };

/** What `connect` and `demo` report about a handshake (also their JSON output). */
export interface Summary {
  readonly ok: true;
  readonly host: string;
  readonly port: number;
  readonly serverName: string;
  readonly version: string;
  readonly cipherSuite: string;
  readonly group: string;
  readonly signatureScheme: string | null;
  readonly alpn: string | null;
  readonly alpnOffered: readonly string[];
  readonly resumed: boolean;
  readonly helloRetryRequest: boolean;
  readonly earlyDataAccepted: boolean;
  readonly clientCertificateSent: boolean;
  /** TLS 1.2: RFC 7627 in use (always true in TLS 1.3). */
  readonly extendedMasterSecret: boolean;
  readonly chain: readonly CertSummary[];
  readonly verification: Verdict;
  readonly handshakeMs: number;
}

/** The verdict for a chain that verified: the path length and the anchor it ended at. */
export function passedVerdict(v: VerifiedChain): Verdict {
  return {
    ok: true,
    anchor: v.anchor.subject,
    ...(v.anchor.label !== undefined ? { anchorLabel: v.anchor.label } : {}),
    ...(v.anchor.distrustAfter ? { distrustAfter: v.anchor.distrustAfter.toISOString() } : {}),
    pathLength: v.path.length,
  };
}

const isoDate = (d: Date): string => d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

/** Summarises a DER certificate; an unparsable one is described, not thrown. */
export function describeCertificate(der: Uint8Array): CertSummary {
  try {
    const c = parseCertificate(der);
    return {
      subject: c.subject.text,
      issuer: c.issuer.text,
      notBefore: isoDate(c.notBefore),
      notAfter: isoDate(c.notAfter),
      names: describeNames(c.subjectAltNames),
    };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { subject: `(unparsable: ${why})`, issuer: '', notBefore: '', notAfter: '', names: '' };
  }
}

/** Builds the handshake {@link Summary} from the connection info and what the CLI knows. */
export function buildSummary(p: {
  host: string;
  port: number;
  info: ConnectionInfo;
  alpnOffered: readonly string[];
  verdict: Verdict;
  handshakeMs: number;
}): Summary {
  const { info } = p;
  return {
    ok: true,
    host: p.host,
    port: p.port,
    serverName: info.serverName,
    version: info.version,
    cipherSuite: info.cipherSuite,
    group: info.group,
    signatureScheme: info.signatureScheme,
    alpn: info.alpn,
    alpnOffered: p.alpnOffered,
    resumed: info.resumed,
    helloRetryRequest: info.helloRetryRequest,
    earlyDataAccepted: info.earlyDataAccepted,
    clientCertificateSent: info.clientCertificateSent,
    extendedMasterSecret: info.extendedMasterSecret,
    chain: info.peerCertificates.map(describeCertificate),
    verification: p.verdict,
    handshakeMs: p.handshakeMs,
  };
}

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

/** curl-style "* " lines. */
export function formatSummary(s: Summary): string {
  const lines: string[] = [];
  lines.push(`Connected to ${s.host} port ${s.port} (server name ${s.serverName}) in ${s.handshakeMs} ms`);
  lines.push(`Protocol: ${s.version}, cipher suite ${s.cipherSuite}, key exchange ${s.group}`);
  const resumedHow = s.version === 'TLSv1.2' ? 'resumed session' : 'resumed with a PSK';
  lines.push(`Server signature: ${s.signatureScheme ?? `(none: ${resumedHow})`}`);
  if (s.version === 'TLSv1.2') lines.push(`Extended master secret (RFC 7627): ${yesNo(s.extendedMasterSecret)}`);
  const offered = s.alpnOffered.length ? ` (offered ${s.alpnOffered.join(', ')})` : ' (none offered)';
  lines.push(`ALPN: ${s.alpn ?? 'none'}${offered}`);
  lines.push(
    `Resumed: ${yesNo(s.resumed)}, HelloRetryRequest: ${yesNo(s.helloRetryRequest)}, ` +
      `early data accepted: ${yesNo(s.earlyDataAccepted)}, client certificate sent: ${yesNo(s.clientCertificateSent)}`,
  );
  if (s.chain.length) {
    lines.push(`Server certificate chain (${s.chain.length}):`);
    s.chain.forEach((c, i) => {
      lines.push(` ${i} subject: ${c.subject}`);
      lines.push(`   issuer:  ${c.issuer}`);
      lines.push(`   valid:   ${c.notBefore} to ${c.notAfter}`);
      if (i === 0) lines.push(`   names:   ${c.names}`);
    });
  } else {
    lines.push('Server certificate chain: none sent (resumed session)');
  }
  lines.push(`Verification: ${formatVerdict(s.verification)}`);
  const anchor = formatAnchor(s.verification);
  if (anchor) lines.push(`Trust anchor: ${anchor}`);
  return lines.map((l) => `* ${l}\n`).join('');
}

/** The anchor's label and distrust-after date, when the verdict has either (null otherwise). */
export function formatAnchor(v: Verdict): string | null {
  if (v.ok !== true || (v.anchorLabel === undefined && v.distrustAfter === undefined)) return null;
  const name = v.anchorLabel !== undefined ? JSON.stringify(v.anchorLabel) : v.anchor;
  if (v.distrustAfter === undefined) return `${name}, no distrust-after date`;
  return `${name}, distrust after ${isoDate(new Date(v.distrustAfter))} (leaves issued later are refused)`;
}

/** The verification verdict as one line of text. */
export function formatVerdict(v: Verdict): string {
  if (v.ok === true) return `OK (path of ${v.pathLength}, trust anchor ${v.anchor})`;
  if (v.ok === false) return `FAILED ${v.code}: ${v.message}`;
  return v.message;
}

/** The one-line reason for a failure. */
export function failureLine(e: unknown): string {
  if (e instanceof TlsError) {
    let line = `${e.code}: ${e.message}`;
    if (e.receivedAlert !== null) line += ` (server sent alert ${alertName(e.receivedAlert)})`;
    else if (e.alert && e.alert !== 'close_notify') line += ` (alert ${e.alert} sent)`;
    return oneLine(line);
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return oneLine(`${err.name === 'Error' ? 'ERROR' : err.name}: ${err.message}`);
}

/** A failure as the JSON object `--json` prints: code, message and alerts. */
export function failureJson(e: unknown): Record<string, unknown> {
  if (e instanceof TlsError) {
    return {
      ok: false,
      error: {
        code: e.code,
        message: e.message,
        alertSent: e.alert,
        alertReceived: e.receivedAlert === null ? null : alertName(e.receivedAlert),
      },
    };
  }
  return { ok: false, error: { code: 'ERROR', message: e instanceof Error ? e.message : String(e) } };
}

const oneLine = (s: string): string => s.replace(/\s*[\r\n]+\s*/g, ' ');
