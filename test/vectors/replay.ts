/**
 * Test-side view of the RFC 8448 replayer in src/vectors/replay.ts: the
 * same core driven with injected randomness, with a provider to choose.
 */
import { nobleProvider } from '../../src/crypto/noble.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import type { ClientConfig } from '../../src/handshake/client.js';
import { simple1rtt } from '../../src/vectors/rfc8448.js';
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

/**
 * RFC 8448 §3 from the start: the RFC's random and key injected, its
 * certificate pinned (it expired in 2026 and names no host), ClientHello sent.
 */
export async function startSimple1Rtt(provider: CryptoProvider = nobleProvider): Promise<Replay> {
  const v = simple1rtt;
  const r = replay(
    {
      serverName: 'server',
      random: scriptedRandom([v.clientHello.slice(12, 12 + 64), v.clientPrivateKey]),
      verifyChain: async (chain) => {
        if (chain.length !== 1 || toHex(chain[0]!) !== v.serverCertificateDer) {
          throw new Error('not the RFC 8448 server certificate');
        }
      },
    },
    v.clientHello,
    provider,
  );
  await r.core.start();
  return r;
}

export const hex = toHex;
export { fromHex, scriptedRandom };
