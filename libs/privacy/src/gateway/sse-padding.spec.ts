import { LineCarry, padEventStreamPiece } from './sse-padding';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (piece: Uint8Array): string => new TextDecoder().decode(piece);

/** The data of each event an SSE parser dispatches (comment lines ignored, a blank line ends an event). */
function events(stream: string): string[] {
  const out: string[] = [];
  let data: string[] = [];
  for (const line of stream.split('\n')) {
    if (line === '') {
      if (data.length) out.push(data.join('\n'));
      data = [];
    } else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  return out;
}

describe('padEventStreamPiece', () => {
  it('pads a piece that ends a line to a multiple of 128 bytes, so token lengths do not show', () => {
    for (const length of [1, 2, 50, 125, 126, 127, 128, 200, 1000]) {
      const piece = bytes(`${'x'.repeat(length - 1)}\n`);
      const padded = padEventStreamPiece(piece);
      expect(padded.length % 128).toBe(0);
      // The comment line needs 2 bytes at least (":" and "\n"), hence the next multiple.
      expect(padded.length).toBe(Math.ceil((length + 2) / 128) * 128);
      expect(padded.subarray(0, length)).toEqual(piece);
    }
  });

  it('pads with one SSE comment line, so parsed events are the same', () => {
    const stream = ['data: {"a":"Hel"}\n\n', 'data: {"a":"lo"}\n\n', 'data: [DONE]\n\n'];
    const padded = stream.map((piece) => text(padEventStreamPiece(bytes(piece))));
    for (const [i, piece] of padded.entries()) {
      const comment = piece.slice(stream[i].length);
      expect(comment).toMatch(/^: *\n$/);
    }
    expect(events(padded.join(''))).toEqual(events(stream.join('')));
    expect(events(padded.join(''))).toEqual(['{"a":"Hel"}', '{"a":"lo"}', '[DONE]']);
  });

  it('leaves a piece that stops mid-line (a comment there would corrupt the line) and an empty one alone', () => {
    expect(text(padEventStreamPiece(bytes('data: {"a":')))).toBe('data: {"a":');
    expect(padEventStreamPiece(new Uint8Array(0)).length).toBe(0);
  });

  it('sends an event stream cut mid-line in whole lines, so every piece can be padded', () => {
    const lines = new LineCarry();
    const sent = ['data: {"a', '":1}\n\ndata: {"b', '":2}\n', '\ndata: [DONE]'].map((piece) =>
      text(lines.take(bytes(piece))),
    );
    expect(sent).toEqual(['', 'data: {"a":1}\n\n', 'data: {"b":2}\n', '\n']);
    expect(text(lines.rest())).toBe('data: [DONE]');
    expect(lines.rest().length).toBe(0);
  });
});
