/**
 * Server identity (RFC 9525, which obsoletes RFC 6125): does the leaf
 * certificate name the host we meant to reach?
 *
 * - DNS names come from subjectAltName dNSName entries only; the subject CN
 *   is never consulted (RFC 9525 §6.1).
 * - Comparison is ASCII case-insensitive on A-labels (RFC 9525 §6.3); a
 *   U-label reference name is converted to A-labels first.
 * - A wildcard is honoured only as the whole left-most label ("*.a.b") and
 *   matches exactly one label (RFC 9525 §6.3); "*.tld" and partial labels
 *   ("f*.example.com") never match.
 * - An IP address literal matches iPAddress entries only (RFC 9525 §6.2).
 * - One trailing dot (an absolute name) is ignored on both sides.
 */
import { equalBytes } from './bytes.js';
import { parseCertificate, type GeneralName } from './cert.js';

/** The identity we expect the server to present: a DNS name or an IP address (RFC 9525 §6). */
export type ReferenceIdentity =
  | { readonly kind: 'dns'; readonly name: string }
  | { readonly kind: 'ip'; readonly bytes: Uint8Array };

function parseIPv4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    // No leading zeros: "010" is octal to some parsers and decimal to others.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

/** RFC 4291 §2.2 text forms, including "::" and a trailing dotted IPv4 part. */
function parseIPv6(s: string): Uint8Array | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Lower-cases ASCII letters only (A-labels are ASCII; RFC 9525 §6.3). */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** IDNA ToASCII through the platform's URL parser (UTS #46, as browsers do). */
function toALabels(name: string): string | null {
  // Only hostname characters may reach the URL parser.
  if (/[\s/?#@:[\]%\\]/.test(name)) return null;
  try {
    const host = new URL(`http://${name}/`).hostname;
    return /^[\x21-\x7e]+$/.test(host) ? host : null;
  } catch {
    return null;
  }
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** A usable DNS name: 1..63-character LDH labels, at most 253 characters. */
function validDnsName(name: string): boolean {
  return name.length > 0 && name.length <= 253 && name.split('.').every((l) => LABEL.test(l));
}

/**
 * Classifies a server name as an IP literal or a DNS name in canonical form
 * (A-labels, lower case, no trailing dot); null when it is neither.
 */
export function parseReferenceIdentity(serverName: string): ReferenceIdentity | null {
  const bracketed = /^\[(.*)\]$/.exec(serverName);
  if (bracketed) {
    const v6 = parseIPv6(bracketed[1]!);
    return v6 ? { kind: 'ip', bytes: v6 } : null;
  }
  const v4 = parseIPv4(serverName);
  if (v4) return { kind: 'ip', bytes: v4 };
  if (serverName.includes(':')) {
    const v6 = parseIPv6(serverName);
    return v6 ? { kind: 'ip', bytes: v6 } : null;
  }
  let name = serverName;
  if (/[^\x00-\x7f]/.test(name)) {
    const a = toALabels(name);
    if (a === null) return null;
    name = a;
  }
  name = asciiLower(name);
  if (name.endsWith('.')) name = name.slice(0, -1);
  return validDnsName(name) ? { kind: 'dns', name } : null;
}

/** RFC 9525 §6.3 matching of one presented dNSName against a canonical reference name. */
export function dnsNameMatches(presented: string, reference: string): boolean {
  let p = asciiLower(presented);
  if (p.endsWith('.')) p = p.slice(0, -1);
  if (!p.includes('*')) return validDnsName(p) && p === reference;
  // Only "*." followed by at least two labels; "*" inside or after the first label never matches.
  if (!p.startsWith('*.')) return false;
  const rest = p.slice(2);
  if (rest.includes('*') || !rest.includes('.') || !validDnsName(rest)) return false;
  const dot = reference.indexOf('.');
  return dot > 0 && reference.slice(dot + 1) === rest;
}

/** Whether the subjectAltName entries cover the reference identity. */
export function namesMatch(sans: readonly GeneralName[] | undefined, ref: ReferenceIdentity): boolean {
  for (const n of sans ?? []) {
    if (ref.kind === 'dns' && n.kind === 'dns' && dnsNameMatches(n.value, ref.name)) return true;
    if (ref.kind === 'ip' && n.kind === 'ip' && equalBytes(n.bytes, ref.bytes)) return true;
  }
  return false;
}

/** Renders an iPAddress for messages. */
export function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}

/** The names a certificate is valid for, for error messages. */
export function describeNames(sans: readonly GeneralName[] | undefined): string {
  const names: string[] = [];
  for (const n of sans ?? []) {
    if (n.kind === 'dns') names.push(n.value);
    else if (n.kind === 'ip') names.push(ipText(n.bytes));
  }
  if (names.length === 0) return 'no DNS or IP subjectAltName (the subject CN is not used, RFC 9525 §6.1)';
  const shown = names.slice(0, 8).join(', ');
  return names.length > 8 ? `${shown} and ${names.length - 8} more` : shown;
}

/**
 * Whether the certificate (DER) is valid for `serverName`, a DNS name or an
 * IP literal. Checks names only, not the chain.
 */
export function matchServerName(der: Uint8Array, serverName: string): boolean {
  const ref = parseReferenceIdentity(serverName);
  return ref !== null && namesMatch(parseCertificate(der).subjectAltNames, ref);
}
