#!/usr/bin/env node
/**
 * The `puretls-relay` command: runs {@link startRelay} until SIGINT or
 * SIGTERM, logging one JSON line per connection event to stderr.
 *
 *   puretls-relay --listen 0.0.0.0:8080 --allow example.com:443 --origin https://app.example
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startRelay, type Relay, type RelayOptions } from './server.js';

const HELP = `Usage: puretls-relay --allow HOST:PORT [options]

A WebSocket-to-TCP relay for puretls in browser pages. Clients connect to
ws://LISTEN/PATH/HOST:PORT; the relay opens that TCP connection if allowed.

Options:
  --allow RULE            allowed target (repeatable): host:443, *.example.com:443, [::1]:8443, *:443
  --origin ORIGIN         allowed Origin header (repeatable; default: any)
  --listen HOST:PORT      where to listen (default 127.0.0.1:8080)
  --path PREFIX           URL path prefix (default /)
  --any-address           also connect to loopback and private addresses (default: public only)
  --max-connections N     open connections at most (default 256)
  --max-per-client N      open connections per client address (default 16)
  --connect-timeout MS    name lookup + TCP connect (default 10000)
  --idle-timeout MS       close after MS without traffic (default 120000; 0: never)
  -h, --help              this text
`;

/** Parses the command line into relay options; throws a TypeError naming a bad argument. */
export function parseRelayArgs(args: readonly string[]): RelayOptions & { help?: boolean } {
  const allow: string[] = [];
  const origins: string[] = [];
  const options: RelayOptions & { help?: boolean } = { allow, listen: { host: '127.0.0.1', port: 8080 } };
  const number = (name: string, value: string | undefined): number => {
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n) || n < 0) throw new TypeError(`${name} needs a whole number`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = args[i + 1];
    const take = (): string => {
      if (value === undefined) throw new TypeError(`${arg} needs a value`);
      i++;
      return value;
    };
    switch (arg) {
      case '-h':
      case '--help':
        options.help = true;
        break;
      case '--allow':
        allow.push(take());
        break;
      case '--origin':
        origins.push(take());
        break;
      case '--listen': {
        const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(take());
        if (!m) throw new TypeError('--listen needs HOST:PORT');
        options.listen = { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
        break;
      }
      case '--path':
        options.path = take();
        break;
      case '--any-address':
        options.addresses = 'any';
        break;
      case '--max-connections':
        options.maxConnections = number(arg, take());
        break;
      case '--max-per-client':
        options.maxConnectionsPerClient = number(arg, take());
        break;
      case '--connect-timeout':
        options.connectTimeout = number(arg, take());
        break;
      case '--idle-timeout':
        options.idleTimeout = number(arg, take());
        break;
      default:
        throw new TypeError(`unknown argument ${arg}`);
    }
  }
  if (origins.length > 0) options.origins = origins;
  if (!options.help && allow.length === 0) throw new TypeError('give at least one --allow HOST:PORT');
  return options;
}

/** Runs the command; resolves with the relay (or null after --help or a usage error, with exitCode set). */
export async function relayMain(args: readonly string[]): Promise<Relay | null> {
  let options: ReturnType<typeof parseRelayArgs>;
  try {
    options = parseRelayArgs(args);
  } catch (e) {
    process.stderr.write(`puretls-relay: ${(e as Error).message}\n\n${HELP}`);
    process.exitCode = 2;
    return null;
  }
  if (options.help) {
    process.stdout.write(HELP);
    return null;
  }
  const relay = await startRelay({
    ...options,
    onEvent: (event) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`),
  });
  process.stdout.write(`puretls-relay listening on ${relay.url}\n`);
  return relay;
}

function isMain(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isMain()) {
  const relay = await relayMain(process.argv.slice(2));
  if (relay) {
    const stop = () => void relay.stop().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
}
