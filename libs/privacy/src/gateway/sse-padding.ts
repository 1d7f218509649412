const PAD_TO = 128;

/**
 * Pads a piece of a server-sent event stream to a multiple of PAD_TO bytes with an SSE comment line (":" ...), which
 * every SSE parser ignores. Without it, the size of each sealed chunk would tell the relay the length of each streamed
 * token (the token-length side channel). Only a piece that ends a line can take a comment line after it.
 */
export function padEventStreamPiece(piece: Uint8Array): Uint8Array {
  if (piece.length === 0 || piece[piece.length - 1] !== 0x0a) return piece;
  // ":" + spaces + "\n" takes at least 2 bytes.
  const padded = Math.ceil((piece.length + 2) / PAD_TO) * PAD_TO;
  const out = new Uint8Array(padded);
  out.set(piece);
  out[piece.length] = 0x3a; // ':'
  out.fill(0x20, piece.length + 1, padded - 1);
  out[padded - 1] = 0x0a;
  return out;
}

/** Holds back what follows the last line break of a piece until a later piece completes the line. */
export class LineCarry {
  private carried: Uint8Array = new Uint8Array();

  /** The whole lines available now (possibly none), the partial last line kept for later. */
  take(piece: Uint8Array): Uint8Array {
    const joined = this.carried.length === 0 ? piece : Buffer.concat([this.carried, piece]);
    const end = joined.lastIndexOf(0x0a) + 1;
    this.carried = joined.subarray(end);
    return joined.subarray(0, end);
  }

  /** What is left at the end of the stream: a last line without its line break, sent as it is. */
  rest(): Uint8Array {
    const rest = this.carried;
    this.carried = new Uint8Array();
    return rest;
  }
}
