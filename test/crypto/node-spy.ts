/**
 * A stand-in for node:crypto that records which functions the node provider
 * calls (so a test can tell the platform did the work, not a noble
 * fallback) and can refuse chosen algorithms, like a runtime without them.
 */
import type { NodeCrypto } from '../../src/crypto/node-module.js';

export interface NodeCryptoSpy {
  module: NodeCrypto;
  /** `function:first argument` for each call with a string first argument, else just the name. */
  calls: string[];
}

/** Options: `refuse(name, args)` returns true to make that call throw. */
export function spyNodeCrypto(refuse: (name: string, args: unknown[]) => boolean = () => false): NodeCryptoSpy {
  const calls: string[] = [];
  const real = process.getBuiltinModule('node:crypto');
  const module = new Proxy(real, {
    get(target, prop) {
      const v = Reflect.get(target, prop) as unknown;
      if (typeof v !== 'function' || typeof prop !== 'string' || /^[A-Z]/.test(prop)) return v;
      const f = v as (...a: unknown[]) => unknown;
      return (...args: unknown[]) => {
        calls.push(typeof args[0] === 'string' ? `${prop}:${args[0]}` : prop);
        if (refuse(prop, args)) throw new Error(`${prop} refused by the test`);
        return f.apply(target, args);
      };
    },
  });
  return { module, calls };
}
