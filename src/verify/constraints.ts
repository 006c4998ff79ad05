/**
 * Name constraints (RFC 5280 §4.2.1.10, applied per §6.1.3 (b) and (c)).
 *
 * Each CA's constraints are checked against every certificate below it in
 * the path, which is the same as intersecting them as §6.1.4 (g) does.
 * dNSName, iPAddress, directoryName and rfc822Name are checked; for any
 * other name type, a constraint of that type fails the path as soon as a
 * certificate carries a name of that type (fail closed, as Chromium does).
 */
import type { GeneralName, NameConstraints, ParsedCert } from './cert.js';
import { ipText } from './names.js';

function lowerAscii(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function stripDot(s: string): string {
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

/** dNSName in subtree: the name itself or any name below it; ".x" means strictly below x. */
function dnsWithin(name: string, base: string): boolean {
  if (base === '') return true;
  if (base.startsWith('.')) return name.endsWith(base);
  return name === base || name.endsWith('.' + base);
}

/**
 * For an excluded subtree a wildcard name counts as inside it when any name
 * it could match is: "*.example.com" collides with "bad.example.com".
 */
function wildcardReaches(name: string, base: string): boolean {
  if (!name.startsWith('*.')) return false;
  const b = base.startsWith('.') ? base.slice(1) : base;
  const dot = b.indexOf('.');
  return dot > 0 && b.slice(dot + 1) === name.slice(2);
}

function emailWithin(name: string, base: string): boolean {
  const at = name.lastIndexOf('@');
  const host = lowerAscii(name.slice(at + 1));
  if (base.includes('@')) {
    // A particular mailbox: local part exact, host case-insensitive.
    const bat = base.lastIndexOf('@');
    return name.slice(0, at) === base.slice(0, bat) && host === lowerAscii(base.slice(bat + 1));
  }
  const b = lowerAscii(base);
  return b.startsWith('.') ? host.endsWith(b) : host === b;
}

function ipWithin(name: Uint8Array, base: Uint8Array): boolean {
  // An IPv4 subtree never contains an IPv6 address and vice versa.
  if (base.length !== name.length * 2) return false;
  for (let i = 0; i < name.length; i++) {
    const mask = base[name.length + i]!;
    if ((name[i]! & mask) !== (base[i]! & mask)) return false;
  }
  return true;
}

function within(name: GeneralName, base: GeneralName, excluded: boolean): boolean {
  if (name.kind === 'dns' && base.kind === 'dns') {
    const n = stripDot(lowerAscii(name.value));
    const b = stripDot(lowerAscii(base.value));
    return dnsWithin(n, b) || (excluded && wildcardReaches(n, b));
  }
  if (name.kind === 'ip' && base.kind === 'ip') return ipWithin(name.bytes, base.bytes);
  if (name.kind === 'email' && base.kind === 'email') return emailWithin(name.value, base.value);
  if (name.kind === 'dn' && base.kind === 'dn') {
    // The subtree's RDNs must be a prefix of the name's.
    const b = base.name.rdnKeys;
    return b.length <= name.name.rdnKeys.length && b.every((k, i) => k === name.name.rdnKeys[i]);
  }
  return false;
}

function sameType(a: GeneralName, b: GeneralName): boolean {
  return a.kind === b.kind && (a.kind !== 'other' || b.kind !== 'other' || a.tag === b.tag);
}

function show(n: GeneralName): string {
  switch (n.kind) {
    case 'dns':
      return `DNS:${n.value}`;
    case 'email':
      return `email:${n.value}`;
    case 'uri':
      return `URI:${n.value}`;
    case 'ip': {
      if (n.bytes.length === 4 || n.bytes.length === 16) return `IP:${ipText(n.bytes)}`;
      const half = n.bytes.length / 2;
      const mask = n.bytes.subarray(half);
      let bits = 0;
      for (const m of mask) for (let v = m; v; v = (v << 1) & 0xff) bits++;
      return `IP:${ipText(n.bytes.subarray(0, half))}/${bits}`;
    }
    case 'dn':
      return `DirName:${n.name.text}`;
    case 'other':
      return `GeneralName[${n.tag & 0x1f}]`;
  }
}

/** The names of `cert` that name constraints apply to (RFC 5280 §6.1.3 (b)). */
function constrainedNames(cert: ParsedCert): GeneralName[] {
  const names: GeneralName[] = [...(cert.subjectAltNames ?? [])];
  if (cert.subject.rdnKeys.length > 0) names.push({ kind: 'dn', name: cert.subject });
  // Legacy emailAddress attributes in the subject count as rfc822Names.
  for (const value of cert.subject.emails) names.push({ kind: 'email', value });
  return names;
}

/** Describes the first name of `cert` that `nc` forbids, or returns null. */
export function nameConstraintViolation(nc: NameConstraints, cert: ParsedCert): string | null {
  for (const name of constrainedNames(cert)) {
    const permitted = nc.permitted.filter((s) => sameType(s, name));
    const excluded = nc.excluded.filter((s) => sameType(s, name));
    if (permitted.length + excluded.length === 0) continue;
    if (name.kind === 'uri' || name.kind === 'other') {
      return `${show(name)} cannot be checked against constraints of its type`;
    }
    if (permitted.length > 0 && !permitted.some((s) => within(name, s, false))) {
      return `${show(name)} is outside the permitted subtrees (${permitted.map(show).join(', ')})`;
    }
    const hit = excluded.find((s) => within(name, s, true));
    if (hit) return `${show(name)} is inside the excluded subtree ${show(hit)}`;
  }
  return null;
}
