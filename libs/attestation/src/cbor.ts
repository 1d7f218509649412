// A strict, minimal CBOR (RFC 8949) codec: just what COSE_Sign1 attestation documents use. It exists because
// the CBOR packages in the tree are ES-module-only and cannot be loaded by this repo's CommonJS Jest run.

export type CborValue =
  number | bigint | string | boolean | null | undefined | Uint8Array | CborValue[] | CborMap | CborTagged;

export type CborMap = Map<CborValue, CborValue>;

export interface CborTagged {
  tag: number;
  value: CborValue;
}

const MAX_DEPTH = 16;

export class CborError extends Error {}

/** Decodes exactly one data item; trailing bytes, indefinite lengths and unknown simple values are rejected. */
export function decodeCbor(bytes: Uint8Array): CborValue {
  const reader = new Reader(bytes);
  const value = reader.item(0);
  if (reader.offset !== bytes.length) throw new CborError('trailing bytes after CBOR item');
  return value;
}

export function isCborTagged(value: CborValue): value is CborTagged {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && 'tag' in value;
}

class Reader {
  offset = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  item(depth: number): CborValue {
    if (depth > MAX_DEPTH) throw new CborError('CBOR nesting too deep');
    const initial = this.take(1)[0];
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (major === 7) return this.simple(info);
    const argument = this.argument(info);
    switch (major) {
      case 0:
        return argument;
      case 1:
        return typeof argument === 'bigint' ? -1n - argument : -1 - argument;
      case 2:
        return this.take(this.length(argument)).slice();
      case 3:
        return new TextDecoder('utf-8', { fatal: true }).decode(this.take(this.length(argument)));
      case 4:
        return Array.from({ length: this.length(argument) }, () => this.item(depth + 1));
      case 5: {
        const map: CborMap = new Map();
        for (let index = this.length(argument); index > 0; index -= 1) {
          const key = this.item(depth + 1);
          if (map.has(key)) throw new CborError('duplicate CBOR map key');
          map.set(key, this.item(depth + 1));
        }
        return map;
      }
      default:
        return { tag: this.length(argument), value: this.item(depth + 1) };
    }
  }

  private simple(info: number): CborValue {
    switch (info) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return undefined;
      case 26:
        return this.view.getFloat32(this.advance(4));
      case 27:
        return this.view.getFloat64(this.advance(8));
      default:
        throw new CborError(`unsupported CBOR simple value ${info}`);
    }
  }

  private argument(info: number): number | bigint {
    if (info < 24) return info;
    if (info === 24) return this.view.getUint8(this.advance(1));
    if (info === 25) return this.view.getUint16(this.advance(2));
    if (info === 26) return this.view.getUint32(this.advance(4));
    if (info === 27) {
      const value = this.view.getBigUint64(this.advance(8));
      return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
    }
    throw new CborError('indefinite or reserved CBOR length');
  }

  private length(argument: number | bigint): number {
    if (typeof argument === 'bigint' || argument > this.bytes.length - this.offset) {
      throw new CborError('CBOR length exceeds the input');
    }
    return argument;
  }

  private advance(count: number): number {
    this.take(count);
    return this.offset - count;
  }

  private take(count: number): Uint8Array {
    if (this.offset + count > this.bytes.length) throw new CborError('truncated CBOR input');
    const slice = this.bytes.subarray(this.offset, this.offset + count);
    this.offset += count;
    return slice;
  }
}

/** Encodes the arrays of text and byte strings that COSE Sig_structures are made of. */
export function encodeCbor(value: string | Uint8Array | readonly (string | Uint8Array)[]): Uint8Array {
  if (typeof value === 'string') {
    const utf8 = new TextEncoder().encode(value);
    return concat(head(3, utf8.length), utf8);
  }
  if (value instanceof Uint8Array) return concat(head(2, value.length), value);
  return concat(head(4, value.length), ...value.map((element) => encodeCbor(element)));
}

function head(major: number, length: number): Uint8Array {
  const type = major << 5;
  if (length < 24) return Uint8Array.of(type | length);
  if (length < 0x100) return Uint8Array.of(type | 24, length);
  if (length < 0x10000) return Uint8Array.of(type | 25, length >> 8, length & 0xff);
  const bytes = new Uint8Array(5);
  bytes[0] = type | 26;
  new DataView(bytes.buffer).setUint32(1, length);
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}
