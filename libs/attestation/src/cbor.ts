// CBOR (RFC 8949) through cbor-x, held to the deterministic encoding (RFC 8949 §4.2.1) COSE_Sign1 attestation
// documents use. cbor-x's CommonJS build loads under Jest; its optional native string extractor is not needed.
import { Decoder, Encoder } from 'cbor-x';

export type CborValue =
  number | bigint | string | boolean | null | undefined | Uint8Array | CborValue[] | CborMap | CborTagged;

export type CborMap = Map<CborValue, CborValue>;

export interface CborTagged {
  tag: number;
  value: CborValue;
}

export class CborError extends Error {}

// Maps stay Maps (COSE keys are integers), cbor-x records stay off, and a Uint8Array is a plain bstr (no tag 64).
const options = { mapsAsObjects: false, useRecords: false, tagUint8Array: false } as const;
const decoder = new Decoder(options);
const encoder = new Encoder(options);

/**
 * Exactly one item, and only input cbor-x re-encodes to the same bytes (no trailing bytes, indefinite or non-minimal
 * lengths, duplicate keys, records), so a verifier reads exactly what was signed. Tags cbor-x knows (RFC 8746 typed
 * arrays, dates) come back as objects, which no attestation field accepts.
 */
export function decodeCbor(bytes: Uint8Array): CborValue {
  let decoded: unknown;
  let reencoded: Uint8Array;
  try {
    decoded = decoder.decode(bytes);
    reencoded = encoder.encode(decoded);
  } catch (error) {
    throw new CborError(error instanceof Error ? error.message : String(error));
  }
  if (Buffer.compare(reencoded, bytes) !== 0) throw new CborError('not deterministically encoded CBOR');
  // cbor-x types its result as any; the round trip above leaves only well-formed CBOR data.
  return decoded as CborValue;
}

export function isCborTagged(value: CborValue): value is CborTagged {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && 'tag' in value;
}

export function encodeCbor(value: string | Uint8Array | readonly (string | Uint8Array)[]): Uint8Array {
  // A copy: cbor-x may hand back a view of a buffer it reuses for the next encode.
  return Uint8Array.from(encoder.encode(value));
}
