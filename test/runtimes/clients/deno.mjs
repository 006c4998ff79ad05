// Deno: puretls from its published entry points, over Deno's own TCP
// (Deno.connect, WHATWG streams: connectStreams) and over node:net
// (puretls/node). Args: HOST PORT CA_FILE WRONG_CA_FILE.
import { connectStreams, selectProvider } from 'puretls';
import { connect as nodeConnect } from 'puretls/node';
import { attempt, exchange, report, summary } from './common.mjs';

const [host, portText, caFile, wrongCaFile] = Deno.args;
const port = Number(portText);
const ca = await Deno.readTextFile(caFile);
const wrongCa = await Deno.readTextFile(wrongCaFile);

async function overDenoTcp(options) {
  const tcp = await Deno.connect({ hostname: host, port });
  const conn = await connectStreams(tcp, { serverName: 'localhost', sessions: false, ...options });
  return { info: summary(conn.info), reply: await exchange(conn), provider: selectProvider(options.crypto).name };
}

const results = [];
results.push(await attempt('deno-tcp/auto', () => overDenoTcp({ ca })));
results.push(await attempt('deno-tcp/noble', () => overDenoTcp({ ca, crypto: 'noble' })));
results.push(await attempt('deno-tcp/wrong-ca', () => overDenoTcp({ ca: wrongCa })));
// No ca: the bundled roots (puretls/roots/mozilla) are imported on demand; the test root is not among them.
results.push(await attempt('deno-tcp/bundled-roots', () => overDenoTcp({})));
results.push(
  await attempt('node-net/auto', async () => {
    const conn = await nodeConnect({ host, port, servername: 'localhost', ca, sessions: false });
    return { info: summary(conn.info), reply: await exchange(conn), provider: selectProvider('auto').name };
  }),
);
console.log(report('deno', Deno.version.deno, results));
