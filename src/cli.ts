#!/usr/bin/env node
/**
 * The `puretls` command: connect (like openssl s_client), vectors (RFC 8448
 * replay), demo (a loopback handshake with a fresh certificate).
 */
import { readFileSync } from 'node:fs';
import type { Io } from './cli/common.js';

const EXIT_OK = 0;
const EXIT_USAGE = 2;

const HELP = `Usage: puretls <command> [options]

A pure-TypeScript TLS 1.3 client.

Commands:
  connect HOST[:PORT]   handshake, print the summary, then pipe stdin/stdout (like openssl s_client)
  vectors               replay RFC 8448's example handshakes through the engine, ✓ or ✗ per value
  demo                  a complete handshake and HTTP/1.1 request on loopback, no network needed
  help [COMMAND]        this text, or a command's

Run "puretls COMMAND --help" for a command's options.
Options: -h, --help; -v, --version
`;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

// Loaded on demand, so `puretls --help` does not load the engine.
const COMMANDS: Record<string, (args: readonly string[], io: Io) => Promise<number>> = {
  connect: async (args, io) => (await import('./cli/connect.js')).connectCommand(args, io),
  vectors: async (args, io) => (await import('./cli/vectors.js')).vectorsCommand(args, io),
  demo: async (args, io) => (await import('./cli/demo.js')).demoCommand(args, io),
};

/** Runs the `puretls` command line on `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help') {
    io.stdout.write(HELP);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (command === '-v' || command === '--version') {
    io.stdout.write(`puretls ${version()}\n`);
    return EXIT_OK;
  }
  if (command === 'help') {
    const sub = rest[0];
    const run = sub === undefined ? undefined : COMMANDS[sub];
    if (!run) {
      io.stdout.write(HELP);
      return sub === undefined ? EXIT_OK : EXIT_USAGE;
    }
    return run(['--help'], io);
  }
  const run = COMMANDS[command];
  if (!run) {
    io.stderr.write(`puretls: unknown command ${JSON.stringify(command)}; see puretls --help\n`);
    return EXIT_USAGE;
  }
  return run(rest, io);
}

const io: Io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
// EPIPE on stdout (e.g. `| head`) is not an error worth a stack trace.
process.stdout.on('error', () => undefined);
main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
    // Whatever still holds the event loop (a half-open socket) must not hang the shell.
    setTimeout(() => process.exit(code), 1000).unref();
  },
  (e: unknown) => {
    process.stderr.write(`puretls: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(70);
  },
);
