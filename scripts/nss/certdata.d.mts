/** One attribute of a certdata.txt object: bytes for MULTILINE_OCTAL, text otherwise. */
export interface CertdataAttribute {
  readonly type: string;
  readonly value: string | Uint8Array;
}

/** One object of certdata.txt (from its CKA_CLASS line up to the next). */
export interface CertdataObject {
  /** 1-based line of the object's CKA_CLASS. */
  readonly line: number;
  readonly attrs: ReadonlyMap<string, CertdataAttribute>;
}

/** A root NSS trusts for TLS servers, as serverRoots() returns it. */
export interface NssServerRoot {
  readonly label: string;
  readonly der: Uint8Array;
  /** The subject Name, DER. */
  readonly subject: Uint8Array;
  /** Hex subject key identifier, or "". */
  readonly ski: string;
  /** CKA_NSS_SERVER_DISTRUST_AFTER, or null. */
  readonly distrustAfter: Date | null;
  /** Hex SHA-256 of the DER. */
  readonly sha256: string;
}

/** Bytes of a MULTILINE_OCTAL block's lines. */
export function decodeOctalLines(lines: readonly string[], firstLine?: number): Uint8Array;
/** The objects after BEGINDATA. */
export function parseCertdata(text: string): CertdataObject[];
/** A 13-byte UTCTime ("YYMMDDHHMMSSZ") as a Date. */
export function parseUtcTime(bytes: Uint8Array): Date;
/** The roots trusted for TLS servers (CKT_NSS_TRUSTED_DELEGATOR), checked against their trust objects. */
export function serverRoots(objects: readonly CertdataObject[]): NssServerRoot[];
