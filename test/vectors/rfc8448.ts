/**
 * RFC 8448's bytes live in src/vectors/rfc8448.ts (the CLI's `puretls
 * vectors` ships them); the tests read the same data.
 */
export * from '../../src/vectors/rfc8448.js';
