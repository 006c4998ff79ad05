// One interface over every client the benchmark compares.
//
//   const client = await makeClient(impl, { ca });   // per process, outside timing
//   client.unsupported(kase, suite) -> null | "why not"
//   const conn = await client.connect({ port, suite, resume });
//   conn.resumed; conn.write(bytes); conn.readBytes(n); conn.readLine(); conn.close()
//
// Every client verifies the server's chain against the test roots: the
// cost of verification is part of a handshake.
import { once } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { timedProvider } from './timed-provider.js';

const HOST = '127.0.0.1';
const NAME = 'localhost';

/** Reads bytes from an async source of chunks, with a small line reader for replies. */
class Inbox {
  constructor(next) {
    this.next = next; // () => Promise<Uint8Array | undefined>
    this.pending = null;
  }
  async take() {
    if (this.pending) {
      const p = this.pending;
      this.pending = null;
      return p;
    }
    const v = await this.next();
    if (v === undefined) throw new Error('connection closed early');
    return v;
  }
  async readBytes(n) {
    let left = n;
    while (left > 0) {
      const v = await this.take();
      if (v.length > left) this.pending = v.subarray(left);
      left -= v.length;
    }
  }
  async readLine() {
    let s = '';
    for (;;) {
      const v = await this.take();
      const i = v.indexOf(10);
      if (i < 0) {
        s += Buffer.from(v).toString();
        continue;
      }
      s += Buffer.from(v.subarray(0, i)).toString();
      if (i + 1 < v.length) this.pending = v.subarray(i + 1);
      return s;
    }
  }
}

/** Push-style data (callbacks) to the pull-style Inbox. */
function pushQueue() {
  const items = [];
  let waiter = null;
  let ended = false;
  return {
    push(v) {
      if (waiter) {
        const w = waiter;
        waiter = null;
        w(v);
      } else items.push(v);
    },
    end() {
      ended = true;
      if (waiter) {
        const w = waiter;
        waiter = null;
        w(undefined);
      }
    },
    next() {
      if (items.length) return Promise.resolve(items.shift());
      if (ended) return Promise.resolve(undefined);
      return new Promise((r) => (waiter = r));
    },
  };
}

async function dial(port) {
  const socket = net.connect({ host: HOST, port, noDelay: true });
  await once(socket, 'connect');
  return socket;
}

// ---------------------------------------------------------------- puretls

/**
 * Keeps the newest ticket and hands it out again and again, as node:tls
 * (`session` option) and @reclaimprotocol/tls (psk) are used here: the
 * default MemorySessionStore uses each ticket once (RFC 8446 §C.4), and
 * Node's server sends no new ticket on a resumed connection, so every third
 * connection there would be a full handshake.
 */
class ReusingStore {
  latest = new Map();
  get(key) {
    return this.latest.get(key);
  }
  put(key, session) {
    this.latest.set(key, session);
  }
  delete(key) {
    this.latest.delete(key);
  }
}

async function puretls(provider, { ca }) {
  // Registers 'node' (node:crypto); 'webcrypto' registers itself on import.
  const { connect } = await import('../dist/node.js');
  await import('../dist/crypto/webcrypto.js');
  const { selectProvider } = await import('../dist/crypto/index.js');
  // The provider, timed: what a handshake spends in its own primitives (bench/timed-provider.js).
  const timed = timedProvider(selectProvider(provider));
  let store = null;
  return {
    unsupported: () => null,
    takePrimitiveMs: () => timed.take(),
    async connect({ port, suite, resume }) {
      if (resume && !store) store = new ReusingStore();
      const conn = await connect({
        host: HOST,
        port,
        servername: NAME,
        ca,
        crypto: timed.provider,
        groups: ['x25519', 'secp256r1'],
        cipherSuites: [suite],
        sessions: resume ? store : false,
      });
      const reader = conn.readable.getReader();
      const writer = conn.writable.getWriter();
      const inbox = new Inbox(async () => {
        const { value, done } = await reader.read();
        return done ? undefined : value;
      });
      return {
        resumed: conn.info.resumed,
        async write(bytes) {
          await writer.ready;
          void writer.write(bytes).catch(() => undefined);
        },
        flush: () => writer.ready,
        readBytes: (n) => inbox.readBytes(n),
        readLine: () => inbox.readLine(),
        async close() {
          writer.releaseLock();
          reader.releaseLock();
          await conn.close();
        },
      };
    },
  };
}

// ---------------------------------------------------------------- node:tls

/** OpenSSL's names of the TLS 1.2 suites the benchmark runs (TLS 1.3 suites keep their IANA names). */
export const OPENSSL_TLS12 = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
};

