import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
const ROOT = '/work/main';
const fixtures = ROOT + '/test/fixtures/generated';
const srv = spawn(process.execPath, [ROOT + '/bench/server.js', fixtures], { stdio: ['pipe', 'pipe', 'inherit'] });
const ports = await new Promise((res) => { let b=''; srv.stdout.on('data', d => { b+=d; if (b.includes('\n')) res(JSON.parse(b).ports); }); });
const { makeClient } = await import(ROOT + '/bench/adapters.js');
const ca = readFileSync(fixtures + '/trusted-roots.pem', 'utf8');
const [impl = 'puretls-webcrypto', dir = 'download', suite = 'TLS_AES_128_GCM_SHA256', mb = '16'] = process.argv.slice(2);
const client = await makeClient(impl, { ca });
const conn = await client.connect({ port: ports[`ecdsa/${suite}`], suite });
const size = Number(mb) << 20;
const chunk = new Uint8Array(65536).fill(1);
for (let rep = 0; rep < 3; rep++) {
  const t = performance.now(); const c0 = process.cpuUsage();
  if (dir === 'download') { await conn.write(Buffer.from(`D ${size}\n`)); await conn.readBytes(size); }
  else { await conn.write(Buffer.from(`U ${size}\n`)); for (let l = size; l > 0; l -= 65536) await conn.write(chunk); await conn.readLine(); }
  const cu = process.cpuUsage(c0); const ms = performance.now() - t;
  console.log(impl, dir, suite, (size / 1e6 / (ms / 1000)).toFixed(1), 'MB/s', 'cpu', ((cu.user + cu.system) / 1000 / ms * 100).toFixed(0) + '%');
}
await conn.close();
srv.kill();
