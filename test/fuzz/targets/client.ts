/**
 * Whole-client fuzz targets over the recorded corpus (TLS 1.3 and TLS 1.2 flights): the server's bytes are
 * mutated raw, or opened to plaintext, mutated as handshake messages and
 * re-encrypted under the recorded keys, or re-framed. The client must end
 * every run with a result or a TlsError (never INTERNAL_ERROR, never
 * anything else), never hang, and fail the same way when run again.
 */
import fc from 'fast-check';
import { concat, fromHex } from '../../../src/codec.js';
import { ErrorCodes } from '../../../src/errors.js';
import { cut, closeFlight, loadCorpus, openFlight, runCore, serverBytes, type CoreRun, type OpenedFlight, type RecordedFlight } from '../driver.js';
import { mutate, mutations, type MutationOp, type Target } from '../harness.js';

let corpusCache: RecordedFlight[] | null = null;
const corpus = (): RecordedFlight[] => (corpusCache ??= loadCorpus());
const openedCache = new Map<string, OpenedFlight>();
async function opened(f: RecordedFlight): Promise<OpenedFlight> {
  let o = openedCache.get(f.name);
  if (!o) {
    o = await openFlight(f);
    openedCache.set(f.name, o);
  }
  return o;
}

/** The property every run must satisfy. */
export function assertClean(run: CoreRun, what: string): void {
  if (run.foreign !== null) throw new Error(`${what}: threw a non-TlsError: ${String(run.foreign)}`, { cause: run.foreign });
  if (run.hung) throw new Error(`${what}: the core did not settle`);
  const e = run.error;
  if (!e) return;
  if (e.code === 'INTERNAL_ERROR') throw new Error(`${what}: INTERNAL_ERROR (${e.toDebugString()})`, { cause: e.cause });
  if (!(e.code in ErrorCodes)) throw new Error(`${what}: unknown code ${e.code}`);
}

const outcome = (r: CoreRun) => (r.error ? `${r.error.code}/${r.error.alert}` : r.info ? `ok:${r.data}` : 'pending');

/** Splits a byte stream into TCP-like chunks. */
function chunk(data: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  return sizes.length ? cut(data, sizes) : [data];
}

const flightIndex = () => fc.nat(63);
const pick = (i: number): RecordedFlight => corpus()[i % corpus().length]!;

// --- raw bytes ---

interface RawInput {
  flight: number;
  ops: MutationOp[];
  chunks: number[];
}

export const clientRawBytes: Target<RawInput> = {
  name: 'client-raw-bytes',
  ciRuns: 80,
  arbitrary: () =>
    fc.record({ flight: flightIndex(), ops: mutations(3), chunks: fc.array(fc.integer({ min: 1, max: 2000 }), { maxLength: 4 }) }),
  async check({ flight, ops, chunks }) {
    const f = pick(flight);
    const bytes = mutate(serverBytes(f), ops);
    const run = await runCore(f, chunk(bytes, chunks));
    assertClean(run, f.name);
  },
};

// --- handshake messages, re-encrypted ---

type MessageOp =
  | { op: 'drop'; at: number }
  | { op: 'duplicate'; at: number }
  | { op: 'swap'; at: number }
  | { op: 'bytes'; at: number; ops: MutationOp[] }
  | { op: 'retype'; at: number; type: number }
  | { op: 'insert'; at: number; type: number; body: Uint8Array };

const messageOp = (): fc.Arbitrary<MessageOp> =>
  fc.oneof(
    fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('swap' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('bytes' as const), at: fc.nat(), ops: mutations(3) }),
    fc.record({ op: fc.constant('retype' as const), at: fc.nat(), type: fc.constantFrom(1, 2, 4, 5, 8, 11, 13, 15, 20, 24, 254, 99) }),
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), type: fc.constantFrom(4, 8, 11, 13, 15, 20, 24), body: fc.uint8Array({ maxLength: 64 }) }),
  );

function splitMessages(stream: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = 0;
  while (i + 4 <= stream.length) {
    const n = 4 + ((stream[i + 1]! << 16) | (stream[i + 2]! << 8) | stream[i + 3]!);
    out.push(stream.slice(i, i + n));
    i += n;
  }
  return out;
}

