import {
  chunkEvent,
  errorEvent,
  NODE_EVENT_MAX_CHARS,
  parseNodeEvents,
  receiptEvent,
  SSE_DONE,
  type NodeEvent,
} from './sse';
import { MAX_CONTINUATION_BYTES, parseCompletionBody, toCompletionBody } from './completion-body';
import { ProtocolError } from './protocol.types';

async function* pieces(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let at = 0; at < bytes.length; at += size) yield bytes.slice(at, at + size);
}

async function events(text: string, size = 7): Promise<NodeEvent[]> {
  const all: NodeEvent[] = [];
  for await (const event of parseNodeEvents(pieces(text, size))) all.push(event);
  return all;
}

const meta = { id: 'chatcmpl-1', created: 1, model: 'embedded' };
const sseEventOf = (chars: number): string => chunkEvent(meta, 'x'.repeat(chars), false);
const receipt = {
  finish_reason: 'stop' as const,
  receipt: { inferenceId: 'i' } as never,
  digest: '0x01',
  signature: '0x02',
  salt: '0x03',
};

describe('node SSE', () => {
  it('reads back chunks, the receipt and [DONE], split anywhere (multi-byte text included)', async () => {
    const stream =
      chunkEvent(meta, 'Héllo ', true) + ': keep-alive\n\n' + chunkEvent(meta, 'wörld 👋', false);
    const all = await events(stream + receiptEvent(receipt) + SSE_DONE, 3);
    expect(all).toEqual([
      { kind: 'delta', content: 'Héllo ' },
      { kind: 'delta', content: 'wörld 👋' },
      { kind: 'receipt', event: { object: 'twinproof.receipt', ...receipt } },
      { kind: 'done' },
    ]);
  });

  it('reads an error event and CRLF line ends', async () => {
    const all = await events(errorEvent('MODEL_FAILED', 'upstream 500').replace(/\n/g, '\r\n'));
    expect(all).toEqual([{ kind: 'error', code: 'MODEL_FAILED', message: 'upstream 500' }]);
  });

  it('reads the same events whatever the read size, every separator included (1 byte to all at once)', async () => {
    const stream =
      chunkEvent(meta, 'a', true) +
      'data: {"object":"chat.completion.chunk","choices":[{"delta":{"content":"b"}}]}\r\n\r\n' +
      'data: {"object":"chat.completion.chunk","choices":[{"delta":{"content":"c"}}]}\n\r\n' +
      'data: {"object":"chat.completion.chunk","choices":[{"delta":{"content":"d"}}]}\r\n\n' +
      SSE_DONE;
    const expected = ['a', 'b', 'c', 'd'].map((content) => ({ kind: 'delta', content }));
    for (const size of [1, 2, 3, 5, stream.length])
      expect(await events(stream, size)).toEqual([...expected, { kind: 'done' }]);
  });

  it('reads an event just under the size cap, arriving in small reads', async () => {
    const content = 'x'.repeat(NODE_EVENT_MAX_CHARS - 200);
    expect(await events(chunkEvent(meta, content, false) + SSE_DONE, 4096)).toEqual([
      { kind: 'delta', content },
      { kind: 'done' },
    ]);
  });

  it('fails on an event over the cap as soon as it is too big: an endless line cannot grow memory', async () => {
    const mib = new TextEncoder().encode('x'.repeat(1 << 20));
    let sent = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode('data: "');
      for (; sent < 20; sent += 1) yield mib;
    }
    const read = async (): Promise<void> => {
      for await (const event of parseNodeEvents(endless())) void event;
    };
    await expect(read()).rejects.toThrow(
      new ProtocolError(`The node sent an event over ${NODE_EVENT_MAX_CHARS} characters.`),
    );
    expect(sent).toBeLessThanOrEqual(1);
    // One read holding a whole event over the cap is refused too.
    await expect(events(sseEventOf(NODE_EVENT_MAX_CHARS + 1), Infinity)).rejects.toThrow(
      /over 1048576 characters/,
    );
  });

  it('refuses an event that is not JSON or a malformed receipt', async () => {
    await expect(events('data: {nope\n\n')).rejects.toThrow(ProtocolError);
    await expect(events('data: {"object":"twinproof.receipt"}\n\n')).rejects.toThrow(ProtocolError);
  });
});

describe('completion body', () => {
  const request = {
    model: {
      modelId: 'embedded',
      messages: [{ role: 'user' as const, content: 'hi' }],
      maxTokens: 20,
      topP: 0.5,
    },
    receipt: {
      inferenceId: 'i-1',
      conversationId: 'c-1',
      previousDigest: `0x${'00'.repeat(32)}`,
      personaVersionHash: `0x${'ab'.repeat(32)}`,
    },
  };

  it('round-trips through JSON', () => {
    const parsed = parseCompletionBody(JSON.parse(JSON.stringify(toCompletionBody(request))));
    expect(parsed.receipt).toEqual(request.receipt);
    expect(parsed.model).toMatchObject(request.model);
  });

  it('names the first wrong field', () => {
    const body = toCompletionBody(request);
    expect(() => parseCompletionBody({ ...body, stream: false })).toThrow(/stream/);
    expect(() => parseCompletionBody({ ...body, messages: [{ role: 'tool', content: 'x' }] })).toThrow(
      /message/,
    );
    expect(() =>
      parseCompletionBody({ ...body, twinproof: { ...body.twinproof, previousDigest: '0x1' } }),
    ).toThrow(/previousDigest/);
    expect(() => parseCompletionBody({ ...body, max_tokens: 0 })).toThrow(/max_tokens/);
  });

  const prefixNode = '0x2222222222222222222222222222222222222222';

  it('carries a takeover’s continuation to the node, which passes the prefix to the model too', () => {
    const continuation = { prefix: 'Lisbon is ✓ ', prefixNode };
    const parsed = parseCompletionBody(
      JSON.parse(JSON.stringify(toCompletionBody({ ...request, continuation }))),
    );
    expect(parsed.continuation).toEqual(continuation);
    expect(parsed.model.continuation).toBe(continuation.prefix);
    const plain = parseCompletionBody(JSON.parse(JSON.stringify(toCompletionBody(request))));
    expect(plain.continuation).toBeUndefined();
    expect(plain.model.continuation).toBeUndefined();
  });

  it('refuses a continuation with an empty, oversized or non-text prefix, or a bad prefixNode', () => {
    const body = toCompletionBody(request);
    const withContinuation = (continuation: unknown) => ({
      ...body,
      twinproof: { ...body.twinproof, continuation },
    });
    const bad: [unknown, RegExp][] = [
      [{ prefix: '', prefixNode }, /prefix must/],
      [{ prefix: 'é'.repeat(MAX_CONTINUATION_BYTES / 2 + 1), prefixNode }, /prefix must/],
      [{ prefix: 42, prefixNode }, /prefix must/],
      [{ prefix: 'Hi', prefixNode: '0x1234' }, /prefixNode/],
      [{ prefix: 'Hi', prefixNode: `0x${'00'.repeat(20)}` }, /prefixNode/],
      [{ prefix: 'Hi' }, /prefixNode/],
      ['Hi', /continuation/],
    ];
    for (const [continuation, message] of bad)
      expect(() => parseCompletionBody(withContinuation(continuation))).toThrow(message);
    // Exactly at the limit, counted in UTF-8 bytes, is accepted.
    const atLimit = 'é'.repeat(MAX_CONTINUATION_BYTES / 2);
    expect(parseCompletionBody(withContinuation({ prefix: atLimit, prefixNode })).continuation?.prefix).toBe(
      atLimit,
    );
  });
});
