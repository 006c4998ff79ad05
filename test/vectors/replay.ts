/**
 * Test-side view of the RFC 8448 replayer in src/vectors/replay.ts: the
 * same core driven with injected randomness, with a provider to choose.
 */
import { nobleProvider } from '../../src/crypto/noble.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import type { ClientConfig } from '../../src/handshake/client.js';
import { fromHex, scriptedRandom, startRun, toHex, type Run } from '../../src/vectors/replay.js';

export interface Replay extends Run {
  /** The last value traced under each label, as hex. */
  readonly traced: { get(label: string): string | undefined };
}

export function replay(
  overrides: Partial<ClientConfig> & Pick<ClientConfig, 'random' | 'serverName'>,
  rfcHello: string,
  provider: CryptoProvider = nobleProvider,
): Replay {
  const run = startRun({ random: [], rfcHello, overrides: { provider, ...overrides } });
  return Object.assign(run, { traced: { get: (label: string) => run.last(label) } });
}

export const hex = toHex;
export { fromHex, scriptedRandom };
