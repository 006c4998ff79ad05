#!/usr/bin/env node
// Sizes of the browser build: the core (puretls.js) and the trust store
// loaded on demand (puretls-mozilla-roots.js), minified and gzipped, against
// the core's budget; with --analyze, what the core is made of (bytes of the
// minified file per package or source file, from its source map).
//
//   node scripts/bundle-size.mjs [--dir dist/browser] [--analyze] [--json]
//
// Exits 1 when the core's gzipped size exceeds CORE_GZIP_BUDGET. CI
// (.ci/run) prints this after the build; test/bundle/size.test.ts checks the
// budget on a fresh build.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The core's budget: 100 KB (100,000 bytes) gzipped, level 9. */
export const CORE_GZIP_BUDGET = 100_000;
export const CORE_FILE = 'puretls.js';
export const ROOTS_FILE = 'puretls-mozilla-roots.js';

/** Raw and gzipped (level 9) sizes of one file. */
function sizes(file) {
  const bytes = readFileSync(file);
  return { file: path.basename(file), bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/** Sizes of the core and the roots in `dir`, and whether the core is within budget. */
export function measure(dir = path.join(ROOT, 'dist/browser')) {
  const core = sizes(path.join(dir, CORE_FILE));
  const roots = sizes(path.join(dir, ROOTS_FILE));
  return { core, roots, budget: CORE_GZIP_BUDGET, withinBudget: core.gzip <= CORE_GZIP_BUDGET };
}

// ------------------------------------------------------------ source-map analysis

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

/** Decodes one source-map segment (base64 VLQ, ECMA-426 §5) into its numbers. */
function decodeSegment(text) {
  const out = [];
  let value = 0;
  let shift = 0;
  for (const c of text) {
    const d = B64_INDEX.get(c);
    value += (d & 31) << shift;
    if (d & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/** A package name for a node_modules path, else the path under src/. */
export function owner(source) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  if (m) return m[1];
  const s = /(?:^|\/)(src\/.*)$/.exec(source);
  return s ? s[1] : source;
}

/**
 * Bytes of the minified file attributed to each package (node_modules) or
 * source file (src/), from the source map next to it; largest first.
 */
export function analyze(file) {
  const code = readFileSync(file, 'utf8');
  const map = JSON.parse(readFileSync(`${file}.map`, 'utf8'));
  const lines = code.split('\n');
  const bytes = new Map();
  let sourceIndex = 0;
  map.mappings.split(';').forEach((line, l) => {
    const text = lines[l] ?? '';
    let column = 0;
    const segs = line ? line.split(',').map(decodeSegment) : [];
    const starts = [];
    for (const seg of segs) {
      column += seg[0];
      if (seg.length > 1) sourceIndex += seg[1];
      starts.push({ column, source: seg.length > 1 ? map.sources[sourceIndex] : '(generated)' });
      // the other fields (line, column, name) are relative too but not needed here
    }
    starts.forEach((s, i) => {
      const end = i + 1 < starts.length ? starts[i + 1].column : text.length;
      const key = owner(s.source);
      bytes.set(key, (bytes.get(key) ?? 0) + (end - s.column));
    });
  });
  return [...bytes].map(([name, n]) => ({ name, bytes: n })).sort((a, b) => b.bytes - a.bytes);
}

// ------------------------------------------------------------ CLI

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const dirIdx = args.indexOf('--dir');
  const dir = path.resolve(ROOT, dirIdx >= 0 ? args[dirIdx + 1] : 'dist/browser');
  if (!existsSync(path.join(dir, CORE_FILE))) {
    console.error(`no ${CORE_FILE} in ${path.relative(ROOT, dir) || '.'}: run npm run build first`);
    process.exit(2);
  }
  const m = measure(dir);
  if (args.includes('--json')) {
    console.log(JSON.stringify({ ...m, analysis: args.includes('--analyze') ? analyze(path.join(dir, CORE_FILE)) : undefined }));
  } else {
    const row = (label, s, note) =>
      `  ${label.padEnd(24)} ${s.file.padEnd(26)} ${kib(s.bytes).padStart(10)} minified ${kib(s.gzip).padStart(10)} gzipped  ${note}`;
    console.log('browser bundle sizes (gzip -9):');
    console.log(row('core', m.core, `budget ${kib(m.budget)} (${m.budget} bytes): ${m.withinBudget ? 'ok' : 'OVER BUDGET'}`));
    console.log(row('trust store (on demand)', m.roots, 'fetched only by connections without ca/roots'));
    console.log(
      `  ${'core + trust store'.padEnd(24)} ${''.padEnd(26)} ${kib(m.core.bytes + m.roots.bytes).padStart(10)} minified ${kib(m.core.gzip + m.roots.gzip).padStart(10)} gzipped`,
    );
    if (args.includes('--analyze')) {
      console.log(`\nthe core by origin (bytes of the minified ${CORE_FILE}, from its source map):`);
      for (const { name, bytes } of analyze(path.join(dir, CORE_FILE)).slice(0, 40)) {
        console.log(`  ${kib(bytes).padStart(10)}  ${name}`);
      }
    }
  }
  if (!m.withinBudget) process.exit(1);
}
