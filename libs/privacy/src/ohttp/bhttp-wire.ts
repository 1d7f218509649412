import { concat } from './bytes';
import { OhttpError } from './errors';
import { encodeVarint, readVarint } from './varint';

/** Field names and values are HTTP octets; Fetch's Headers keep them as byte strings, hence latin1 both ways. */
export const octets = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
export const text = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');

export const malformed = (message: string): OhttpError => new OhttpError('MALFORMED', message);

export type FieldLines = Array<[string, string]>;

export function headerLines(headers: Headers): FieldLines {
  const lines: FieldLines = [];
  headers.forEach((value, name) => lines.push([name, value]));
  return lines;
}

export function encodeFieldLines(lines: FieldLines): Uint8Array {
  return concat(
    ...lines.flatMap(([name, value]) => {
      const n = octets(name.toLowerCase());
      const v = octets(value);
      return [encodeVarint(n.length), n, encodeVarint(v.length), v];
    }),
  );
}

export const lengthPrefixed = (bytes: Uint8Array): Uint8Array => concat(encodeVarint(bytes.length), bytes);

/** A bounds-checked reader over a whole message: running off the end is MALFORMED, never a TypeError. */
export class Cursor {
  at = 0;

  constructor(readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.at >= this.buf.length;
  }

  varint(): number {
    const r = readVarint(this.buf, this.at);
    if (!r) throw malformed('message ends inside a length');
    this.at = r.next;
    return r.value;
  }

  bytes(n: number): Uint8Array {
    if (n > this.buf.length - this.at) throw malformed('message ends inside a field');
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  string(): string {
    return text(this.bytes(this.varint()));
  }

  /** Known-length field section: a length, then name/value pairs filling it exactly. */
  knownFields(): FieldLines {
    const section = new Cursor(this.bytes(this.varint()));
    const lines: FieldLines = [];
    while (!section.done) lines.push(section.fieldLine());
    return lines;
  }

  /** Indeterminate-length field section: name/value pairs up to a zero name length. */
  indeterminateFields(): FieldLines {
    const lines: FieldLines = [];
    for (;;) {
      const nameLength = this.varint();
      if (nameLength === 0) return lines;
      const name = text(this.bytes(nameLength));
      lines.push([name, this.string()]);
    }
  }

  fieldLine(): [string, string] {
    const name = this.string();
    if (name.length === 0) throw malformed('empty field name');
    return [name, this.string()];
  }

  /** RFC 9292 §3.8: whatever follows the message must be zero padding. */
  padding(): void {
    for (; this.at < this.buf.length; this.at++) {
      if (this.buf[this.at] !== 0) throw malformed('non-zero bytes after the message');
    }
  }
}

export function toHeaders(lines: FieldLines): Headers {
  try {
    const headers = new Headers();
    for (const [name, value] of lines) headers.append(name, value);
    return headers;
  } catch {
    throw malformed('invalid field name or value');
  }
}
