/**
 * Runs the built `puretls` binary (dist/cli.js) as a user would, building
 * it first when dist/ is missing or older than src/.
 */
import { execFile, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

let building: Promise<void> | undefined;

/** Builds dist/ with tsc unless dist/cli.js is newer than every file in src/. */
export function ensureBuilt(): Promise<void> {
  building ??= (async () => {
    let built = 0;
    try {
      built = statSync(CLI).mtimeMs;
    } catch {
      built = 0;
    }
    if (built > newestMtime(path.join(ROOT, 'src'))) return;
    const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
    await promisify(execFile)(tsc, ['-p', 'tsconfig.json'], { cwd: ROOT });
  })();
  return building;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  /** Written to stdin. */
  input?: string | Buffer;
  /** End stdin this long after writing `input` (default: at once). */
  endInputAfterMs?: number;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, SSLKEYLOGFILE: '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => undefined);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`puretls ${args.join(' ')} did not exit within ${options.timeoutMs ?? 20_000} ms; stderr: ${Buffer.concat(err).toString()}`));
    }, options.timeoutMs ?? 20_000);
    let endTimer: NodeJS.Timeout | undefined;
    if (options.input !== undefined) child.stdin.write(options.input);
    if (options.endInputAfterMs === undefined) child.stdin.end();
    else endTimer = setTimeout(() => child.stdin.end(), options.endInputAfterMs);
    // 'close' comes after the process exited and its output pipes closed.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (endTimer) clearTimeout(endTimer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: Date.now() - started,
      });
    });
  });
}
