/**
 * Provider selection: 'noble' (pure), 'webcrypto' (platform, with noble
 * fallbacks), 'node' (node:crypto, with noble fallbacks; registered only
 * where node:crypto exists), or 'auto', decided once by feature detection.
 */
import { TlsError } from '../errors.js';
import { nobleProvider } from './noble.js';
import type { CryptoProvider } from './provider.js';

/**
 * The `crypto` option: 'noble', 'webcrypto', 'node', 'auto' (node:crypto
 * under Node, Bun and Deno, else WebCrypto where crypto.subtle exists, else
 * noble) or a provider object.
 */
export type ProviderChoice = 'auto' | 'noble' | 'webcrypto' | 'node' | CryptoProvider;

const registry = new Map<string, () => CryptoProvider>([['noble', () => nobleProvider]]);

/** Lets the webcrypto and node modules register themselves without a static import cycle. */
export function registerProvider(name: string, factory: () => CryptoProvider): void {
  registry.set(name, factory);
}

let autoChoice: CryptoProvider | null = null;

/** Resolves a {@link ProviderChoice} to a provider; 'auto' (the default) is decided once per process, an unknown name fails BAD_CONFIG. */
export function selectProvider(choice: ProviderChoice | undefined): CryptoProvider {
  if (choice && typeof choice === 'object') return choice;
  const name = choice ?? 'auto';
  if (name === 'auto') {
    if (!autoChoice) {
      // node registers itself only where node:crypto was found; it is synchronous, so it goes first.
      const native = registry.get('node');
      const web = registry.get('webcrypto');
      autoChoice = native ? native() : web && globalThis.crypto?.subtle ? web() : nobleProvider;
    }
    return autoChoice;
  }
  const f = registry.get(name);
  if (!f) throw new TlsError('BAD_CONFIG', `unknown crypto provider ${name}`);
  return f();
}

export { nobleProvider };
export type * from './provider.js';
