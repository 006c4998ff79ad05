/**
 * The core encodes and decodes UTF-8 itself (codec.ts), so it needs no
 * TextEncoder/TextDecoder (QuickJS has neither): it must agree with them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8, utf8Decode } from '../../src/codec.js';

describe('UTF-8 without TextEncoder', () => {
  it('encodes every string as TextEncoder does (lone surrogates become U+FFFD)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      expect(utf8(s)).toEqual(new TextEncoder().encode(s));
    }), { numRuns: 3000 });
    expect(utf8('\ud800x')).toEqual(new Uint8Array([0xef, 0xbf, 0xbd, 0x78]));
  });

  it('decodes what it encodes', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => {
      expect(utf8Decode(utf8(s))).toBe(s);
    }), { numRuns: 2000 });
  });

  it('refuses exactly what a fatal TextDecoder refuses', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const reference = (b: Uint8Array): string | undefined => {
      try {
        return fatal.decode(b);
      } catch {
        return undefined;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 12 }), (b) => {
      expect(utf8Decode(b)).toBe(reference(b));
    }), { numRuns: 20000 });
    for (const bad of [[0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80]]) {
      expect(utf8Decode(new Uint8Array(bad))).toBeUndefined();
    }
  });
});
