/**
 * docs/hostile.md carries the catalogue's tables; this keeps them equal to
 * the cases the tests run. PURETLS_UPDATE_DOCS=1 rewrites the section.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALL_CASES, catalogueMarkdown, END, START } from './doc.js';

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'hostile.md');

describe('docs/hostile.md', () => {
  it('lists every catalogue case, as the tests expect them', () => {
    const text = readFileSync(DOC, 'utf8');
    const a = text.indexOf(START);
    const b = text.indexOf(END);
    expect(a, 'catalogue markers').toBeGreaterThanOrEqual(0);
    const current = text.slice(a, b + END.length);
    const wanted = catalogueMarkdown();
    if (process.env.PURETLS_UPDATE_DOCS === '1' && current !== wanted) {
      writeFileSync(DOC, text.slice(0, a) + wanted + text.slice(b + END.length));
      return;
    }
    expect(current).toBe(wanted);
  });

  it('has at least 80 cases, all with distinct names', () => {
    expect(ALL_CASES.length).toBeGreaterThanOrEqual(80);
    expect(new Set(ALL_CASES.map((c) => c.name)).size).toBe(ALL_CASES.length);
  });
});
