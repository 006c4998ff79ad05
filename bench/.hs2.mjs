import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
const ROOT = process.env.ROOT;
const fixtures = "/work/main/test/fixtures/generated";
const srv = spawn(process.execPath, [ROOT + '/bench/server.js', fixtures], { stdio: ['pipe', 'pipe', 'inherit'] });
const ports = await new Promise((res) => { let b=''; srv.stdout.on('data', d => { b+=d; if (b.includes('\n')) res(JSON.parse(b).ports); }); });
const { makeClient } = await import(ROOT + '/bench/adapters.js');
const ca = readFileSync(fixtures + '/trusted-roots.pem', 'utf8');
const impl = process.argv[2] ?? 'puretls-webcrypto';
const chain = process.argv[3] ?? 'ecdsa';
const n = Number(process.argv[4] ?? 30);
const client = await makeClient(impl, { ca });
const port = ports[`${chain}/TLS_AES_128_GCM_SHA256`];
const times = [];
for (let i = 0; i < n; i++) {
  const t = performance.now(); const c0 = process.cpuUsage();
  const conn = await client.connect({ port, suite: 'TLS_AES_128_GCM_SHA256' });
  const cu = process.cpuUsage(c0);
  times.push([performance.now() - t, (cu.user + cu.system) / 1000]);
  await conn.write(Buffer.from('P\n')); await conn.readLine(); await conn.close();
}
times.sort((a,b)=>a[1]-b[1]);
console.log(impl, chain, 'median cpu', times[n>>1][1].toFixed(2), 'lat', times.map(t=>t[0]).sort((a,b)=>a-b)[n>>1].toFixed(2));
srv.kill();
