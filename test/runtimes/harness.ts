/**
 * Shared by the runtime tests (test/runtimes/*.test.ts): where each runtime's
 * binary is (npm packages ship them: deno, bun, workerd), a consumer project
 * that depends on puretls as an installed package would (so every runtime
 * resolves `puretls`, `puretls/node`, ... through package.json "exports" to
 * the built dist/), and running a client script to completion.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnGuarded } from '../peers/index.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODULES = path.join(REPO, 'node_modules');
export const CLIENTS = path.join(REPO, 'test', 'runtimes', 'clients');

/** The message each client sends; openssl s_server -rev answers it reversed. */
export const MESSAGE = `hello from puretls ${'0123456789abcdef'.repeat(128)} end`;
export const REVERSED = [...MESSAGE].reverse().join('') + '\n';

/**
 * A runtime's binary from its npm package. The wrapper package's postinstall
 * moves the binary out of the platform package (bun, workerd) or links it
 * (deno); before it runs (or if npm skipped it) the platform package has it.
 */
export function runtimeBinary(runtime: 'deno' | 'bun' | 'workerd'): string {
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
  const candidates = {
    deno: [`@deno/linux-${arch}-glibc/deno`, 'deno/deno'],
    bun: [`@oven/bun-linux-${arch === 'arm64' ? 'aarch64' : 'x64'}/bin/bun`, 'bun/bin/bun.exe'],
    workerd: [`@cloudflare/workerd-linux-${arch === 'arm64' ? 'arm64' : '64'}/bin/workerd`, 'workerd/bin/workerd'],
  }[runtime].map((p) => path.join(MODULES, p));
  // A real binary, not the placeholder script a wrapper ships before its postinstall.
  const found = candidates.find((p) => existsSync(p) && statSync(p).size > 1 << 20);
  if (!found) throw new Error(`no ${runtime} binary in node_modules (looked at ${candidates.join(', ')}): run npm ci`);
  return found;
}

/** The version a runtime's npm package declares (what the README's matrix names). */
export function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(path.join(MODULES, name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** A consumer project in a temp directory: node_modules/puretls is this repository (its package.json, its dist/). */
export interface Consumer {
  readonly dir: string;
  remove(): void;
}

/** Creates a consumer project holding the client scripts of `clients` (file names in test/runtimes/clients). */
export function makeConsumer(clients: readonly string[]): Consumer {
  if (!existsSync(path.join(REPO, 'dist', 'index.js')) || !existsSync(path.join(REPO, 'dist', 'browser', 'puretls.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (.ci/run does)');
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'puretls-consumer-'));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(REPO, path.join(dir, 'node_modules', 'puretls'), 'dir');
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'puretls-consumer', private: true, type: 'module', dependencies: { puretls: '*' } }, null, 2),
  );
  for (const c of ['common.mjs', ...clients]) cpSync(path.join(CLIENTS, c), path.join(dir, c));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The file a package subpath (`'.'`, `'./browser'`) resolves to under `import`, per package.json "exports". */
export function exportPath(root: string, subpath: string): string {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { exports: Record<string, { import: string }> };
  const target = pkg.exports[subpath]?.import;
  if (!target) throw new Error(`package.json exports no ${subpath}`);
  return path.join(root, target);
}

/** One attempt a client script reports. */
export interface ClientResult {
  readonly name: string;
  readonly ok: boolean;
  readonly code?: string | null;
  readonly message?: string;
  readonly reply?: string;
  readonly provider?: string;
  readonly info?: Record<string, unknown>;
}

/** What a client script prints as its last line. */
export interface ClientReport {
  readonly runtime: string;
  readonly version: string;
  readonly results: readonly ClientResult[];
}

/** Runs a client to its exit and parses the report it prints (a line starting with `PURETLS_REPORT `). */
export async function runClient(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<ClientReport> {
  const proc = spawnGuarded(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env } });
  const timer = setTimeout(() => void proc.stop(), options.timeoutMs ?? 60_000);
  const { code } = await proc.exited;
  clearTimeout(timer);
  const line = proc.output.split('\n').find((l) => l.startsWith('PURETLS_REPORT '));
  if (!line) throw new Error(`${path.basename(command)} exited ${code} without a report:\n${proc.output.slice(-4000)}`);
  return JSON.parse(line.slice('PURETLS_REPORT '.length)) as ClientReport;
}

/** The result named `name`, failing the test (with the whole report) when it is absent. */
export function result(report: ClientReport, name: string): ClientResult {
  const r = report.results.find((x) => x.name === name);
  if (!r) throw new Error(`no result ${name} in ${JSON.stringify(report)}`);
  return r;
}
