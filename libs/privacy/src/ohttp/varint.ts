import { OhttpError } from './errors';

/** QUIC variable-length integer (RFC 9000 §16), as used by chunked OHTTP and Binary HTTP. */
export function encodeVarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint out of range: ${value}`);
  if (value < 0x40) return Uint8Array.of(value);
  if (value < 0x4000) return Uint8Array.of(0x40 | (value >> 8), value & 0xff);
  if (value < 0x40000000) {
    return Uint8Array.of(0x80 | (value >>> 24), (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
  }
  const out = new Uint8Array(8);
  let v = BigInt(value);
  for (let i = 7; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  out[0] |= 0xc0;
  return out;
}

export function varintLength(first: number): number {
  return 1 << (first >> 6);
}

/**
 * Reads a varint at `at`; null when the buffer ends inside it (more bytes may come).
 * Values above 2^53 are refused as MALFORMED: no length this code accepts comes near that.
 */
export function readVarint(buf: Uint8Array, at: number): { value: number; next: number } | null {
  if (at >= buf.length) return null;
  const length = varintLength(buf[at]);
  if (at + length > buf.length) return null;
  let value = buf[at] & 0x3f;
  for (let i = 1; i < length; i++) {
    value = value * 256 + buf[at + i];
  }
  if (!Number.isSafeInteger(value)) throw new OhttpError('MALFORMED', 'varint too large');
  return { value, next: at + length };
}
