// Runs inside QuickJS (quickjs-emscripten): no WebCrypto, no streams, no
// sockets, no TextEncoder, no timers. puretls is the published browser build
// (a module named ./puretls.js); the host (test/runtimes/quickjs.test.ts)
// moves every byte and supplies entropy through `host`:
//   host.random(n) -> ArrayBuffer      host.send(id, ArrayBuffer)
//   host.data(id, ArrayBuffer)         host.event(id, json)
import { ClientConnection, Connector, clientConfig, missingRuntimeFeatures, selectProvider } from './puretls.js';

const conns = new Map();
const copy = (bytes) => bytes.slice().buffer;
const random = (n) => new Uint8Array(host.random(n));
const emit = (id, event) => host.event(id, JSON.stringify(event));
const failure = (e) => ({ code: e?.code ?? null, message: String(e?.message ?? e), isTlsError: e?.name === 'TlsError' });

/** What the engine has and lacks, as puretls sees it. */
function features() {
  return JSON.stringify({
    missingWithoutRandom: missingRuntimeFeatures(),
    missingWithRandom: missingRuntimeFeatures(random),
    globals: Object.fromEntries(
      ['crypto', 'ReadableStream', 'TextEncoder', 'TextDecoder', 'setTimeout', 'WebSocket', 'fetch'].map((g) => [g, typeof globalThis[g]]),
    ),
    autoProvider: selectProvider('auto').name,
  });
}

/** Opens connection `id`; `o`: { serverName, ca, noRandom, groups, crypto }. Construction errors are reported, not thrown. */
function open(id, json) {
  const o = JSON.parse(json);
  let conn;
  try {
    const config = clientConfig(
      { ca: o.ca, crypto: o.crypto ?? 'auto', groups: o.groups, ...(o.noRandom ? {} : { random }) },
      o.serverName,
    );
    conn = new ClientConnection(config, {
      send: (d) => host.send(id, copy(d)),
      data: (d) => host.data(id, copy(d)),
      handshakeComplete: (info) => {
        const { peerCertificates, trustAnchor, ...rest } = info;
        emit(id, { type: 'connected', info: { ...rest, chainLength: peerCertificates.length, anchor: trustAnchor?.subject ?? null } });
      },
      peerClosed: () => emit(id, { type: 'peerClosed' }),
    });
  } catch (e) {
    emit(id, { type: 'error', at: 'construction', ...failure(e) });
    return;
  }
  conns.set(id, conn);
  conn.start().catch((e) => emit(id, { type: 'error', at: 'handshake', ...failure(e) }));
}

const run = (id, op) => {
  const conn = conns.get(id);
  op(conn).catch((e) => emit(id, { type: 'error', at: 'io', ...failure(e) }));
};

/** Builds a Connector (needs WHATWG streams): reports the construction error. */
function connector() {
  try {
    new Connector({ random });
    return JSON.stringify({ ok: true });
  } catch (e) {
    return JSON.stringify({ ok: false, ...failure(e) });
  }
}

/** Constructs a ClientConnection with the global `name` hidden (after the config is built). */
function without(name, json) {
  const o = JSON.parse(json);
  const config = clientConfig({ ca: o.ca, random }, o.serverName);
  const saved = globalThis[name];
  delete globalThis[name];
  try {
    new ClientConnection(config, { send() {}, data() {}, handshakeComplete() {}, peerClosed() {} });
    return JSON.stringify({ ok: true });
  } catch (e) {
    return JSON.stringify({ ok: false, ...failure(e) });
  } finally {
    globalThis[name] = saved;
  }
}

globalThis.guest = {
  features,
  open,
  connector,
  without,
  receive: (id, buf) => run(id, (c) => c.receive(new Uint8Array(buf))),
  write: (id, buf) => run(id, (c) => c.write(new Uint8Array(buf))),
  close: (id) => run(id, (c) => c.close()),
};
