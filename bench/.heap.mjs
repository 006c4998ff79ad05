import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
const ROOT = process.env.ROOT ?? '/work/main';
const fixtures = '/work/main/test/fixtures/generated';
const srv = spawn(process.execPath, ['/work/main/bench/server.js', fixtures], { stdio: ['pipe', 'pipe', 'inherit'] });
const ports = await new Promise((res) => { let b=''; srv.stdout.on('data', d => { b+=d; if (b.includes('\n')) res(JSON.parse(b).ports); }); });
const { makeClient } = await import(ROOT + '/bench/adapters.js');
const ca = readFileSync(fixtures + '/trusted-roots.pem', 'utf8');
const impl = process.argv[2] ?? 'puretls-webcrypto';
const N = Number(process.argv[3] ?? 200);
const client = await makeClient(impl, { ca });
const port = ports['ecdsa/TLS_AES_128_GCM_SHA256'];
const open = async () => { const c = await client.connect({ port, suite: 'TLS_AES_128_GCM_SHA256' }); await c.write(Buffer.from('P\n')); await c.readLine(); await c.write(Buffer.from('I\n')); return c; };
(await open()).close();
const snap = () => { for (let i = 0; i < 3; i++) gc(); return JSON.parse(readFileSync(v8.writeHeapSnapshot('/tmp/pt/prof/h.heapsnapshot'), 'utf8')); };
function agg(s) {
  const f = s.snapshot.meta.node_fields, types = s.snapshot.meta.node_types[0];
  const n = f.length, out = new Map();
  for (let i = 0; i < s.nodes.length; i += n) {
    const type = types[s.nodes[i]], name = s.strings[s.nodes[i + 1]], size = s.nodes[i + 3];
    const key = type === 'object' || type === 'closure' ? `${type}:${name}` : type;
    const e = out.get(key) ?? [0, 0]; e[0]++; e[1] += size; out.set(key, e);
  }
  return out;
}
const a = agg(snap());
const conns = []; for (let i = 0; i < N; i++) conns.push(await open());
const b = agg(snap());
const rows = [];
for (const [k, [c, sz]] of b) { const [c0, s0] = a.get(k) ?? [0, 0]; rows.push([k, (c - c0) / N, (sz - s0) / N]); }
rows.sort((x, y) => y[2] - x[2]);
let tot = 0; for (const r of rows) tot += r[2];
console.log(impl, 'bytes/conn total', tot.toFixed(0));
for (const r of rows.slice(0, 45)) console.log(r[2].toFixed(0).padStart(7), r[1].toFixed(1).padStart(6), r[0]);
srv.kill(); process.exit(0);
