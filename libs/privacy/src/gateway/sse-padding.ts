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
