#!/usr/bin/env node
// Bundles src/browser.ts (the engine + the WebSocket transport) into one ESM
// file for browsers: dist/browser/puretls.js (+ .map).
//
//   node scripts/build-browser.mjs [--out FILE] [--no-minify]
//
// Fails if anything in the import graph is a Node built-in, so a `node:`
// import that slips into the engine breaks the build, not a user's page.
// Fails too if the node crypto provider (src/crypto/node*.ts) got in: the
// package.json "browser" field maps it to nothing for browser bundlers.
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outIdx = args.indexOf('--out');
const outFile = path.resolve(ROOT, outIdx >= 0 ? args[outIdx + 1] : 'dist/browser/puretls.js');
const minify = !args.includes('--no-minify');

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

const started = Date.now();
await build({
  input: path.join(ROOT, 'src/browser.ts'),
  platform: 'browser',
  // src/ imports siblings as './x.js' (NodeNext style) that exist as .ts.
  resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
  plugins: [noNodeBuiltins],
  logLevel: 'warn',
  output: { file: outFile, format: 'esm', minify, sourcemap: true },
});
const { readFileSync, statSync } = await import('node:fs');
// The source map lists every module the bundle holds.
const nodeOnly = JSON.parse(readFileSync(`${outFile}.map`, 'utf8')).sources.filter((s) => /src\/crypto\/node[-.]/.test(s));
if (nodeOnly.length) throw new Error(`browser bundle: holds the node crypto provider (${nodeOnly.join(', ')})`);
const kib = (statSync(outFile).size / 1024).toFixed(1);
console.log(`built ${path.relative(ROOT, outFile)} (${kib} KiB${minify ? ', minified' : ''}) in ${Date.now() - started} ms`);
