#!/usr/bin/env node
// Runs the transpiled wasi:tls 0.3 guest once and prints a JSON line.
// jco's component-model-async glue needs JSPI (WebAssembly.Suspending): Node 26.
//   NODE26 test/wasi/p3/run.mjs PORT SERVER_NAME REQUEST CA_FILE
import { readFileSync } from 'node:fs';
import { configure } from '../.build/dist/wasi/index.js';

const [port, serverName, request, caFile] = process.argv.slice(2);
configure({ ca: readFileSync(caFile, 'utf8') });
const started = performance.now();
let line;
try {
  const { run } = await import('../.build/p3-js/guest.js');
  line = { ok: true, value: await run(Number(port), serverName, request) };
} catch (e) {
  line = { ok: false, error: e && typeof e === 'object' && 'payload' in e ? String(e.payload) : String(e) };
}
line.ms = Math.round(performance.now() - started);
process.stdout.write(`${JSON.stringify(line)}\n`);
process.exit(0);