async function nodeTls({ ca }) {
  let session = null;
  return {
    unsupported: () => null,
    async connect({ port, suite, resume }) {
      const tls12 = OPENSSL_TLS12[suite];
      const socket = tls.connect({
        host: HOST,
        port,
        servername: NAME,
        ca,
        minVersion: tls12 ? 'TLSv1.2' : 'TLSv1.3',
        maxVersion: tls12 ? 'TLSv1.2' : 'TLSv1.3',
        ciphers: tls12 ?? suite,
        // TLS 1.2 ECDSA suites also need the certificate's curve in supported_groups (RFC 8422 §5.1.1).
        ecdhCurve: tls12 ? 'X25519:P-256' : 'X25519',
        session: resume && session ? session : undefined,
      });
      if (resume) socket.on('session', (s) => (session = s));
      await once(socket, 'secureConnect');
      const q = pushQueue();
      socket.on('data', (d) => q.push(d));
      socket.on('end', () => q.end());
      socket.on('error', () => q.end());
      const inbox = new Inbox(() => q.next());
      return {
        resumed: socket.isSessionReused(),
        async write(bytes) {
          if (!socket.write(bytes)) await once(socket, 'drain');
        },
        flush: async () => undefined,
        readBytes: (n) => inbox.readBytes(n),
        readLine: () => inbox.readLine(),
        async close() {
          socket.end();
          await once(socket, 'close');
        },
      };
    },
  };
}

// ---------------------------------------------------------------- subtls

async function subtls({ ca }) {
  const { startTls, SocketReadQueue, TrustedCert } = await import('subtls');
  const roots = await TrustedCert.databaseFromPEM(ca);
  return {
    unsupported(kase, suite) {
      if (suite !== 'TLS_AES_128_GCM_SHA256') return 'only TLS_AES_128_GCM_SHA256';
      if (kase === 'resumed') return 'no session resumption';
      return null;
    },
    async connect({ port }) {
      const socket = await dial(port);
      const rq = new SocketReadQueue(socket);
      // subtls offers P-256 key exchange only: the server accepts it (no HelloRetryRequest).
      const { read, write } = await startTls(NAME, roots, rq.read.bind(rq), (d) => socket.write(d));
      const inbox = new Inbox(read);
      return {
        resumed: false,
        async write(bytes) {
          await write(bytes);
          if (socket.writableNeedDrain) await once(socket, 'drain');
        },
        flush: async () => undefined,
        readBytes: (n) => inbox.readBytes(n),
        readLine: () => inbox.readLine(),
        async close() {
          // subtls sends no close_notify.
          socket.end();
          await once(socket, 'close');
        },
      };
    },
  };
}

// ---------------------------------------------------------------- @reclaimprotocol/tls

async function reclaim(cryptoName, { ca }) {
  const lib = await import('@reclaimprotocol/tls');
  const impl =
    cryptoName === 'webcrypto'
      ? (await import('@reclaimprotocol/tls/webcrypto')).webcryptoCrypto
      : (await import('@reclaimprotocol/tls/purejs-crypto')).pureJsCrypto;
  lib.setCryptoImplementation(impl);
  const roots = ca
    .split(/(?=-----BEGIN CERTIFICATE-----)/)
    .filter((p) => p.includes('BEGIN CERTIFICATE'))
    .map((p) => lib.loadX509FromPem(p));
  const quiet = { info() {}, debug() {}, trace() {}, warn() {}, error() {} };
  let ticket = null;
  return {
    unsupported: (kase, suite) => (OPENSSL_TLS12[suite] ? 'run with TLS 1.3 only here' : null),
    async connect({ port, suite, resume }) {
      const socket = await dial(port);
      const q = pushQueue();
      let handshake;
      const done = new Promise((resolve, reject) => (handshake = { resolve, reject }));
      let tlsClient = null;
      const client = lib.makeTLSClient({
        host: NAME,
        rootCAs: roots,
        cipherSuites: [suite],
        namedCurves: ['X25519'],
        supportedProtocolVersions: ['TLS1_3'],
        logger: quiet,
        write({ header, content }) {
          socket.write(header);
          socket.write(content);
        },
        onHandshake: () => handshake.resolve(),
        onApplicationData: (d) => q.push(d),
        onSessionTicket: resume
          ? (t) => {
              ticket = tlsClient.getPskFromTicket(t);
            }
          : undefined,
        onTlsEnd: (err) => {
          q.end();
          if (err) handshake.reject(err);
        },
      });
      tlsClient = client;
      socket.on('data', (d) => void client.handleReceivedBytes(new Uint8Array(d)));
      socket.on('close', () => q.end());
      const psk = resume && ticket ? await ticket : undefined;
      await client.startHandshake(psk ? { psk } : undefined);
      await done;
      const inbox = new Inbox(() => q.next());
      return {
        resumed: !!psk,
        async write(bytes) {
          await client.write(bytes);
          if (socket.writableNeedDrain) await once(socket, 'drain');
        },
        flush: async () => undefined,
        readBytes: (n) => inbox.readBytes(n),
        readLine: () => inbox.readLine(),
        async close() {
          await client.end().catch(() => undefined);
          socket.end();
          if (!socket.closed) await once(socket, 'close');
        },
      };
    },
  };
}

export const IMPLS = {
  'puretls-noble': (o) => puretls('noble', o),
  'puretls-webcrypto': (o) => puretls('webcrypto', o),
  'puretls-node': (o) => puretls('node', o),
  'node-tls': nodeTls,
  subtls,
  'reclaim-webcrypto': (o) => reclaim('webcrypto', o),
  'reclaim-purejs': (o) => reclaim('purejs', o),
};

export function makeClient(impl, options) {
  const f = IMPLS[impl];
  if (!f) throw new Error(`unknown client ${impl}`);
  return f(options);
}
