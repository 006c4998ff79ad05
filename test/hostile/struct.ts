/**
 * A tiny encoder for TLS presentation-language structures (RFC 8446 §3)
 * that remembers where every length prefix sits, so tests can make each
 * length disagree with its container. Independent of src/codec.ts.
 */

export type Field =
  | { kind: 'u8' | 'u16' | 'u24' | 'u32'; value: number }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'vec'; lenBytes: 1 | 2 | 3; label: string; items: Field[] };

export const u8 = (value: number): Field => ({ kind: 'u8', value });
export const u16 = (value: number): Field => ({ kind: 'u16', value });
export const u24 = (value: number): Field => ({ kind: 'u24', value });
export const u32 = (value: number): Field => ({ kind: 'u32', value });
export const bytes = (value: Uint8Array): Field => ({ kind: 'bytes', value });
export const vec = (lenBytes: 1 | 2 | 3, label: string, ...items: Field[]): Field => ({ kind: 'vec', lenBytes, label, items });

export interface LengthField {
  /** Path of labels from the outside in, e.g. "ServerHello > extensions > key_share". */
  label: string;
  offset: number;
  lenBytes: 1 | 2 | 3;
  value: number;
}

export interface Encoded {
  bytes: Uint8Array;
  lengths: LengthField[];
}

const width = { u8: 1, u16: 2, u24: 3, u32: 4 } as const;

export function encode(fields: readonly Field[]): Encoded {
  const out: number[] = [];
  const lengths: LengthField[] = [];
  const put = (v: number, n: number) => {
    for (let i = n - 1; i >= 0; i--) out.push(Math.floor(v / 2 ** (8 * i)) & 0xff);
  };
  const walk = (f: Field, path: string) => {
    if (f.kind === 'bytes') {
      for (const b of f.value) out.push(b);
    } else if (f.kind === 'vec') {
      const label = path ? `${path} > ${f.label}` : f.label;
      const at = out.length;
      put(0, f.lenBytes);
      const start = out.length;
      for (const item of f.items) walk(item, label);
      const n = out.length - start;
      for (let i = 0; i < f.lenBytes; i++) out[at + i] = (n >>> (8 * (f.lenBytes - 1 - i))) & 0xff;
      lengths.push({ label, offset: at, lenBytes: f.lenBytes, value: n });
    } else {
      put(f.value, width[f.kind]);
    }
  };
  for (const f of fields) walk(f, '');
  return { bytes: Uint8Array.from(out), lengths };
}

/** A copy of `e.bytes` with one length field set to `value` (containers unchanged). */
export function withLength(e: Encoded, field: LengthField, value: number): Uint8Array {
  const out = e.bytes.slice();
  for (let i = 0; i < field.lenBytes; i++) out[field.offset + i] = (value >>> (8 * (field.lenBytes - 1 - i))) & 0xff;
  return out;
}

/** The disagreeing values tried for a length field: one less, one more, and the largest. */
export function lengthMutations(field: LengthField): Array<{ name: string; value: number }> {
  const max = 2 ** (8 * field.lenBytes) - 1;
  const out: Array<{ name: string; value: number }> = [];
  if (field.value > 0) out.push({ name: '-1', value: field.value - 1 });
  if (field.value < max) out.push({ name: '+1', value: field.value + 1 });
  if (field.value + 1 < max) out.push({ name: 'max', value: max });
  return out;
}
