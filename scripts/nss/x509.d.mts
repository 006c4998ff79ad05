/** One DER TLV: tag, start offset, content offset and end offset. */
export interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly body: number;
  readonly end: number;
}

/** The TLV at `p`, which must end by `end`. */
export function readTlv(buf: Uint8Array, p: number, end?: number): Tlv;
/** The TLVs directly inside a constructed TLV. */
export function children(buf: Uint8Array, tlv: Tlv): Tlv[];
/** Serial, issuer and subject as DER TLVs, and the hex subject key identifier ("" if none). */
export function certificateFields(der: Uint8Array): {
  serial: Uint8Array;
  issuer: Uint8Array;
  subject: Uint8Array;
  ski: string;
};
