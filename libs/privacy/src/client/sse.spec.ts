import { parseChatData, SseParser } from './sse';

const finalChunk = {
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
  inference_id: '7d3c7f4e-4a52-4a7b-9a1e-0c6f2f0d9b11',
  conversation_id: '0b9e2a55-3c1d-4d6e-8f70-1a2b3c4d5e6f',
};
const delta = (content: string) => ({
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta: { content } }],
});

// What the api streams, with the gateway's padding comments and a multi-byte character in a token.
const STREAM =
  `data: ${JSON.stringify(delta('Grüß '))}\n\n` +
  `:${' '.repeat(40)}\n` +
  `data: ${JSON.stringify(delta('dich 👋'))}\r\n\r\n` +
  // One event's data over two lines (joined by \n, still JSON), with CRLFs that a cut may split.
  `data: {"choices": [{"delta":\r\ndata: {"content": "!"}}]}\r\n\r\n` +
  `data: ${JSON.stringify(finalChunk)}\n\n` +
  'data: [DONE]\n\n';

function parseInPieces(bytes: Uint8Array, cuts: number[]): string[] {
  const parser = new SseParser();
  const events: string[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    events.push(...parser.push(bytes.subarray(start, cut)));
    start = cut;
  }
  parser.end();
  return events;
}

describe('SseParser', () => {
  const bytes = new TextEncoder().encode(STREAM);
  const whole = parseInPieces(bytes, []);

  it('yields each event’s data, skipping comment lines', () => {
    expect(whole.map(parseChatData)).toEqual([
      { type: 'delta', text: 'Grüß ' },
      { type: 'delta', text: 'dich 👋' },
      { type: 'delta', text: '!' },
      {
        type: 'final',
        inferenceId: finalChunk.inference_id,
        conversationId: finalChunk.conversation_id,
        text: '',
      },
      { type: 'end' },
    ]);
  });

  it('gives the same events however the bytes are cut (every single cut, inside characters and CRLFs)', () => {
    for (let cut = 1; cut < bytes.length; cut++) expect(parseInPieces(bytes, [cut])).toEqual(whole);
  });

  it('gives the same events from byte-at-a-time and random pieces', () => {
    expect(
      parseInPieces(
        bytes,
        Array.from({ length: bytes.length - 1 }, (_, i) => i + 1),
      ),
    ).toEqual(whole);
    let seed = 42;
    for (let round = 0; round < 200; round++) {
      const cuts: number[] = [];
      for (let at = 0; ;) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        at += 1 + (seed % 23);
        if (at >= bytes.length) break;
        cuts.push(at);
      }
      expect(parseInPieces(bytes, cuts)).toEqual(whole);
    }
  });

  it('drops an event the stream cut before its blank line', () => {
    const cut = new TextEncoder().encode(`data: ${JSON.stringify(delta('a'))}\n\ndata: {"choi`);

    expect(parseInPieces(cut, [])).toEqual([JSON.stringify(delta('a'))]);
  });
});

describe('parseChatData', () => {
  it('reads an error event in the api’s shape', () => {
    expect(
      parseChatData(JSON.stringify({ error: { code: 'NODE_UNAVAILABLE', message: 'no node' } })),
    ).toEqual({
      type: 'error',
      code: 'NODE_UNAVAILABLE',
      message: 'no node',
    });
  });

  it('turns a payload that is not JSON into an error, not a crash', () => {
    expect(parseChatData('{"choices": [')).toMatchObject({ type: 'error', code: 'RESPONSE_INVALID' });
  });
});
