/**
 * Drives the sans-IO client core through a recorded RFC 8448 trace:
 * scripted randomness in, the RFC's server records in, everything the
 * core sends, decrypts and traces captured for comparison.
 */
import { fromHex, toHex } from '../codec.js';
import { nobleProvider } from '../crypto/noble.js';
import { ClientConnection, type ClientConfig, type ConnectionInfo } from '../handshake/client.js';
import { CIPHER_SUITES, SIGNATURE_SCHEMES } from '../handshake/constants.js';
import { decodeClientHello, type ClientHello } from '../handshake/messages.js';
import type { StoredSession } from '../handshake/session.js';
import { spkiOfCertificate } from '../verify/cert.js';

/** One call of the core's trace hook: a label and a copy of its value. */
export interface TraceEntry {
  readonly label: string;
  readonly value: Uint8Array;
}

/** A client core under replay, and everything it has sent, received and traced so far. */
export interface Run {
  readonly core: ClientConnection;
  /** Every chunk the core handed to the network, in order. */
  readonly sent: Uint8Array[];
  readonly data: Uint8Array[];
  readonly tickets: StoredSession[];
  /** Every trace call, in order (labels may repeat, e.g. ClientHello after HRR). */
  readonly trace: TraceEntry[];
  /** Extensions that puretls encoded itself and that equal the RFC's bytes. */
  readonly ownExtensions: number[];
  info: ConnectionInfo | null;
  peerClosed: boolean;
  /** The last value traced under `label`, as hex. */
  last(label: string): string | undefined;
  /** Everything sent since chunk `from`, as one hex string. */
  sentSince(from: number): string;
}

/** Hands out the scripted values in order; a draw of another size is a bug. */
export function scriptedRandom(values: readonly string[]): (n: number) => Uint8Array {
  const queue = values.map(fromHex);
  return (n) => {
    const v = queue.shift();
    if (!v) throw new Error(`unexpected random draw of ${n} bytes`);
    if (v.length !== n) throw new Error(`random draw of ${n} bytes, scripted ${v.length}`);
    return v;
  };
}

/**
 * The RFC's client offers code points puretls does not implement (ffdhe
 * groups, SHA-1 schemes, renegotiation_info...). The shaper keeps every
 * extension puretls builds whose bytes equal the RFC's (and records it),
 * takes the rest from the RFC's hello, in the RFC's order. The core then
 * recomputes padding and pre_shared_key, leaving early_data where it is.
 */
export function rfcHelloShaper(rfcHelloHex: string, matched: number[]): (hello: ClientHello) => void {
  const rfc = decodeClientHello(fromHex(rfcHelloHex).subarray(4));
  return (hello) => {
    const ours = new Map(hello.extensions.map((e) => [e.type, e.data]));
    hello.extensions = rfc.extensions.map((e) => {
      const mine = ours.get(e.type);
      if (mine && toHex(mine) === toHex(e.data)) {
        matched.push(e.type);
        return { type: e.type, data: mine };
      }
      return e;
    });
    hello.cipherSuites = rfc.cipherSuites;
  };
}

/** How to build a replay's client: the RFC's random values, its ClientHello and pinned certificate. */
export interface RunOptions {
  readonly random: readonly string[];
  /** The RFC's first ClientHello (hex), to shape ours like it. */
  readonly rfcHello: string;
  /** DER (hex) of the certificate the RFC's server sends: pinned instead of path validation. */
  readonly pinnedCertificate?: string;
  readonly overrides?: Partial<ClientConfig>;
}

/** Builds a client core configured like the RFC 8448 client, capturing its output; feed it with `core.start()` and `core.receive()`. */
export function startRun(options: RunOptions): Run {
  const sent: Uint8Array[] = [];
  const trace: TraceEntry[] = [];
  const ownExtensions: number[] = [];
  const run: Run = {
    core: undefined as unknown as ClientConnection,
    sent,
    data: [],
    tickets: [],
    trace,
    ownExtensions,
    info: null,
    peerClosed: false,
    last(label) {
      for (let i = trace.length - 1; i >= 0; i--) if (trace[i]!.label === label) return toHex(trace[i]!.value);
      return undefined;
    },
    sentSince(from) {
      return sent.slice(from).map(toHex).join('');
    },
  };
  const pinned = options.pinnedCertificate;
  const config: ClientConfig = {
    serverName: 'server',
    provider: nobleProvider,
    random: scriptedRandom(options.random),
    cipherSuites: CIPHER_SUITES,
    groups: ['x25519', 'secp256r1', 'secp384r1', 'secp521r1'],
    keyShareGroups: ['x25519'],
    signatureSchemes: SIGNATURE_SCHEMES,
    alpn: [],
    // The RFC's certificates expired and name no host: pin the exact bytes.
    verifyChain: async (chain) => {
      if (pinned !== undefined && (chain.length !== 1 || toHex(chain[0]!) !== pinned)) {
        throw new Error('the server certificate is not the RFC 8448 one');
      }
    },
    leafPublicKey: spkiOfCertificate,
    earlyData: false,
    retryRejectedEarlyData: true,
    postHandshakeAuth: false,
    middleboxCompat: false,
    recordSizeLimit: 16385,
    padding: 0,
    maxHandshakeMessage: 65536,
    maxCertificateChain: 10,
    maxPostHandshakePerSecond: 100,
    keyUpdateAfterRecords: 2 ** 24,
    now: () => 0,
    trace: (label, value) => trace.push({ label, value: value.slice() }),
    customizeClientHello: rfcHelloShaper(options.rfcHello, ownExtensions),
    ...options.overrides,
  };
  const core = new ClientConnection(config, {
    send: (d) => sent.push(d.slice()),
    data: (d) => run.data.push(d.slice()),
    handshakeComplete: (info) => {
      run.info = info;
    },
    peerClosed: () => {
      run.peerClosed = true;
    },
    ticket: (s) => run.tickets.push(s),
  });
  (run as { core: ClientConnection }).core = core;
  return run;
}

export { fromHex, toHex };
