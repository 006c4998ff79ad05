#!/usr/bin/env node
// Builds a wasi:tls 0.3 test guest with componentize-qjs (seconds) and
// transpiles it with jco. Prints a JSON line.
//
//   node test/wasi/p3/build.mjs
//     guest.js (world `guest`) into test/wasi/.build/p3-js, wasi:tls mapped to p3/host.mjs
//   node test/wasi/p3/build.mjs --world W --source FILE.js --out DIR [--map WIT=SPECIFIER#NAME ...]
//     any world of p3/wit; the maps replace the default ones
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { componentize } from 'componentize-qjs';
import { transpile } from '@bytecodealliance/jco-transpile';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    world: { type: 'string', default: 'guest' },
    source: { type: 'string', default: path.join(HERE, 'guest.js') },
    out: { type: 'string', default: path.join(HERE, '..', '.build', 'p3-js') },
    map: { type: 'string', multiple: true },
  },
});
const source = path.resolve(values.source);
const jsDir = path.resolve(values.out);
const map = values.map
  ? Object.fromEntries(values.map.map((m) => [m.slice(0, m.indexOf('=')), m.slice(m.indexOf('=') + 1)]))
  : {
      'wasi:tls/client@0.3.0-draft': '../../p3/host.mjs#client',
      'wasi:tls/types@0.3.0-draft': '../../p3/host.mjs#types',
    };

let t = performance.now();
const { component } = await componentize({
  witPath: path.join(HERE, 'wit'),
  jsSource: await readFile(source, 'utf8'),
  jsPath: source,
  world: values.world,
});
await mkdir(path.dirname(jsDir), { recursive: true });
const wasm = `${jsDir}.wasm`;
await writeFile(wasm, component);
const componentizeMs = Math.round(performance.now() - t);

t = performance.now();
const { files } = await transpile(wasm, { name: 'guest', outDir: jsDir, map });
await rm(jsDir, { recursive: true, force: true });
for (const [file, bytes] of Object.entries(files)) {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(path.resolve(file), bytes);
}
console.log(JSON.stringify({ wasm, size: component.byteLength, componentizeMs, transpileMs: Math.round(performance.now() - t) }));
