import { OhttpError } from './errors';
import { varintLength } from './varint';

/**
 * Buffers an arbitrarily fragmented byte stream (TCP reads) so that frames can be read whole.
 * It never holds more than one frame plus one read's worth: callers bound the frame size before asking for it.
 */
export class StreamReader {
  private readonly parts: Uint8Array[] = [];
  private buffered = 0;
  private ended = false;

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  static of(body: AsyncIterable<Uint8Array>): StreamReader {
    return new StreamReader(body[Symbol.asyncIterator]());
  }

  /** True once n bytes are buffered; false when the stream ended first. */
  async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.ended) {
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
      } else if (next.value.length > 0) {
        this.parts.push(next.value);
        this.buffered += next.value.length;
      }
    }
    return this.buffered >= n;
  }

  async readExactly(n: number, what: string): Promise<Uint8Array> {
    if (!(await this.fill(n))) throw new OhttpError('TRUNCATED', `stream ended inside ${what}`);
    return this.take(n);
  }

  /** The next QUIC varint, or null when the stream ends cleanly before it. */
  async readVarint(): Promise<number | null> {
    if (!(await this.fill(1))) return null;
    const length = varintLength(this.peekByte());
    const bytes = await this.readExactly(length, 'a length prefix');
    let value = bytes[0] & 0x3f;
    for (let i = 1; i < length; i++) value = value * 256 + bytes[i];
    return value;
  }

  /** Everything up to the end of the stream; more than `max` bytes is MALFORMED. */
  async readToEnd(max: number): Promise<Uint8Array> {
    while (!this.ended) {
      if (this.buffered > max) throw new OhttpError('MALFORMED', `final chunk longer than ${max} bytes`);
      await this.fill(this.buffered + 1);
    }
    if (this.buffered > max) throw new OhttpError('MALFORMED', `final chunk longer than ${max} bytes`);
    return this.take(this.buffered);
  }

  /** Lets the source release its resources when the reader stops early. */
  async close(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      await this.source.return?.();
    }
  }

  private peekByte(): number {
    return this.parts[0][0];
  }

  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const head = this.parts[0];
      const want = n - at;
      if (head.length <= want) {
        out.set(head, at);
        at += head.length;
        this.parts.shift();
      } else {
        out.set(head.subarray(0, want), at);
        this.parts[0] = head.subarray(want);
        at += want;
      }
    }
    this.buffered -= n;
    return out;
  }
}
