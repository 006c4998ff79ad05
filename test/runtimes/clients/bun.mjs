// Bun: puretls/node over Bun's node:net, and the connector over the same
// socket as WHATWG streams (Duplex.toWeb + connectStreams from `puretls`).
// Args: HOST PORT CA_FILE WRONG_CA_FILE.
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { Duplex } from 'node:stream';
import { connectStreams, selectProvider } from 'puretls';
import { connect } from 'puretls/node';
import { attempt, exchange, report, summary } from './common.mjs';

const [host, portText, caFile, wrongCaFile] = process.argv.slice(2);
const port = Number(portText);
const ca = readFileSync(caFile, 'utf8');
const wrongCa = readFileSync(wrongCaFile, 'utf8');

async function overNodeNet(options) {
  const conn = await connect({ host, port, servername: 'localhost', sessions: false, ...options });
  return { info: summary(conn.info), reply: await exchange(conn), provider: selectProvider(options.crypto).name };
}

const results = [];
results.push(await attempt('node-net/auto', () => overNodeNet({ ca })));
results.push(await attempt('node-net/noble', () => overNodeNet({ ca, crypto: 'noble' })));
results.push(await attempt('node-net/wrong-ca', () => overNodeNet({ ca: wrongCa })));
// No ca: the bundled roots (puretls/roots/mozilla) are imported on demand; the test root is not among them.
results.push(await attempt('node-net/bundled-roots', () => overNodeNet({})));
results.push(
  await attempt('web-streams/auto', async () => {
    const socket = netConnect({ host, port });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const { readable, writable } = Duplex.toWeb(socket);
    const conn = await connectStreams({ readable, writable, close: () => socket.destroy() }, { serverName: 'localhost', ca, sessions: false });
    return { info: summary(conn.info), reply: await exchange(conn), provider: selectProvider('auto').name };
  }),
);
console.log(report('bun', Bun.version, results));
