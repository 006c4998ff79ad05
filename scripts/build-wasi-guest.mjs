#!/usr/bin/env node
/**
 * Builds the wasi:tls test guest (test/wasi/guest/guest.js + test/wasi/wit)
 * into a WebAssembly component with componentize-js, then transpiles it
 * with jco so Node can run it with puretls supplying wasi:tls.
 *
 *   node scripts/build-wasi-guest.mjs [--force] [--update-committed] [--out DIR] [--host SPECIFIER]
 *
 * componentize takes 1-4 minutes of CPU, so a built guest is committed as
 * test/wasi/guest/guest.wasm.gz (~4 MB; guest.wasm.json records the hash of
 * the inputs it was built from). While the inputs match, that copy is used;
 * after an edit the guest is rebuilt, and `--update-committed` (npm run
 * build:wasi-guest) refreshes the committed copy. Builds are not
 * byte-identical (componentize embeds a random temp path), only equivalent.
 *
 * Output (DIR defaults to test/wasi/.build):
 *   DIR/guest.wasm       the component (~12 MB)
 *   DIR/guest-js/        `jco transpile` output; imports wasi:tls/types from SPECIFIER
 *   DIR/guest.json       what DIR holds, so unchanged work is skipped
 *
 * SPECIFIER defaults to '../dist/wasi/index.js#types', a puretls build
 * compiled into DIR/dist (the test runs `tsc --outDir DIR/dist`).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GUEST_DIR = path.join(ROOT, 'test', 'wasi', 'guest');
const GUEST = path.join(GUEST_DIR, 'guest.js');
const COMMITTED = path.join(GUEST_DIR, 'guest.wasm.gz');
const COMMITTED_META = path.join(GUEST_DIR, 'guest.wasm.json');
const WIT = path.join(ROOT, 'test', 'wasi', 'wit');
const WORLD = 'guest';

function parseArgs(argv) {
  const args = {
    force: false,
    updateCommitted: false,
    out: path.join(ROOT, 'test', 'wasi', '.build'),
    host: '../dist/wasi/index.js#types',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--force') args.force = true;
    else if (a === '--update-committed') args.updateCommitted = true;
    else if (a === '--out') args.out = path.resolve(argv[++i]);
    else if (a === '--host') args.host = argv[++i];
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

async function listWit(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listWit(p)));
    else if (entry.name.endsWith('.wit')) out.push(p);
  }
  return out.sort();
}

async function packageVersion(name) {
  // The package's exports hide package.json; find it above the entry point.
  let dir = path.dirname(fileURLToPath(import.meta.resolve(name)));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')).version;
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** What the component depends on: the sources and the componentize-js version. */
async function inputHash() {
  const h = createHash('sha256');
  for (const file of [GUEST, ...(await listWit(WIT))]) {
    // Line endings and comments are hashed too: harmless, and simpler than parsing.
    h.update(path.relative(ROOT, file).split(path.sep).join('/')).update('\0');
    h.update((await readFile(file, 'utf8')).replace(/\r\n/g, '\n')).update('\0');
  }
  h.update(`componentize-js ${await packageVersion('@bytecodealliance/componentize-js')}`);
  return h.digest('hex');
}

async function readJson(file) {
  return existsSync(file) ? JSON.parse(await readFile(file, 'utf8')) : null;
}

async function componentizeGuest() {
  // componentize-js reads the WIT through preview2-shim's filesystem, which
  // starts with no preopened directories: without this it sees no files.
  const { _setPreopens } = await import('@bytecodealliance/preview2-shim/filesystem');
  _setPreopens({ '/': '/' });
  const { componentize } = await import('@bytecodealliance/componentize-js');
  const { component } = await componentize({ sourcePath: GUEST, witPath: WIT, worldName: WORLD });
  return component;
}

async function transpileGuest(wasmFile, outDir, host) {
  const { transpile } = await import('@bytecodealliance/jco-transpile');
  const { files } = await transpile(wasmFile, { name: 'guest', outDir, map: { 'wasi:tls/types@0.2.0-draft': host } });
  await rm(outDir, { recursive: true, force: true });
  for (const [file, bytes] of Object.entries(files)) {
    const target = path.resolve(file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, bytes);
  }
}

export async function buildGuest({ force = false, updateCommitted = false, out, host }) {
  const wasmFile = path.join(out, 'guest.wasm');
  const jsDir = path.join(out, 'guest-js');
  const metaFile = path.join(out, 'guest.json');
  const hash = await inputHash();
  const local = await readJson(metaFile);
  const committed = await readJson(COMMITTED_META);
  const timings = {};
  await mkdir(out, { recursive: true });

  let source;
  let started = performance.now();
  if (!force && !updateCommitted && local?.hash === hash && existsSync(wasmFile)) {
    source = 'cached';
  } else if (!force && !updateCommitted && committed?.hash === hash && existsSync(COMMITTED)) {
    const wasm = gunzipSync(await readFile(COMMITTED));
    if (sha256(wasm) !== committed.sha256) throw new Error(`${COMMITTED} does not match ${COMMITTED_META}`);
    await writeFile(wasmFile, wasm);
    source = 'committed';
  } else {
    const wasm = await componentizeGuest();
    timings.componentizeMs = Math.round(performance.now() - started);
    await writeFile(wasmFile, wasm);
    source = 'built';
    if (updateCommitted) {
      await writeFile(COMMITTED, gzipSync(wasm, { level: 9 }));
      const meta = {
        hash,
        sha256: sha256(wasm),
        size: wasm.byteLength,
        componentizeJs: await packageVersion('@bytecodealliance/componentize-js'),
        componentizeMs: timings.componentizeMs,
      };
      await writeFile(COMMITTED_META, `${JSON.stringify(meta, null, 2)}\n`);
    }
  }
  started = performance.now();
  if (source !== 'cached' || local?.host !== host || !existsSync(path.join(jsDir, 'guest.js'))) {
    await transpileGuest(wasmFile, jsDir, host);
    timings.transpileMs = Math.round(performance.now() - started);
  }
  await writeFile(metaFile, `${JSON.stringify({ hash, host }, null, 2)}\n`);
  return { wasm: wasmFile, js: path.join(jsDir, 'guest.js'), source, timings };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await buildGuest(parseArgs(process.argv.slice(2)));
  console.log(JSON.stringify(result));
}
