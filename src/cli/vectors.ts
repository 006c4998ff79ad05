/**
 * `puretls vectors`: replays RFC 8448's traces through the engine and
 * prints every comparison.
 */
import { SECTIONS, allPassed, runRfc8448, type SectionId } from '../vectors/index.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, parse, reportFailure, type Io } from './common.js';
import { TraceFormatter } from './trace.js';

/** The `puretls vectors --help` text. */
export const VECTORS_HELP = `Usage: puretls vectors [options]

Replays the example handshakes of RFC 8448 ("Example Handshake Traces for
TLS 1.3") through puretls's client: the RFC's private values go in as
randomness, the RFC's server records are fed to it, and every message,
secret and record it produces is compared with the RFC's bytes.
Prints ✓ or ✗ per value; exits 1 if any differs.

  §3  Simple 1-RTT Handshake
  §4  Resumed 0-RTT Handshake (resumes §3's ticket, sends early data)
  §5  HelloRetryRequest (x25519 -> secp256r1, with a cookie)
  §6  Client Authentication (up to the client's own flight: the RFC omits its key)
  §7  Compatibility Mode (legacy_session_id, change_cipher_spec)

Options:
  --section N           only these sections, e.g. --section 3 or --section 3,5
  --trace               also print each replay's trace in RFC 8448's layout
  --verbose             print expected and actual bytes for every value, not only ✗
  --json                print the results as JSON on stdout
  -h, --help            this help
`;

const OPTIONS = {
  section: { type: 'string' },
  trace: { type: 'boolean' },
  verbose: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseSections(text: string | undefined): SectionId[] {
  if (text === undefined) return [...SECTIONS];
  const out: SectionId[] = [];
  for (const part of text.split(',')) {
    const id = `§${part.trim().replace(/^§/, '')}`;
    const known = SECTIONS.find((s) => s === id);
    if (!known) throw new UsageError(`unknown section ${part} (have ${SECTIONS.join(', ')})`);
    out.push(known);
  }
  return out;
}

/** `puretls vectors`: replays RFC 8448 through the engine and prints each comparison; returns the exit code. */
export async function vectorsCommand(args: readonly string[], io: Io): Promise<number> {
  let json = false;
  try {
    const { values, positionals } = parse(args, OPTIONS);
    json = !!values.json;
    if (values.help) {
      io.stdout.write(VECTORS_HELP);
      return EXIT_OK;
    }
    if (positionals.length) throw new UsageError(`vectors takes no arguments (got ${positionals.join(' ')})`);
    const sections = await runRfc8448(parseSections(typeof values.section === 'string' ? values.section : undefined));
    const passed = allPassed(sections);
    if (json) {
      const out = sections.map((s) => ({ id: s.id, title: s.title, error: s.error ?? null, notes: s.notes, checks: s.checks }));
      io.stdout.write(JSON.stringify({ ok: passed, sections: out }, null, 2) + '\n');
      return passed ? EXIT_OK : EXIT_FAILURE;
    }
    let ok = 0;
    let bad = 0;
    for (const s of sections) {
      io.stdout.write(`RFC 8448 ${s.id} ${s.title}\n`);
      if (values.trace) {
        io.stdout.write('\n');
        const f = new TraceFormatter((t) => io.stdout.write(t.replace(/^(?=.)/gm, '    ')));
        for (const t of s.trace) f.entry(t.label, t.value);
      }
      for (const c of s.checks) {
        if (c.ok) ok++;
        else bad++;
        io.stdout.write(`  ${c.ok ? '✓' : '✗'} ${c.what}\n`);
        if (!c.ok || values.verbose) {
          io.stdout.write(`      expected: ${c.expected}\n      actual:   ${c.actual ?? '(nothing)'}\n`);
        }
      }
      if (s.error) {
        bad++;
        io.stdout.write(`  ✗ replay stopped: ${s.error}\n`);
      }
      for (const n of s.notes) io.stdout.write(`  note: ${n}\n`);
      io.stdout.write('\n');
    }
    io.stdout.write(`${ok + bad} values checked: ${ok} ✓, ${bad} ✗\n`);
    return passed ? EXIT_OK : EXIT_FAILURE;
  } catch (e) {
    return reportFailure(io, e, json);
  }
}
