/** PEM (RFC 7468) and the strict base64 (RFC 4648 §4) under it. */
import { TlsError } from '../errors.js';

// ---------------------------------------------------------------- PEM and base64

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64.length; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Strict standard base64 (RFC 4648 §4), whitespace ignored. */
export function base64Decode(text: string): Uint8Array {
  const clean = text.replace(/[\s]+/g, '');
  if (clean.length % 4 !== 0) throw new TlsError('DECODE_ERROR', 'malformed base64: length');
  let pad = 0;
  if (clean.endsWith('==')) pad = 2;
  else if (clean.endsWith('=')) pad = 1;
  const out = new Uint8Array((clean.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    let v = 0;
    for (let j = 0; j < 4; j++) {
      const c = clean.charCodeAt(i + j);
      const isPad = c === 61 && i + 4 === clean.length && j >= 4 - pad;
      const d = isPad ? 0 : c < 128 ? B64_INDEX[c]! : -1;
      if (d < 0) throw new TlsError('DECODE_ERROR', 'malformed base64: bad character');
      v = (v << 6) | d;
    }
    out[o++] = v >>> 16;
    if (o < out.length) out[o++] = (v >>> 8) & 0xff;
    if (o < out.length) out[o++] = v & 0xff;
    // Non-zero bits under the padding would make the encoding non-canonical.
    if (i + 4 === clean.length && ((pad === 1 && (v & 0xff) !== 0) || (pad === 2 && (v & 0xffff) !== 0))) {
      throw new TlsError('DECODE_ERROR', 'malformed base64: non-canonical padding');
    }
  }
  return out;
}

const B64_CODES = Uint8Array.from(B64, (c) => c.charCodeAt(0));
const PAD = 0x3d; // '='

/**
 * Standard base64 with padding (RFC 4648 §4). The characters are gathered
 * as codes and made into flat strings by fromCharCode: the certificate
 * caches use the result as a key, and a string built by appending would be
 * flattened (copied) again when hashed.
 */
export function base64Encode(bytes: Uint8Array): string {
  const codes = new Array<number>(Math.ceil(bytes.length / 3) * 4);
  let o = 0;
  for (let i = 0; i < bytes.length; i += 3) {
    const n = bytes.length - i;
    const v = (bytes[i]! << 16) | ((n > 1 ? bytes[i + 1]! : 0) << 8) | (n > 2 ? bytes[i + 2]! : 0);
    codes[o++] = B64_CODES[v >>> 18]!;
    codes[o++] = B64_CODES[(v >>> 12) & 63]!;
    codes[o++] = n > 1 ? B64_CODES[(v >>> 6) & 63]! : PAD;
    codes[o++] = n > 2 ? B64_CODES[v & 63]! : PAD;
  }
  // In slices: fromCharCode takes its codes as arguments.
  if (codes.length <= 8192) return String.fromCharCode.apply(null, codes);
  let out = '';
  for (let i = 0; i < codes.length; i += 8192) out += String.fromCharCode.apply(null, codes.slice(i, i + 8192));
  return out;
}

/** One PEM block (RFC 7468): its label, e.g. "CERTIFICATE", and the decoded DER. */
export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

/** All PEM blocks in `text` (RFC 7468 §2); text between blocks is ignored. */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  // Labels may contain single hyphens (RFC 7468 §3), so match lazily up to the dashes.
  const re = /-----BEGIN ([^\r\n]*?)-----([\s\S]*?)-----END ([^\r\n]*?)-----/g;
  let m: RegExpExecArray | null;
  let lastEnd = 0;
  while ((m = re.exec(text)) !== null) {
    // A BEGIN inside the gap we skipped means an unterminated block.
    if (text.slice(lastEnd, m.index).includes('-----BEGIN ')) {
      throw new TlsError('DECODE_ERROR', 'malformed PEM: unterminated block');
    }
    const [, label, body, endLabel] = m;
    if (label !== endLabel) throw new TlsError('DECODE_ERROR', 'malformed PEM: label mismatch');
    if (body!.includes('-----BEGIN ')) throw new TlsError('DECODE_ERROR', 'malformed PEM: nested BEGIN');
    // RFC 1421 headers (e.g. Proc-Type: 4,ENCRYPTED) mean an encrypted key we cannot read.
    if (body!.includes(':')) throw new TlsError('DECODE_ERROR', 'unsupported PEM headers (encrypted key?)');
    out.push({ label: label!, der: base64Decode(body!) });
    lastEnd = re.lastIndex;
  }
  if (text.slice(lastEnd).includes('-----BEGIN ')) {
    throw new TlsError('DECODE_ERROR', 'malformed PEM: unterminated block');
  }
  return out;
}

/** DER payloads of the PEM blocks in `pem`, only those labelled `label` if given. */
export function pemToDer(pem: string, label?: string): Uint8Array[] {
  return pemBlocks(pem)
    .filter((b) => label === undefined || b.label === label)
    .map((b) => b.der);
}

/** Encodes DER as one PEM block with 64-character lines (RFC 7468 §2). */
export function derToPem(der: Uint8Array, label: string): string {
  const b64 = base64Encode(der);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
