/**
 * node:crypto for the node provider, found without a static import so that
 * no bundler sees a `node:` specifier: `process.getBuiltinModule` (Node
 * 20.16+, Bun, Deno 2). Also `own()`, for the Buffers it answers with.
 */
import type * as NodeCryptoModule from 'node:crypto';

/** The node:crypto module's type (a type-only import: erased from the output). */
export type NodeCrypto = typeof NodeCryptoModule;

/** A KeyObject (public, private or secret key held by the platform). */
export type KeyObject = NodeCryptoModule.KeyObject;

/** A JSON Web Key as node:crypto imports it (RFC 7517). */
export type JsonWebKey = NodeCryptoModule.JsonWebKey;

/**
 * DER bytes for createPrivateKey/createPublicKey: typed as Buffer by
 * @types/node, though any Uint8Array is taken (no Buffer needed at run time).
 */
export type DerBytes = Buffer;

interface ProcessLike {
  getBuiltinModule?: (id: string) => unknown;
}

function load(): NodeCrypto | null {
  try {
    const proc = (globalThis as { process?: ProcessLike }).process;
    const m = proc?.getBuiltinModule?.('node:crypto') as Partial<NodeCrypto> | undefined;
    return m && typeof m.createCipheriv === 'function' && typeof m.createHash === 'function' ? (m as NodeCrypto) : null;
  } catch {
    return null;
  }
}

let current: NodeCrypto | null = load();

/** node:crypto, or null where the runtime has none (browsers, workers, older Node). */
export function nodeCrypto(): NodeCrypto | null {
  return current;
}

/** Test hook: replace the module (a stand-in that lacks algorithms, or null for none). */
export function setNodeCrypto(m: NodeCrypto | null | undefined): void {
  current = m === undefined ? load() : m;
}

/**
 * A plain Uint8Array with the bytes of a platform answer (a Buffer). A
 * Buffer from the shared pool is a view into memory that is handed out
 * again, so it is copied; a Buffer with its own memory is re-viewed (no
 * copy), which also drops Buffer's aliasing `slice`.
 */
export function own(b: Uint8Array): Uint8Array {
  if (b.byteOffset !== 0 || b.buffer.byteLength !== b.length || !(b.buffer instanceof ArrayBuffer)) {
    const out = new Uint8Array(b.length);
    out.set(b);
    return out;
  }
  return new Uint8Array(b.buffer, 0, b.length);
}
