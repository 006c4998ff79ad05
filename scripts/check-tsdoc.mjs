#!/usr/bin/env node
// Issue 7: every exported declaration in src/**/*.ts must carry a TSDoc block.
//
// A declaration counts as documented only when the line right above it closes a
// `/** ... */` block (no blank line in between; `//` and `/* */` comments do not
// count). Re-exports (`export { ... }`, `export * from`) are not declarations and
// are skipped; class members are not required to have TSDoc.
//
// Usage: node scripts/check-tsdoc.mjs   (exit 1 and a list when anything is missing)
// test/docs/tsdoc.test.ts imports findUndocumented() from here.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// Top-level exported declarations (column 0). The name is captured where there is one.
const DECLARATION =
  /^export\s+(?:declare\s+)?(?:default\b(?:\s+(?:abstract\s+)?(?:async\s+)?(?:class|function\*?|interface)\s*([A-Za-z_$][\w$]*)?)?|(?:async\s+)?function\*?\s*([A-Za-z_$][\w$]*)|(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)|(?:const\s+enum|enum)\s+([A-Za-z_$][\w$]*)|(?:const|let|var)\s+([A-Za-z_$][\w$]*)|interface\s+([A-Za-z_$][\w$]*)|type\s+([A-Za-z_$][\w$]*)|namespace\s+([A-Za-z_$][\w$]*))/;

function listSourceFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSourceFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

/**
 * For each line, whether it starts in ordinary code (not inside a block comment,
 * string or template literal). Keeps text such as a template literal that holds
 * a line beginning with "export" from being taken for a declaration.
 */
function codeLineStarts(text) {
  const starts = [true];
  // Stack of contexts: 'code' | 'template' | 'block' | '"' | "'" | 'regex'; braces count nested `${ }`.
  const stack = [{ kind: 'code', braces: 0 }];
  let lastSignificant = ''; // last non-space character seen in code, for the regex heuristic
  let lastWord = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const next = text[i + 1];
    const top = stack[stack.length - 1];
    if (ch === '\n') {
      if (top.kind === '"' || top.kind === "'" || top.kind === 'regex') stack.pop(); // unterminated: recover
      if (top.kind === 'line') stack.pop();
      starts.push(stack[stack.length - 1].kind === 'code' && stack.length === 1);
      continue;
    }
    switch (top.kind) {
      case 'line':
        break;
      case 'block':
        if (ch === '*' && next === '/') { stack.pop(); i++; }
        break;
      case '"':
      case "'":
        if (ch === '\\') i++;
        else if (ch === top.kind) stack.pop();
        break;
      case 'regex':
        if (ch === '\\') i++;
        else if (ch === '[') top.inClass = true;
        else if (ch === ']') top.inClass = false;
        else if (ch === '/' && !top.inClass) { stack.pop(); lastSignificant = 'a'; }
        break;
      case 'template':
        if (ch === '\\') i++;
        else if (ch === '`') { stack.pop(); lastSignificant = 'a'; }
        else if (ch === '$' && next === '{') { stack.push({ kind: 'code', braces: 0 }); i++; lastSignificant = '{'; }
        break;
      case 'code': {
        if (ch === '/' && next === '/') { stack.push({ kind: 'line' }); i++; break; }
        if (ch === '/' && next === '*') { stack.push({ kind: 'block' }); i++; break; }
        if (ch === '"' || ch === "'") { stack.push({ kind: ch }); lastSignificant = 'a'; break; }
        if (ch === '`') { stack.push({ kind: 'template' }); break; }
        if (ch === '/') {
          const regexAllowed =
            lastSignificant === '' || '(,=:[!&|?{};+-*%<>~^'.includes(lastSignificant) ||
            ['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'void', 'yield', 'await'].includes(lastWord);
          if (regexAllowed) { stack.push({ kind: 'regex', inClass: false }); break; }
        }
        if (ch === '{') top.braces++;
        if (ch === '}') {
          if (top.braces === 0 && stack.length > 1) { stack.pop(); break; } // end of `${ }`
          top.braces--;
        }
        if (/\s/.test(ch)) break;
        if (/[\w$]/.test(ch)) {
          lastWord = /[\w$]/.test(lastSignificant) && lastSignificant !== '' ? lastWord + ch : ch;
        } else {
          lastWord = '';
        }
        lastSignificant = ch;
        break;
      }
    }
  }
  return starts;
}

/** Whether the line just above `index` closes a TSDoc block (`/** ... *\/`) that starts its own line. */
function hasTsDocAbove(lines, index) {
  const above = index - 1;
  if (above < 0 || !lines[above].trimEnd().endsWith('*/')) return false;
  for (let j = above; j >= 0; j--) {
    const line = lines[j];
    // The closing "*/" on the line above is the last one; any opener must come before it.
    const limit = j === above ? line.lastIndexOf('*/') : line.length;
    const open = line.lastIndexOf('/*', limit - 1);
    if (open !== -1) {
      // The block must start its line (no code before it) and be a /** block.
      return line.slice(0, open).trim() === '' && line.startsWith('/**', open) && !line.startsWith('/**/', open);
    }
    if (j !== above && line.includes('*/')) return false; // an earlier comment's end: no opener found
  }
  return false;
}

/**
 * Every exported declaration in src/**\/*.ts without a TSDoc block right above it.
 * @returns entries like `src/codec.ts:12 encodeFoo`, sorted by file then line.
 */
export function findUndocumented(root = ROOT) {
  const srcDir = join(root, 'src');
  const missing = [];
  for (const file of listSourceFiles(srcDir)) {
    const text = readFileSync(file, 'utf8');
    const lines = text.split(/\r?\n/);
    const inCode = codeLineStarts(text);
    const rel = relative(root, file).split(sep).join('/');
    let previousOverload = null; // name of an overload signature on the line above
    for (let i = 0; i < lines.length; i++) {
      const m = inCode[i] ? DECLARATION.exec(lines[i]) : null;
      if (!m) { previousOverload = null; continue; }
      const name = m.slice(1).find((g) => g !== undefined) ?? 'default';
      const isOverloadOfAbove = previousOverload !== null && previousOverload === name;
      if (!isOverloadOfAbove && !hasTsDocAbove(lines, i)) missing.push(`${rel}:${i + 1} ${name}`);
      // `export function f(...): T;` is an overload signature; later signatures share its doc.
      previousOverload = /^export\s+(?:declare\s+)?(?:async\s+)?function\b.*\)\s*(?::[^{]*)?;\s*$/.test(lines[i]) ? name : null;
    }
  }
  return missing;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const missing = findUndocumented();
  if (missing.length > 0) {
    console.error(`${missing.length} exported declaration(s) without TSDoc:`);
    for (const entry of missing) console.error(`  ${entry}`);
    process.exit(1);
  }
  console.log('check-tsdoc: every exported declaration in src/ has TSDoc.');
}