function applyMessageOps(msgs: Uint8Array[], ops: readonly MessageOp[]): Uint8Array[] {
  const m = msgs.slice();
  for (const o of ops) {
    if (!m.length) break;
    const at = o.at % m.length;
    switch (o.op) {
      case 'drop':
        m.splice(at, 1);
        break;
      case 'duplicate':
        m.splice(at, 0, m[at]!);
        break;
      case 'swap':
        if (at + 1 < m.length) [m[at], m[at + 1]] = [m[at + 1]!, m[at]!];
        break;
      case 'bytes':
        m[at] = mutate(m[at]!, o.ops);
        break;
      case 'retype': {
        const c = m[at]!.slice();
        c[0] = o.type;
        m[at] = c;
        break;
      }
      case 'insert': {
        const n = o.body.length;
        m.splice(at, 0, concat(Uint8Array.of(o.type, 0, n >> 8, n & 0xff), o.body));
        break;
      }
    }
  }
  return m;
}

interface MessagesInput {
  flight: number;
  /** Which plaintext to mutate: the protected handshake, the unprotected hellos, or post-handshake records. */
  where: 'handshake' | 'hello' | 'post';
  ops: MessageOp[];
  sizes: number[];
}

export const clientMessages: Target<MessagesInput> = {
  name: 'client-handshake-messages',
  ciRuns: 60,
  arbitrary: () =>
    fc.record({
      flight: flightIndex(),
      where: fc.constantFrom('handshake' as const, 'handshake' as const, 'hello' as const, 'post' as const),
      ops: fc.array(messageOp(), { minLength: 1, maxLength: 3 }),
      sizes: fc.array(fc.integer({ min: 1, max: 3000 }), { maxLength: 3 }),
    }),
  async check({ flight, where, ops, sizes }) {
    const f = pick(flight);
    const o = await opened(f);
    let bytes: Uint8Array;
    if (where === 'post') {
      // Mutate the application-key records' plaintext (tickets, data, close_notify).
      const app = o.app.map((r) => ({ type: r.type, content: r.content }));
      const contents = applyMessageOps(
        app.map((r) => concat(Uint8Array.of(r.type, 0, 0, 0), r.content)),
        ops,
      );
      bytes = await closeFlight(o, { app: contents.map((c) => ({ type: c[0]!, content: c.subarray(4) })) });
    } else if (where === 'hello') {
      bytes = await closeFlight(o, { plainHandshake: concat(...applyMessageOps(splitMessages(o.plainHandshake), ops)), plainSizes: sizes });
    } else {
      bytes = await closeFlight(o, { handshake: concat(...applyMessageOps(splitMessages(o.handshake), ops)), handshakeSizes: sizes.length ? sizes : [16384] });
    }
    const run = await runCore(f, [bytes]);
    assertClean(run, `${f.name}/${where}`);
    // The same input fails the same way.
    const again = await runCore(f, [bytes]);
    if (outcome(again) !== outcome(run)) throw new Error(`not deterministic: ${outcome(run)} then ${outcome(again)}`);
  },
};

// --- re-framing: always legal, must always succeed ---

interface ReframeInput {
  flight: number;
  plainSizes: number[];
  handshakeSizes: number[];
  tcp: number[];
}

export const clientReframe: Target<ReframeInput> = {
  name: 'client-reframe',
  ciRuns: 40,
  arbitrary: () =>
    fc.record({
      flight: flightIndex(),
      plainSizes: fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 6 }),
      handshakeSizes: fc.array(fc.integer({ min: 1, max: 1500 }), { maxLength: 8 }),
      tcp: fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 8 }),
    }),
  async check({ flight, plainSizes, handshakeSizes, tcp }) {
    const f = pick(flight);
    const o = await opened(f);
    // TLS 1.3: a record must not cross the HelloRetryRequest/ServerHello boundary (the client answers in
    // between). TLS 1.2: nothing changes keys before the ChangeCipherSpec, any split is legal.
    const hello = o.version === 'TLSv1.2' ? [o.plainHandshake] : splitMessages(o.plainHandshake);
    const sizes = hello.length > 1 ? [...hello.slice(0, -1).map((m) => m.length)] : [];
    const lastHello = hello.at(-1)!;
    const plain = sizes.concat(cut(lastHello, plainSizes).map((c) => c.length));
    const bytes = await closeFlight(o, { plainSizes: plain, handshakeSizes: handshakeSizes.length ? handshakeSizes : [16384] });
    const run = await runCore(f, chunk(bytes, tcp));
    assertClean(run, f.name);
    if (run.error || !run.info || run.data !== f.expect.data) {
      throw new Error(`re-framed flight refused: ${run.error?.toDebugString() ?? 'no handshake'}`);
    }
  },
};

/** For the regression replays and tests: the opened corpus flight by name. */
export async function openedByName(name: string): Promise<OpenedFlight> {
  const f = corpus().find((x) => x.name === name);
  if (!f) throw new Error(`no corpus flight ${name}`);
  return opened(f);
}

export const clientTargets = [clientRawBytes, clientMessages, clientReframe] as unknown as Target<never>[];
export { corpus, fromHex };
