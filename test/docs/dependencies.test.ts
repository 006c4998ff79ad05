/**
 * Issue 11: every declared dependency is imported somewhere (src/, test/,
 * scripts/, bench/), except the few named here with the reason; and the
 * library never loads the Reflect polyfill @peculiar/x509 needs (only the
 * CLI's demo command, the test PKI script and test code do).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/run-cli.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Declared, never imported by our code, and why they stay. */
const NOT_IMPORTED: Readonly<Record<string, string>> = {
  typescript: 'the compiler (tsc) that builds dist/',
  vite: "vitest's required peer, pinned",
  '@types/node': 'types of the Node built-ins',
  '@bytecodealliance/preview3-shim': "imported by jco's generated glue for the wasi:tls 0.3 guest (test/wasi/p3)",
  deno: 'a runtime: test/runtimes/deno.test.ts runs its binary',
  bun: 'a runtime: test/runtimes/bun.test.ts runs its binary',
  workerd: 'a runtime: test/runtimes/workerd.test.ts runs its binary',
};

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', '.build', 'generated', 'corpus', 'regressions'].includes(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (/\.(ts|mts|mjs|js|cjs)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

describe('dependencies', () => {
  it('each one is imported somewhere, or listed with its reason', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const text = ['src', 'test', 'scripts', 'bench']
      .flatMap((d) => sources(path.join(ROOT, d)))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const unused = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((dep) => {
      if (dep in NOT_IMPORTED) return false;
      const name = dep.startsWith('@types/') ? dep.slice('@types/'.length) : dep; // types count through their package
      const escaped = name.replace(/[/.]/g, '\\$&');
      return !new RegExp(`(?:from|import|require)\\s*\\(?\\s*['"]${escaped}(?:/[^'"]*)?['"]`).test(text);
    });
    expect(unused).toEqual([]);
    // And the exceptions are still declared (a stale list hides nothing).
    for (const dep of Object.keys(NOT_IMPORTED)) expect({ ...pkg.dependencies, ...pkg.devDependencies }).toHaveProperty([dep]);
  });
});

describe('the Reflect polyfill stays out of the library', () => {
  beforeAll(() => ensureBuilt(), 180_000);

  it('importing every entry point leaves Reflect.getMetadata undefined', () => {
    const entries = ['index.js', 'node.js', 'websocket.js', 'wasi/index.js', 'wasi/client.js'].map((e) =>
      JSON.stringify(path.join(ROOT, 'dist', e)),
    );
    const script = `for (const e of [${entries.join(',')}]) await import(e); console.log(typeof Reflect.getMetadata);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(out.trim()).toBe('undefined');
  });

  it('only the demo command loads it', () => {
    const users = sources(path.join(ROOT, 'src')).filter((f) => /import\s+['"]reflect-metadata['"]/.test(readFileSync(f, 'utf8')));
    expect(users.map((f) => path.relative(ROOT, f))).toEqual([path.join('src', 'cli', 'certgen.ts')]);
    const demo = readFileSync(path.join(ROOT, 'src', 'cli', 'demo.ts'), 'utf8');
    expect(demo).toMatch(/await import\('\.\/certgen\.js'\)/);
    expect(demo).not.toMatch(/^import \{[^}]*generateDemoPki/m);
  });
});
