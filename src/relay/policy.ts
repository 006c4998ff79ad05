/**
 * What a relay may connect to: an allow-list of `host:port` rules, and a
 * check on the addresses a name resolves to, so that an allowed public name
 * cannot be pointed (by its DNS) at the relay's own network. Node only.
 */
import { BlockList, isIP } from 'node:net';
import type { RelayTarget } from './protocol.js';

/**
 * An allow-list rule: `HOST:PORT`, where HOST is a name, an IP literal
 * (IPv6 in brackets), `*.domain` (any name below domain, not domain itself)
 * or `*` (any host), and PORT is a number or `*`.
 */
export type AllowRule = string;

interface CompiledRule {
  readonly host: string;
  readonly suffix: string | null;
  readonly any: boolean;
  readonly port: number | null;
}

function compileRule(rule: AllowRule): CompiledRule {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.*_-]+):(\d{1,5}|\*)$/.exec(rule.trim());
  if (!m) throw new TypeError(`relay allow rule "${rule}": expected HOST:PORT`);
  let host = m[1]!.toLowerCase();
  if (host.startsWith('[')) host = host.slice(1, -1);
  const port = m[2] === '*' ? null : Number(m[2]);
  if (port !== null && (port < 1 || port > 65535)) throw new TypeError(`relay allow rule "${rule}": bad port`);
  if (host === '*') return { host, suffix: null, any: true, port };
  if (host.startsWith('*.')) {
    if (host.slice(2).includes('*')) throw new TypeError(`relay allow rule "${rule}": one leading "*." only`);
    return { host, suffix: host.slice(1), any: false, port };
  }
  if (host.includes('*')) throw new TypeError(`relay allow rule "${rule}": "*" only as "*" or a leading "*."`);
  return { host, suffix: null, any: false, port };
}

/** Compiles allow rules into a predicate; throws a TypeError naming a malformed rule. */
export function compileAllowList(rules: readonly AllowRule[]): (target: RelayTarget) => boolean {
  const compiled = rules.map(compileRule);
  return (target) =>
    compiled.some(
      (r) =>
        (r.port === null || r.port === target.port) &&
        (r.any || (r.suffix !== null ? target.host.endsWith(r.suffix) : r.host === target.host)),
    );
}

// Two lists: Node checks an IPv4 address against IPv6 rules too (as ::ffff:a.b.c.d).
const notPublic4 = new BlockList();
const notPublic6 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
] as const) {
  notPublic4.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 127],
  ['::ffff:0:0', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  notPublic6.addSubnet(net, prefix, 'ipv6');
}

/**
 * False for loopback, private (RFC 1918, ULA), link-local, carrier-grade NAT,
 * documentation, benchmarking, multicast, unspecified and reserved addresses,
 * and for IPv4-mapped IPv6 addresses (checked as the IPv4 address they map).
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return isPublicAddress(mapped[1]!);
  }
  return family === 4 ? !notPublic4.check(address, 'ipv4') : !notPublic6.check(address, 'ipv6');
}
