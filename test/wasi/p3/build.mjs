#!/usr/bin/env node
// Builds the wasi:tls 0.3 test guest with componentize-qjs (seconds) and
// transpiles it with jco into test/wasi/.build/p3-js. Prints a JSON line.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentize } from 'componentize-qjs';
import { transpile } from '@bytecodealliance/jco-transpile';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(HERE, '..', '.build');
const GUEST = path.join(HERE, 'guest.js');

let t = performance.now();
const { component } = await componentize({
  witPath: path.join(HERE, 'wit'),
  jsSource: await readFile(GUEST, 'utf8'),
  jsPath: GUEST,
  world: 'guest',
});
await mkdir(OUT, { recursive: true });
const wasm = path.join(OUT, 'p3-guest.wasm');
await writeFile(wasm, component);
const componentizeMs = Math.round(performance.now() - t);

t = performance.now();
const jsDir = path.join(OUT, 'p3-js');
const { files } = await transpile(wasm, {
  name: 'guest',
  outDir: jsDir,
  map: {
    'wasi:tls/client@0.3.0-draft': '../../p3/host.mjs#client',
    'wasi:tls/types@0.3.0-draft': '../../p3/host.mjs#types',
  },
});
await rm(jsDir, { recursive: true, force: true });
for (const [file, bytes] of Object.entries(files)) {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(path.resolve(file), bytes);
}
console.log(JSON.stringify({ wasm, size: component.byteLength, componentizeMs, transpileMs: Math.round(performance.now() - t) }));
