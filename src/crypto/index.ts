/**
 * Provider selection: 'noble' (pure), 'webcrypto' (platform, with noble
 * fallbacks), or 'auto', decided once by feature detection.
 */
import { TlsError } from '../errors.js';
import { nobleProvider } from './noble.js';
import type { CryptoProvider } from './provider.js';

/** The `crypto` option: 'noble', 'webcrypto', 'auto' (WebCrypto where crypto.subtle exists) or a provider object. */
export type ProviderChoice = 'auto' | 'noble' | 'webcrypto' | CryptoProvider;

const registry = new Map<string, () => CryptoProvider>([['noble', () => nobleProvider]]);

/** Lets the webcrypto module register itself without a static import cycle. */
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
      const web = registry.get('webcrypto');
      autoChoice = web && globalThis.crypto?.subtle ? web() : nobleProvider;
    }
    return autoChoice;
  }
  const f = registry.get(name);
  if (!f) throw new TlsError('BAD_CONFIG', `unknown crypto provider ${name}`);
  return f();
}

export { nobleProvider };
export type * from './provider.js';
