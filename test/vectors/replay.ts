/**
 * Drives the sans-IO client core through an RFC 8448 trace: injected
 * randomness in, recorded server records in, every output captured.
 */
import { fromHex, toHex } from '../../src/codec.js';
import { nobleProvider } from '../../src/crypto/noble.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { ClientConnection, type ClientConfig, type ConnectionInfo } from '../../src/handshake/client.js';
import { CIPHER_SUITES, SIGNATURE_SCHEMES } from '../../src/handshake/constants.js';
import { decodeClientHello, type ClientHello } from '../../src/handshake/messages.js';
import type { StoredSession } from '../../src/handshake/session.js';
import { spkiOfCertificate } from '../../src/verify/cert.js';

export interface Replay {
  core: ClientConnection;
  sent: Uint8Array[];
  data: Uint8Array[];
  tickets: StoredSession[];
  trace: Map<string, string>;
  info: ConnectionInfo | null;
  peerClosed: boolean;
  /** Extension types whose bytes came from our own encoder and matched the RFC. */
  ownExtensionsMatched: number[];
}

/** Hands out the given values in order, whatever length is asked (checked). */
export function scriptedRandom(values: string[]): (n: number) => Uint8Array {
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
 * groups, SHA-1 and DSA schemes, renegotiation_info, session_ticket). The
 * hook keeps every extension puretls builds itself, checking it equals
 * the RFC's bytes, and takes only the others from the RFC's hello.
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

export function replay(
  overrides: Partial<ClientConfig> & Pick<ClientConfig, 'random' | 'serverName'>,
  rfcHello: string,
  provider: CryptoProvider = nobleProvider,
): Replay {
  const r: Replay = {
    core: undefined as unknown as ClientConnection,
    sent: [],
    data: [],
    tickets: [],
    trace: new Map(),
    info: null,
    peerClosed: false,
    ownExtensionsMatched: [],
  };
  const config: ClientConfig = {
    provider,
    cipherSuites: CIPHER_SUITES,
    groups: ['x25519', 'secp256r1', 'secp384r1', 'secp521r1'],
    keyShareGroups: ['x25519'],
    signatureSchemes: SIGNATURE_SCHEMES,
    alpn: [],
    verifyChain: async () => undefined,
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
    trace: (label, value) => r.trace.set(label, toHex(value)),
    customizeClientHello: rfcHelloShaper(rfcHello, r.ownExtensionsMatched),
    ...overrides,
  };
  r.core = new ClientConnection(config, {
    send: (d) => r.sent.push(d.slice()),
    data: (d) => r.data.push(d.slice()),
    handshakeComplete: (info) => {
      r.info = info;
    },
    peerClosed: () => {
      r.peerClosed = true;
    },
    ticket: (s) => r.tickets.push(s),
  });
  return r;
}

export const hex = toHex;
export { fromHex };
