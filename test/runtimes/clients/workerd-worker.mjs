// A Cloudflare Worker (run by workerd): POST { port, mtlsPort, pqPort, ca,
// wrongCa, client: { chain, key }, pin } and it dials 127.0.0.1 with connect()
// from cloudflare:sockets, runs TLS with puretls (the published browser
// build, dist/browser/puretls.js, as a module) and answers with the report:
// the plain case, and what secureTransport: 'on' cannot do (a private CA, a
// client certificate, a pinned key, X25519MLKEM768).
import { connect } from 'cloudflare:sockets';
import { connectStreams, selectProvider, TrustStore } from './puretls.js';
import { attempt, exchange, summary } from './common.mjs';

async function overSocket(port, options) {
  const socket = connect({ hostname: '127.0.0.1', port });
  const conn = await connectStreams(socket, { serverName: 'localhost', sessions: false, ...options });
  return { info: summary(conn.info), reply: await exchange(conn), provider: selectProvider(options.crypto).name };
}

const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

/** Pinning on top of the default verification: the leaf certificate's SHA-256. */
const pinned = (pin) => async (ctx) => {
  await ctx.defaultVerify();
  const got = hex(await crypto.subtle.digest('SHA-256', ctx.chain[0]));
  if (got !== pin) throw new Error(`leaf SHA-256 ${got} is not the pinned ${pin}`);
};

export default {
  async fetch(request) {
    const { port, mtlsPort, pqPort, ca, wrongCa, client, pin } = await request.json();
    const results = [];
    results.push(await attempt('cf-sockets/auto', () => overSocket(port, { ca })));
    results.push(await attempt('cf-sockets/noble', () => overSocket(port, { ca, crypto: 'noble' })));
    results.push(await attempt('cf-sockets/wrong-ca', () => overSocket(port, { ca: wrongCa })));
    const mtls = { ca, clientCertificate: client, verify: pinned(pin) };
    results.push(await attempt('cf-sockets/mtls-pinned', () => overSocket(mtlsPort, mtls)));
    results.push(await attempt('cf-sockets/wrong-pin', () => overSocket(mtlsPort, { ...mtls, verify: pinned('00'.repeat(32)) })));
    results.push(await attempt('cf-sockets/no-client-cert', () => overSocket(mtlsPort, { ca })));
    results.push(await attempt('cf-sockets/mlkem', () => overSocket(pqPort, { ca, groups: ['X25519MLKEM768'] })));
    // No ca: the bundled roots are imported on demand (a second module) and do not know the test root.
    let loadedBefore = true;
    try {
      TrustStore.mozilla();
    } catch {
      loadedBefore = false;
    }
    const bundled = await attempt('cf-sockets/bundled-roots', () => overSocket(port, {}));
    results.push({ ...bundled, rootsLoadedBefore: loadedBefore, roots: TrustStore.mozilla().size });
    return Response.json({ runtime: 'workerd', version: navigator.userAgent, results });
  },
};
