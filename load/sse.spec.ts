import { readSse, SseEvent, SseParser } from './sse';

function parseAll(chunks: string[]): SseEvent[] {
  const parser = new SseParser();
  return [...chunks.flatMap((c) => parser.push(c)), ...parser.end()];
}

describe('SseParser', () => {
  const stream =
    'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\n' +
    ': keep-alive comment\n\n' +
    'event: update\ndata: line one\ndata: line two\n\n' +
    'data: [DONE]\n\n';
  const expected: SseEvent[] = [
    { event: undefined, data: '{"choices":[{"delta":{"content":"Hi"}}]}' },
    { event: 'update', data: 'line one\nline two' },
    { event: undefined, data: '[DONE]' },
  ];

  it('reads data, multi-line data and event types, and skips comments', () => {
    expect(parseAll([stream])).toEqual(expected);
  });

  it('gives the same events however the stream is split, down to one character per chunk', () => {
    expect(parseAll(stream.split(''))).toEqual(expected);
    for (let cut = 1; cut < stream.length; cut += 7)
      expect(parseAll([stream.slice(0, cut), stream.slice(cut)])).toEqual(expected);
  });

  it('accepts CRLF and CR line ends, including a CRLF split across chunks', () => {
    const crlf = stream.replace(/\n/g, '\r\n');
    expect(parseAll([crlf])).toEqual(expected);
    expect(parseAll(crlf.split(''))).toEqual(expected);
    expect(parseAll([stream.replace(/\n/g, '\r')])).toEqual(expected);
    // A CR then LF in the next chunk is one line end, not an empty line that would dispatch early.
    expect(parseAll(['data: a\r', '\ndata: b\r\n\r\n'])).toEqual([{ event: undefined, data: 'a\nb' }]);
  });

  it('keeps a value without the optional space, and drops an event the stream cut short', () => {
    expect(parseAll(['data:x\n\ndata: unfinished'])).toEqual([{ event: undefined, data: 'x' }]);
  });
});

describe('readSse', () => {
  it('decodes UTF-8 split inside a character', async () => {
    const bytes = new TextEncoder().encode('data: {"content":"héllo 👋"}\n\n');
    async function* body(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i++) yield bytes.slice(i, i + 1);
    }
    const events: SseEvent[] = [];
    for await (const event of readSse(body())) events.push(event);
    expect(events).toEqual([{ event: undefined, data: '{"content":"héllo 👋"}' }]);
  });
});
