import { concat } from './bytes';
import { Cursor, encodeFieldLines, FieldLines, headerLines, malformed, toHeaders } from './bhttp-wire';
import { OhttpError } from './errors';
import { encodeVarint, readVarint } from './varint';

export type BhttpResponseEvent =
  | { type: 'head'; status: number; headers: Headers }
  | { type: 'content'; bytes: Uint8Array }
  | { type: 'end' };

const INDETERMINATE_RESPONSE = 3;
const KNOWN_RESPONSE = 1;

/** Indeterminate-length response (RFC 9292 §3.2, framing indicator 3), written as the content is produced. */
export class BhttpResponseStreamEncoder {
  head(status: number, headers: Headers): Uint8Array {
    return concat(
      encodeVarint(INDETERMINATE_RESPONSE),
      encodeVarint(status),
      encodeFieldLines(headerLines(headers)),
      encodeVarint(0),
    );
  }

  /** A content chunk; an empty piece writes nothing, since a zero length would end the content. */
  content(piece: Uint8Array): Uint8Array {
    return piece.length === 0 ? new Uint8Array(0) : concat(encodeVarint(piece.length), piece);
  }

  /** Content terminator, an empty trailer section, then `padding` zero bytes (RFC 9292 §3.8). */
  end(padding = 0): Uint8Array {
    return concat(Uint8Array.of(0, 0), new Uint8Array(padding));
  }
}

type State = 'framing' | 'status' | 'fields' | 'content' | 'content-data' | 'trailers' | 'padding';

/**
 * Push-based decoder for a response arriving in pieces of any size (known- or indeterminate-length):
 * `push(bytes)` returns the events those bytes complete — content as soon as it arrives, not whole chunks —
 * and `end()` checks the message was complete (TRUNCATED otherwise; MALFORMED for bad bytes, at push time).
 * Field sections are buffered up to `maxFieldSection` bytes.
 */
export class BhttpResponseStreamDecoder {
  private pending: Uint8Array = new Uint8Array(0);
  private state: State = 'framing';
  private known = false;
  private status = 0;
  private remaining = 0;
  private contentStarted = false;

  constructor(private readonly maxFieldSection = 64 * 1024) {}

  push(bytes: Uint8Array): BhttpResponseEvent[] {
    this.pending = this.pending.length ? concat(this.pending, bytes) : bytes;
    const events: BhttpResponseEvent[] = [];
    while (this.step(events));
    return events;
  }

  end(): BhttpResponseEvent[] {
    if (this.state === 'padding') return [];
    // RFC 9292 §3.8: the message may end before its header section, content or trailers, which are then empty.
    const truncatable =
      (this.state === 'fields' && this.status >= 200) ||
      (this.state === 'content' && !this.contentStarted) ||
      this.state === 'trailers';
    if (truncatable && this.pending.length === 0) {
      const events: BhttpResponseEvent[] = [];
      if (this.state === 'fields') events.push({ type: 'head', status: this.status, headers: new Headers() });
      this.state = 'padding';
      return [...events, { type: 'end' }];
    }
    throw new OhttpError('TRUNCATED', 'the response ended early');
  }

  /** Advances one element; false when more bytes are needed. */
  private step(events: BhttpResponseEvent[]): boolean {
    switch (this.state) {
      case 'framing': {
        const v = this.varint();
        if (v === null) return false;
        if (v !== INDETERMINATE_RESPONSE && v !== KNOWN_RESPONSE)
          throw malformed(`not a response (framing ${v})`);
        this.known = v === KNOWN_RESPONSE;
        this.state = 'status';
        return true;
      }
      case 'status': {
        const v = this.varint();
        if (v === null) return false;
        if (v < 100 || v > 599) throw malformed(`bad status ${v}`);
        this.status = v;
        this.state = 'fields';
        return true;
      }
      case 'fields': {
        const lines = this.fieldSection();
        if (!lines) return false;
        if (this.status < 200) {
          this.state = 'status'; // an informational response: skipped
        } else {
          events.push({ type: 'head', status: this.status, headers: toHeaders(lines) });
          this.state = 'content';
        }
        return true;
      }
      case 'content': {
        const v = this.varint();
        if (v === null) return false;
        this.contentStarted = true;
        if (this.known || v > 0) {
          this.remaining = v;
          this.state = 'content-data';
        } else {
          this.state = 'trailers';
        }
        return true;
      }
      case 'content-data': {
        if (this.remaining > 0) {
          if (this.pending.length === 0) return false;
          const piece = this.pending.subarray(0, Math.min(this.remaining, this.pending.length));
          this.pending = this.pending.subarray(piece.length);
          this.remaining -= piece.length;
          events.push({ type: 'content', bytes: piece.slice() });
        }
        if (this.remaining > 0) return false;
        this.state = this.known ? 'trailers' : 'content';
        return true;
      }
      case 'trailers': {
        if (this.pending.length === 0 || !this.fieldSection()) return false;
        this.state = 'padding';
        events.push({ type: 'end' });
        return true;
      }
      case 'padding': {
        if (this.pending.some((b) => b !== 0)) throw malformed('non-zero bytes after the message');
        this.pending = new Uint8Array(0);
        return false;
      }
    }
  }

  private varint(): number | null {
    const r = readVarint(this.pending, 0);
    if (!r) return null;
    this.pending = this.pending.subarray(r.next);
    return r.value;
  }

  /** A whole field section from `pending`, or null while it is incomplete. */
  private fieldSection(): FieldLines | null {
    const end = this.known ? this.knownSectionEnd() : this.indeterminateSectionEnd();
    if (end === null) {
      if (this.pending.length > this.maxFieldSection) throw malformed('field section too large');
      return null;
    }
    const c = new Cursor(this.pending.subarray(0, end));
    const lines = this.known ? c.knownFields() : c.indeterminateFields();
    this.pending = this.pending.subarray(end);
    return lines;
  }

  private knownSectionEnd(): number | null {
    const r = readVarint(this.pending, 0);
    if (!r) return null;
    if (r.value > this.maxFieldSection) throw malformed('field section too large');
    return r.next + r.value <= this.pending.length ? r.next + r.value : null;
  }

  private indeterminateSectionEnd(): number | null {
    let at = 0;
    for (;;) {
      const name = readVarint(this.pending, at);
      if (!name) return null;
      if (name.value === 0) return name.next;
      const value = readVarint(this.pending, name.next + name.value);
      if (!value) return null;
      at = value.next + value.value;
      if (at > this.pending.length) return null;
    }
  }
}
