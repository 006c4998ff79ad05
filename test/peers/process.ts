/**
 * Spawning peer processes that cannot outlive the test process.
 *
 * Each command runs under a tiny /bin/sh guard in its own process group:
 *  - stop() sends SIGTERM to the whole group (then SIGKILL after a grace period);
 *  - an extra pipe (fd 3) is the lifeline: when the test process dies for any
 *    reason (even SIGKILL), the pipe closes and the guard kills its group;
 *  - the guard reaps everything it started (no orphans/zombies left behind);
 *  - a process 'exit' hook SIGKILLs whatever is still registered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';

/** The /bin/sh guard: `sh -c GUARD_SCRIPT name command args...` (fd 3 = lifeline pipe). */
export const GUARD_SCRIPT = `
exec 4<&0
"$@" <&4 3<&- 4<&- &
c=$!
exec 4<&-
( read -r _ <&3; kill -TERM 0 ) >/dev/null 2>&1 &
w=$!
exec 3<&-
trap 'kill -TERM "$c" 2>/dev/null' TERM INT HUP
s=0
while :; do wait "$c"; s=$?; kill -0 "$c" 2>/dev/null || break; done
kill "$w" 2>/dev/null
wait "$w" 2>/dev/null
exit $s
`;

const MAX_OUTPUT = 8 << 20; // keep at most 8 MiB of combined output

export interface GuardedProcess {
  readonly pid: number;
  readonly command: string;
  readonly child: ChildProcess;
  /** stdin of the command. */
  readonly stdin: Writable;
  /** Combined stdout+stderr so far (in arrival order). */
  readonly output: string;
  /** Total characters ever printed (a mark for `since` / `outputSince`). */
  readonly outputLength: number;
  /** Output printed at or after the mark `since` (as much as is still kept). */
  outputSince(since: number): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly hasExited: boolean;
  /**
   * Resolve when `pattern` appears in the output at or after offset `since`.
   * Rejects on timeout or if the process exits first.
   */
  waitForOutput(pattern: RegExp | string, options?: { since?: number; timeoutMs?: number }): Promise<RegExpMatchArray>;
  /** SIGTERM the process group, SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<GuardedProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const p of live) {
      try {
        process.kill(-p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** Processes started and not yet stopped (for leak checks). */
export function liveProcesses(): readonly GuardedProcess[] {
  return [...live];
}

/** Stop every live guarded process. */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

export function spawnGuarded(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): GuardedProcess {
  installExitHook();
  const child = spawn('/bin/sh', ['-c', GUARD_SCRIPT, 'puretls-peer-guard', command, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    detached: true, // own process group, so stop() reaches the command too
  });
  if (child.pid === undefined) throw new Error(`failed to spawn ${command}`);
  const pid = child.pid;
  let output = '';
  let dropped = 0;
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString('latin1');
    if (output.length > MAX_OUTPUT) {
      const cut = output.length - MAX_OUTPUT / 2;
      output = output.slice(cut);
      dropped += cut;
    }
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  child.stdin!.on('error', () => {}); // EPIPE when the command exits first
  const lifeline = child.stdio[3] as Writable;
  lifeline.on('error', () => {});

  let hasExited = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      hasExited = true;
      live.delete(proc);
      for (const w of [...waiters]) w();
      resolve({ code, signal });
    });
    child.on('error', () => {
      hasExited = true;
      live.delete(proc);
      resolve({ code: null, signal: null });
    });
  });

  let stopping: Promise<void> | undefined;
  const proc: GuardedProcess = {
    pid,
    command: [command, ...args].join(' '),
    child,
    stdin: child.stdin!,
    get output() {
      return output;
    },
    get outputLength() {
      return dropped + output.length;
    },
    outputSince(since) {
      return output.slice(Math.max(0, since - dropped));
    },
    exited,
    get hasExited() {
      return hasExited;
    },
    waitForOutput(pattern, { since = 0, timeoutMs = 10_000 } = {}) {
      return new Promise<RegExpMatchArray>((resolve, reject) => {
        const check = () => {
          const from = Math.max(0, since - dropped);
          const tail = output.slice(from);
          const m = typeof pattern === 'string' ? matchString(tail, pattern) : tail.match(pattern);
          if (m) {
            done();
            resolve(m);
          } else if (hasExited) {
            done();
            reject(new Error(`${command} exited before printing ${String(pattern)}; output:\n${tail.slice(-4000)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${String(pattern)} from ${command}; output:\n${output.slice(-4000)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    stop(graceMs = 2000) {
      stopping ??= (async () => {
        if (!hasExited) {
          try {
            process.kill(-pid, 'SIGTERM');
          } catch {
            // group already gone
          }
          const timer = setTimeout(() => {
            try {
              process.kill(-pid, 'SIGKILL');
            } catch {
              // gone
            }
          }, graceMs);
          await exited;
          clearTimeout(timer);
        }
        // Reap the watchdog too (it belongs to the same group; it exits on its own once fd 3 closes).
        lifeline.destroy();
        child.stdin?.destroy();
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // nothing left
        }
        live.delete(proc);
      })();
      return stopping;
    },
  };
  live.add(proc);
  return proc;
}

function matchString(text: string, needle: string): RegExpMatchArray | null {
  const i = text.indexOf(needle);
  if (i < 0) return null;
  const m = [needle] as unknown as RegExpMatchArray;
  m.index = i;
  return m;
}

/** A peer's JSON event lines (stdout lines that start with `{`), and a way to wait for one. */
export interface JsonEvents<E> {
  /** Every event so far, in order. */
  readonly events: E[];
  /** Resolves with the first event at or after index `since` that matches; rejects on timeout or exit. */
  waitForEvent(match: (e: E) => boolean, since?: number, timeoutMs?: number): Promise<E>;
}

/** Reads `proc`'s JSON event lines; `onEvent` sees each as it arrives. `name` is for errors. */
export function jsonEvents<E>(proc: GuardedProcess, name: string, onEvent?: (e: E) => void): JsonEvents<E> {
  const events: E[] = [];
  const listeners = new Set<() => void>();
  let partial = '';
  proc.child.stdout!.on('data', (chunk: Buffer) => {
    partial += chunk.toString('utf8');
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const e = JSON.parse(line) as E;
      events.push(e);
      onEvent?.(e);
    }
    for (const l of [...listeners]) l();
  });
  const waitForEvent = (match: (e: E) => boolean, since = 0, timeoutMs = 10_000) =>
    new Promise<E>((resolve, reject) => {
      const check = () => {
        const e = events.slice(since).find(match);
        if (e) {
          done();
          resolve(e);
        } else if (proc.hasExited) {
          done();
          reject(new Error(`${name} exited; output:\n${proc.output.slice(-3000)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for a ${name} event; output:\n${proc.output.slice(-3000)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      void proc.exited.then(check);
      check();
    });
  return { events, waitForEvent };
}
