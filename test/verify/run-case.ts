/** Runs one corpus case through verifyServerChain; returns 'ok' or the error code. */
import { isTlsError, type ErrorCode, type TlsError } from '../../src/errors.js';
import { TrustStore, verifyServerChain } from '../../src/verify/index.js';
import type { Case } from './corpus.js';

export interface Outcome {
  readonly verdict: 'ok' | ErrorCode;
  readonly error?: TlsError;
}

export async function runCase(c: Case): Promise<Outcome> {
  try {
    await verifyServerChain({
      chain: c.chain,
      serverName: c.serverName,
      at: c.at,
      roots: TrustStore.fromCertificates(c.roots),
    });
    return { verdict: 'ok' };
  } catch (e) {
    if (!isTlsError(e)) throw e;
    return { verdict: e.code, error: e };
  }
}
