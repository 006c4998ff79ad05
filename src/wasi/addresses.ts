/**
 * IP addresses in the shapes of wasi:sockets@0.3.0, and the names a page
 * host hands out for them. A page cannot resolve names, so
 * `ip-name-lookup.resolve-addresses` answers with an address from
 * 198.18.0.0/15 (reserved for benchmarking, never a real peer) that stands
 * for the name; connecting to it asks the relay for the name, and the relay
 * resolves it. Browser-safe.
 */

/** wasi:sockets `ip-address`. */
export type IpAddress = { tag: 'ipv4'; val: [number, number, number, number] } | { tag: 'ipv6'; val: Ipv6Tuple };
/** wasi:sockets `ipv6-address`: eight 16-bit groups. */
export type Ipv6Tuple = [number, number, number, number, number, number, number, number];
/** wasi:sockets `ip-socket-address`. */
export type IpSocketAddress =
  | { tag: 'ipv4'; val: { port: number; address: [number, number, number, number] } }
  | { tag: 'ipv6'; val: { port: number; flowInfo: number; address: Ipv6Tuple; scopeId: number } };

function parseIpv6(text: string): Ipv6Tuple | null {
  let host: string;
  try {
    host = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  const [head, tail] = host.includes('::') ? host.split('::') : [host, null];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === null ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(fill).fill('0'), ...right].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? (groups as Ipv6Tuple) : null;
}

/** An IP literal as an `ip-address` (IPv6 with or without brackets); null for anything else. */
export function parseIpAddress(text: string): IpAddress | null {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    return parts.every((p) => p <= 255) ? { tag: 'ipv4', val: parts as [number, number, number, number] } : null;
  }
  const inner = /^\[(.*)\]$/.exec(text)?.[1] ?? text;
  if (!inner.includes(':')) return null;
  const v6 = parseIpv6(inner);
  return v6 ? { tag: 'ipv6', val: v6 } : null;
}

/** An `ip-address` as text: dotted IPv4, or eight lower-case hex groups for IPv6. */
export function formatIpAddress(address: IpAddress): string {
  return address.tag === 'ipv4' ? address.val.join('.') : address.val.map((g) => g.toString(16)).join(':');
}

/** A DNS name in ASCII (IDNA), lower case, without a trailing dot; null when it is not a host name. */
export function normalizeHostName(name: string): string | null {
  if (name === '' || name.length > 253 || /[\s/?#@[\]\\:%]/.test(name)) return null;
  let host: string;
  try {
    host = new URL(`http://${name}/`).hostname;
  } catch {
    return null;
  }
  host = host.replace(/\.$/, '');
  return /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(host) && host.length <= 253 ? host : null;
}

const BASE = (198 << 24) | (18 << 16);
const SIZE = 1 << 17;

/** The names handed out by resolve-addresses, each with its stand-in address. */
export class NameTable {
  readonly #byName = new Map<string, number>();
  readonly #byIndex = new Map<number, string>();

  /** The stand-in address for `name` (the same every time). */
  addressFor(name: string): IpAddress {
    let index = this.#byName.get(name);
    if (index === undefined) {
      index = this.#byName.size + 1;
      if (index >= SIZE - 1) throw new RangeError('too many names');
      this.#byName.set(name, index);
      this.#byIndex.set(index, name);
    }
    const n = (BASE + index) >>> 0;
    return { tag: 'ipv4', val: [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff] };
  }

  /** The name a stand-in address was handed out for, or null. */
  nameFor(address: IpAddress): string | null {
    if (address.tag !== 'ipv4') return null;
    const [a, b, c, d] = address.val;
    const n = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
    return this.#byIndex.get(n - (BASE >>> 0)) ?? null;
  }
}
