#!/usr/bin/env node
// Bundles src/browser.ts (the engine + the WebSocket transport) into one ESM
// file for browsers, dist/browser/puretls.js (+ .map), and the bundled trust
// store into a second file next to it, dist/browser/puretls-mozilla-roots.js,
// that the first imports dynamically only when a connection has no `ca` or
// `roots` of its own (TrustStore.loadMozilla).
//
// Likewise src/wasi/browser.ts (puretls/wasi for pages: the wasi:tls 0.3 host
// and wasi:sockets over the relay) into dist/browser/puretls-wasi.js, with
// its own puretls-wasi-mozilla-roots.js.
//
//   node scripts/build-browser.mjs [--out FILE] [--wasi-out FILE] [--no-minify]
//     no --out / --wasi-out: both, into dist/browser; otherwise only those named
//
// Fails if anything in the import graph is a Node built-in, so a `node:`
// import that slips into the engine breaks the build, not a user's page; and
// if the output is anything but those two files (a third chunk would break a
// plain <script type="module"> copied as one file plus its roots). Fails too if
// the node crypto provider (src/crypto/node*.ts) got in: the package.json
// "browser" field maps it to nothing for browser bundlers.
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const argValue = (name) => (args.indexOf(name) >= 0 ? path.resolve(ROOT, args[args.indexOf(name) + 1]) : null);
const minify = !args.includes('--no-minify');
const named = { core: argValue('--out'), wasi: argValue('--wasi-out') };
const entries = [];
if (named.core || !named.wasi) entries.push({ input: 'src/browser.ts', outFile: named.core ?? path.join(ROOT, 'dist/browser/puretls.js') });
if (named.wasi || !named.core) entries.push({ input: 'src/wasi/browser.ts', outFile: named.wasi ?? path.join(ROOT, 'dist/browser/puretls-wasi.js') });
/** The roots' file name: the core's name + '-mozilla-roots.js'. */
export const ROOTS_SUFFIX = '-mozilla-roots.js';

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Refuses Node built-ins, naming the module that imported one. */
const noNodeBuiltins = {
  name: 'puretls-no-node-builtins',
  resolveId(source, importer) {
    if (source.startsWith('node:') || builtins.has(source)) {
      const from = importer ? path.relative(ROOT, importer) : '(entry)';
      throw new Error(`browser bundle: ${from} imports the Node built-in "${source}"`);
    }
    return null;
  },
};

const { readFileSync, statSync } = await import('node:fs');
for (const { input, outFile } of entries) {
  const started = Date.now();
  const outDir = path.dirname(outFile);
  const stem = path.basename(outFile, '.js');
  const result = await build({
    input: path.join(ROOT, input),
    platform: 'browser',
    // src/ imports siblings as './x.js' (NodeNext style) that exist as .ts.
    resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
    plugins: [noNodeBuiltins],
    logLevel: 'warn',
    output: {
      dir: outDir,
      entryFileNames: `${stem}.js`,
      chunkFileNames: `${stem}-[name].js`,
      format: 'esm',
      minify,
      sourcemap: true,
    },
  });
  const files = result.output.filter((o) => o.type === 'chunk').map((o) => o.fileName).sort();
  const expected = [`${stem}.js`, `${stem}${ROOTS_SUFFIX}`].sort();
  if (JSON.stringify(files) !== JSON.stringify(expected)) {
    throw new Error(`browser bundle: expected ${expected.join(' + ')}, got ${files.join(', ')}`);
  }
  const kib = (f) => (statSync(path.join(outDir, f)).size / 1024).toFixed(1);
  console.log(
    `built ${path.relative(ROOT, outFile)} (${kib(`${stem}.js`)} KiB${minify ? ', minified' : ''}) ` +
      `+ ${stem}${ROOTS_SUFFIX} (${kib(`${stem}${ROOTS_SUFFIX}`)} KiB, loaded on demand) in ${Date.now() - started} ms`,
  );
  // The source maps list every module the bundle holds.
  for (const f of expected) {
    const sources = JSON.parse(readFileSync(path.join(outDir, `${f}.map`), 'utf8')).sources;
    const nodeOnly = sources.filter((s) => /src\/crypto\/node[-.]/.test(s));
    if (nodeOnly.length) throw new Error(`browser bundle: ${f} holds the node crypto provider (${nodeOnly.join(', ')})`);
  }
}
