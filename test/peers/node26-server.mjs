// A TLS 1.3 echo server for a *newer* Node binary than the one running the
// tests (Node 26 ships OpenSSL 3.5, which has X25519MLKEM768). Plain JS so any
// Node can run it. Spawned by node26-server.ts; talks JSON lines on stdout:
//   {"event":"listening","port":N}
//   {"event":"keylog","line":"CLIENT_HANDSHAKE_TRAFFIC_SECRET ..."}
//   {"event":"secure","id":N,"protocol":"TLSv1.3","cipher":"...","alpn":...}
//   {"event":"end","id":N,"bytes":N}            (client ended its side)
//   {"event":"tlsClientError","message":"...","code":"..."}
// argv[2]: JSON {cert, key, ecdhCurve?, host?, alpn?} (cert/key are file paths).
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

const opts = JSON.parse(process.argv[2] ?? '{}');
const emit = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

const server = tls.createServer({
  cert: readFileSync(opts.cert),
  key: readFileSync(opts.key),
  minVersion: 'TLSv1.3',
  maxVersion: 'TLSv1.3',
  ...(opts.ecdhCurve ? { ecdhCurve: opts.ecdhCurve } : {}),
  ...(opts.alpn ? { ALPNProtocols: opts.alpn } : {}),
});
let next = 0;
server.on('keylog', (line) => emit({ event: 'keylog', line: line.toString('latin1').trim() }));
server.on('tlsClientError', (err) => emit({ event: 'tlsClientError', message: err.message, code: err.code }));
server.on('secureConnection', (socket) => {
  const id = next++;
  let bytes = 0;
  emit({
    event: 'secure',
    id,
    protocol: socket.getProtocol(),
    cipher: socket.getCipher().standardName ?? socket.getCipher().name,
    alpn: socket.alpnProtocol,
    node: process.versions.node,
    openssl: process.versions.openssl,
  });
  socket.on('data', (d) => {
    bytes += d.length;
  });
  socket.on('end', () => emit({ event: 'end', id, bytes }));
  socket.on('error', (e) => emit({ event: 'socketError', id, message: e.message }));
  socket.pipe(socket);
});
server.listen(0, opts.host ?? '127.0.0.1', () => emit({ event: 'listening', port: server.address().port }));
process.on('SIGTERM', () => process.exit(0));
