/**
 * Renders the engine's trace in RFC 8448's layout: a step heading with the
 * RFC's wording, then each value as "label (N octets):" and hex rows of 16,
 * so an implementer can diff their own trace against puretls's.
 */
import { toHex } from '../codec.js';

/** SHA-256("HelloRetryRequest"): a ServerHello with this random is an HRR (RFC 8446 §4.1.3). */
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

interface Step {
  readonly heading: string;
  readonly field: string;
}

const MESSAGES: Record<string, [side: 'client' | 'server', article: string, name: string]> = {
  ClientHello: ['client', 'a', 'ClientHello'],
  server_hello: ['server', 'a', 'ServerHello'],
  encrypted_extensions: ['server', 'an', 'EncryptedExtensions'],
  certificate_request: ['server', 'a', 'CertificateRequest'],
  certificate: ['server', 'a', 'Certificate'],
  certificate_verify: ['server', 'a', 'CertificateVerify'],
  finished: ['server', 'a', 'Finished'],
  'client Finished': ['client', 'a', 'Finished'],
  'client Certificate': ['client', 'a', 'Certificate'],
  'client CertificateVerify': ['client', 'a', 'CertificateVerify'],
  new_session_ticket: ['server', 'a', 'NewSessionTicket'],
  key_update: ['server', 'a', 'KeyUpdate'],
  // TLS 1.2 (RFC 5246 §7.4)
  server_key_exchange: ['server', 'a', 'ServerKeyExchange'],
  server_hello_done: ['server', 'a', 'ServerHelloDone'],
  ClientKeyExchange: ['client', 'a', 'ClientKeyExchange'],
  hello_request: ['server', 'a', 'HelloRequest'],
};

/** RFC 8448 prints a "derive write traffic keys" step for each traffic secret. */
function writeKeys(side: 'client' | 'server', stage: string, secret: string): Record<string, Step> {
  const heading = `derive write traffic keys for ${stage} data (from "tls13 ${secret}")`;
  return {
    [`${side}_${stage}_write_key`]: { heading, field: 'key' },
    [`${side}_${stage}_write_iv`]: { heading, field: 'iv' },
  };
}

const SECRETS: Record<string, Step> = {
  early_secret: { heading: 'extract secret "early"', field: 'secret' },
  binder_key: { heading: 'calculate PSK binder', field: 'PRK' },
  binder: { heading: 'calculate PSK binder', field: 'binder' },
  client_early_traffic_secret: { heading: 'derive secret "tls13 c e traffic"', field: 'expanded' },
  shared_secret: { heading: 'extract secret "handshake"', field: 'IKM' },
  handshake_secret: { heading: 'extract secret "handshake"', field: 'secret' },
  client_handshake_traffic_secret: { heading: 'derive secret "tls13 c hs traffic"', field: 'expanded' },
  server_handshake_traffic_secret: { heading: 'derive secret "tls13 s hs traffic"', field: 'expanded' },
  master_secret: { heading: 'extract secret "master"', field: 'secret' },
  client_application_traffic_secret_0: { heading: 'derive secret "tls13 c ap traffic"', field: 'expanded' },
  server_application_traffic_secret_0: { heading: 'derive secret "tls13 s ap traffic"', field: 'expanded' },
  exporter_master_secret: { heading: 'derive secret "tls13 exp master"', field: 'expanded' },
  resumption_master_secret: { heading: 'derive secret "tls13 res master"', field: 'expanded' },
  ...writeKeys('client', 'early', 'c e traffic'),
  ...writeKeys('client', 'handshake', 'c hs traffic'),
  ...writeKeys('server', 'handshake', 's hs traffic'),
  ...writeKeys('client', 'application', 'c ap traffic'),
  ...writeKeys('server', 'application', 's ap traffic'),
  'resumption psk': { heading: 'generate resumption secret "tls13 resumption"', field: 'expanded' },
  // TLS 1.2: RFC 8422 §5.10, RFC 7627 §4 / RFC 5246 §8.1, §6.3
  pre_master_secret: { heading: 'compute the ECDHE premaster secret', field: 'pre_master_secret' },
  tls12_master_secret: { heading: 'derive master_secret (PRF)', field: 'master_secret' },
  client_write_key: { heading: 'derive key_block (PRF "key expansion")', field: 'client_write_key' },
  client_write_iv: { heading: 'derive key_block (PRF "key expansion")', field: 'client_write_IV' },
  server_write_key: { heading: 'derive key_block (PRF "key expansion")', field: 'server_write_key' },
  server_write_iv: { heading: 'derive key_block (PRF "key expansion")', field: 'server_write_IV' },
};

/** The RFC 8448 step heading and field label for one trace entry. */
export function describeTraceLabel(label: string, value: Uint8Array): Step {
  const msg = MESSAGES[label];
  if (msg) {
    const [side, article, name] = msg;
    // The ServerHello codepoint also carries HelloRetryRequest.
    if (label === 'server_hello' && toHex(value.subarray(6, 38)) === HRR_RANDOM) {
      return { heading: '{server}  construct a HelloRetryRequest handshake message', field: 'HelloRetryRequest' };
    }
    return { heading: `{${side}}  construct ${article} ${name} handshake message`, field: name };
  }
  const secret = SECRETS[label];
  if (secret) return { heading: `{client}  ${secret.heading}`, field: secret.field };
  return { heading: `{client}  ${label}`, field: label };
}

/** Hex in rows of 16 octets, each row indented. */
export function hexRows(bytes: Uint8Array, indent = '      '): string[] {
  const rows: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row: string[] = [];
    for (const b of bytes.subarray(i, i + 16)) row.push(b.toString(16).padStart(2, '0'));
    rows.push(indent + row.join(' '));
  }
  if (!rows.length) rows.push(indent + '(empty)');
  return rows;
}

/**
 * A stateful formatter: consecutive values of the same step share one
 * heading, as in the RFC ("extract secret handshake": IKM, then secret).
 */
export class TraceFormatter {
  private lastHeading = '';
  constructor(private readonly write: (text: string) => void) {}

  /** The (EC)DHE secret, held back so it prints under "extract secret handshake" as in the RFC. */
  private ikm: Uint8Array | null = null;

  entry(label: string, value: Uint8Array): void {
    if (label === 'shared_secret') {
      this.ikm = value;
      return;
    }
    if (this.ikm && label !== 'early_secret') {
      const ikm = this.ikm;
      this.ikm = null;
      this.print('shared_secret', ikm);
    }
    this.print(label, value);
  }

  private print(label: string, value: Uint8Array): void {
    const { heading, field } = describeTraceLabel(label, value);
    let out = '';
    if (heading !== this.lastHeading) {
      out += `${heading}:\n\n`;
      this.lastHeading = heading;
    }
    out += `   ${field} (${value.length} octets):\n${hexRows(value).join('\n')}\n\n`;
    this.write(out);
  }

  /** Starts a new step sequence (e.g. between two connections). */
  reset(): void {
    if (this.ikm) this.print('shared_secret', this.ikm);
    this.ikm = null;
    this.lastHeading = '';
  }
}
