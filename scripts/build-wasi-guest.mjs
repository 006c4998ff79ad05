#!/usr/bin/env node
/**
 * Builds the wasi:tls test guest (test/wasi/guest/guest.js + test/wasi/wit)
 * into a WebAssembly component with componentize-js, then transpiles it
 * with jco so Node can run it with puretls supplying wasi:tls.
 *
 *   node scripts/build-wasi-guest.mjs [--force] [--out DIR] [--host SPECIFIER]
 *
 * Output (DIR defaults to test/wasi/.build):
 *   DIR/guest.wasm       the component (~12 MB; componentize takes 1-3 minutes)
 *   DIR/guest-js/        `jco transpile` output; imports wasi:tls/types from SPECIFIER
 *   DIR/guest.json       hash of the inputs, so an unchanged guest is not rebuilt
 *
 * SPECIFIER defaults to '../dist/wasi/index.js#types', i.e. a puretls build
 * compiled into DIR/dist (the test does `tsc --outDir DIR/dist`).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GUEST = path.join(ROOT, 'test', 'wasi', 'guest', 'guest.js');
const WIT = path.join(ROOT, 'test', 'wasi', 'wit');
const WORLD = 'guest';

function parseArgs(argv) {
  const args = { force: false, out: path.join(ROOT, 'test', 'wasi', '.build'), host: '../dist/wasi/index.js#types' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--force') args.force = true;
    else if (a === '--out') args.out = path.resolve(argv[++i]);
    else if (a === '--host') args.host = argv[++i];
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

async function listFiles(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(p)));
    else if (entry.name.endsWith('.wit')) out.push(p);
  }
  return out.sort();
}

async function toolVersion(name) {
  // The package's exports hide package.json; find it next to the entry point.
  let dir = path.dirname(fileURLToPath(import.meta.resolve(name)));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')).version;
}

/** What the component depends on: the sources and the tool versions. */
async function inputHash() {
  const h = createHash('sha256');
  for (const file of [GUEST, ...(await listFiles(WIT))]) {
    h.update(path.relative(ROOT, file)).update('\0').update(await readFile(file)).update('\0');
  }
  h.update(`componentize-js ${await toolVersion('@bytecodealliance/componentize-js')}`);
  return h.digest('hex');
}

async function componentizeGuest(outFile) {
  // componentize-js reads the WIT through preview2-shim's filesystem, which
  // starts with no preopened directories: without this it sees no files.
  const { _setPreopens } = await import('@bytecodealliance/preview2-shim/filesystem');
  _setPreopens({ '/': '/' });
  const { componentize } = await import('@bytecodealliance/componentize-js');
  const { component } = await componentize({ sourcePath: GUEST, witPath: WIT, worldName: WORLD });
  await writeFile(outFile, component);
  return component.byteLength;
}

async function transpileGuest(wasmFile, outDir, host) {
  const { transpile } = await import('@bytecodealliance/jco-transpile');
  const { files } = await transpile(wasmFile, {
    name: 'guest',
    outDir,
    map: { 'wasi:tls/types@0.2.0-draft': host },
  });
  await rm(outDir, { recursive: true, force: true });
  for (const [file, bytes] of Object.entries(files)) {
    const target = path.resolve(file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, bytes);
  }
}

export async function buildGuest({ force = false, out, host }) {
  const wasm = path.join(out, 'guest.wasm');
  const js = path.join(out, 'guest-js');
  const meta = path.join(out, 'guest.json');
  const hash = await inputHash();
  const previous = existsSync(meta) ? JSON.parse(await readFile(meta, 'utf8')) : null;
  const timings = {};
  await mkdir(out, { recursive: true });

  let started = performance.now();
  const fresh = !force && previous?.hash === hash && existsSync(wasm);
  if (!fresh) {
    const size = await componentizeGuest(wasm);
    timings.componentizeMs = Math.round(performance.now() - started);
    timings.size = size;
  }
  started = performance.now();
  if (!fresh || previous?.host !== host || !existsSync(path.join(js, 'guest.js'))) {
    await transpileGuest(wasm, js, host);
    timings.transpileMs = Math.round(performance.now() - started);
  }
  await writeFile(meta, JSON.stringify({ hash, host, ...(fresh ? previous.timings && { timings: previous.timings } : { timings }) }, null, 2));
  return { wasm, js: path.join(js, 'guest.js'), cached: fresh, timings };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2));
  const result = await buildGuest(args);
  console.log(JSON.stringify(result));
}
