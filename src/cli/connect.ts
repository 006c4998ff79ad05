/**
 * `puretls connect HOST:PORT`: like `openssl s_client`, a handshake summary
 * on stderr, then stdin to the server and the server to stdout.
 */
import {
  EXIT_OK,
  TLS_OPTIONS,
  TLS_OPTIONS_HELP,
  UsageError,
  parse,
  reportFailure,
  sessionFlags,
  type Io,
} from './common.js';
import { Progress } from './progress.js';
import { openConnection, parseTarget, pipeConnection, prepareOptions } from './session.js';
import { formatSummary } from './summary.js';

/** The `puretls connect --help` text. */
export const CONNECT_HELP = `Usage: puretls connect HOST[:PORT] [options]

Connects with TLS 1.3 (or TLS 1.2 where the server speaks only that), prints what was negotiated and the server's chain to
stderr, then copies stdin to the server and the server's data to stdout until
the server closes. The end of stdin sends close_notify (the server may still
answer). Exits 0 on a clean close, 1 with a one-line reason on any failure,
2 on bad usage.

  HOST[:PORT]           a DNS name, IPv4 address or [IPv6] address; port 443 by default

${TLS_OPTIONS_HELP}Output options:
  -q, --quiet           no summary
  --progress            always show the transfer meter on stderr
  --no-progress         never show it (default: shown when stderr is a terminal,
                        after the first second)

Examples:
  printf 'GET / HTTP/1.1\\r\\nHost: example.com\\r\\nConnection: close\\r\\n\\r\\n' | puretls connect example.com:443
  puretls connect localhost:4433 --ca root.pem --alpn h2,http/1.1 --keylog keys.txt </dev/null
`;

const OPTIONS = {
  ...TLS_OPTIONS,
  quiet: { type: 'boolean', short: 'q' },
  progress: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
} as const;

/** `puretls connect`: handshake, print the summary, then pipe stdin and stdout; returns the exit code. */
export async function connectCommand(args: readonly string[], io: Io): Promise<number> {
  let json = args.includes('--json');
  let dispose = (): void => undefined;
  try {
    const { values, positionals } = parse(args, OPTIONS);
    json = !!values.json;
    if (values.help) {
      io.stdout.write(CONNECT_HELP);
      return EXIT_OK;
    }
    if (positionals.length !== 1) throw new UsageError('connect takes one HOST:PORT (see puretls connect --help)');
    const target = parseTarget(positionals[0]!);
    const flags = sessionFlags(values);
    const prepared = prepareOptions(flags, io.stderr);
    dispose = prepared.dispose;
    const { conn, summary } = await openConnection(target, flags, prepared);
    if (json) io.stderr.write(JSON.stringify(summary) + '\n');
    else if (!values.quiet) io.stderr.write(formatSummary(summary));

    const stderrTty = !!io.stderr.isTTY;
    const showProgress = values['no-progress'] ? false : values.progress ? true : stderrTty;
    const progress = showProgress
      ? new Progress(io.stderr, { sharesTerminalWithData: stderrTty && !!io.stdout.isTTY })
      : null;
    await pipeConnection(conn, { input: io.stdin, output: io.stdout, progress });
    return EXIT_OK;
  } catch (e) {
    return reportFailure(io, e, json);
  } finally {
    dispose();
  }
}
