// The benchmark's peer: Node's native TLS server (OpenSSL), TLS 1.3 only,
// one per certificate chain and cipher suite, plus one pinned to TLS 1.2
// (ECDSA chain, ECDHE-ECDSA-AES128-GCM-SHA256), in its own process so its CPU is not
// counted against the client. Prints {"ports": {...}} once listening.
//
// Protocol on every connection, one command line then data:
//   "P\n"      -> "P\n"                 (ping: flushes tickets, proves the connection)
//   "D <n>\n"  -> n bytes               (download)
//   "U <n>\n"  -> reads n bytes, "K\n"  (upload)
// anything else: the connection stays idle until the client closes it.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';

const dir = process.argv[2];
const SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
/** TLS 1.2 suites by IANA name: OpenSSL's name, and the chain they need. */
const TLS12 = { TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: { openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256', chain: 'ecdsa' } };
const CHAINS = { ecdsa: 'server-p256', rsa: 'server-rsa-chain' };
const BLOCK = Buffer.alloc(64 * 1024, 0x61);

function serve(socket) {
  let head = Buffer.alloc(0);
  let mode = null;
  let remaining = 0;
  socket.on('error', () => socket.destroy());
  const command = (buf) => {
    head = Buffer.concat([head, buf]);
    const nl = head.indexOf(10);
    if (nl < 0) return;
    const [cmd, arg] = head.subarray(0, nl).toString().split(' ');
    const rest = head.subarray(nl + 1);
    head = Buffer.alloc(0);
    if (cmd === 'P') {
      socket.write('P\n');
      if (rest.length) command(rest);
    } else if (cmd === 'D') {
      mode = 'D';
      let left = Number(arg);
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, BLOCK.length);
          left -= n;
          if (!socket.write(n === BLOCK.length ? BLOCK : BLOCK.subarray(0, n))) {
            socket.once('drain', pump);
            return;
          }
        }
        mode = null;
      };
      pump();
    } else if (cmd === 'U') {
      mode = 'U';
      remaining = Number(arg);
      if (rest.length) upload(rest);
      else if (remaining <= 0) upload(Buffer.alloc(0));
    } else {
      mode = 'idle';
    }
  };
  const upload = (chunk) => {
    remaining -= chunk.length;
    if (remaining <= 0) {
      mode = null;
      socket.write('K\n');
    }
  };
  socket.on('data', (chunk) => {
    if (mode === 'U') upload(chunk);
    else if (mode === null) command(chunk);
  });
}

const ports = {};
const servers = [];
for (const [chain, name] of Object.entries(CHAINS)) {
  const cert = readFileSync(path.join(dir, `${name}.chain.pem`));
  const key = readFileSync(path.join(dir, `${name}.key.pem`));
  for (const suite of SUITES) {
    const server = tls.createServer(
      {
        cert,
        key,
        minVersion: 'TLSv1.3',
        maxVersion: 'TLSv1.3',
        ciphers: suite,
        // X25519 for everyone; P-256 for clients that only do P-256 (subtls).
        ecdhCurve: 'X25519:P-256',
      },
      serve,
    );
    server.on('tlsClientError', () => undefined);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    ports[`${chain}/${suite}`] = server.address().port;
    servers.push(server);
  }
}
for (const [suite, { openssl, chain }] of Object.entries(TLS12)) {
  const name = CHAINS[chain];
  const server = tls.createServer(
    {
      cert: readFileSync(path.join(dir, `${name}.chain.pem`)),
      key: readFileSync(path.join(dir, `${name}.key.pem`)),
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      ciphers: openssl,
      ecdhCurve: 'X25519:P-256',
    },
    serve,
  );
  server.on('tlsClientError', () => undefined);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  ports[`${chain}/${suite}`] = server.address().port;
  servers.push(server);
}
process.stdout.write(JSON.stringify({ ports }) + '\n');
// Ends with the parent.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
