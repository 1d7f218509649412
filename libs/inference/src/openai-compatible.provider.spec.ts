import { runInLogContext } from '@app/common/log-context';
import { ModelError, isAbortError } from './model-provider';
import { OpenAiCompatibleProvider } from './openai-compatible.provider';
import { OpenAiStandIn, startOpenAiStandIn } from './testing/openai-stand-in';

describe('OpenAI-compatible provider against a local stand-in', () => {
  let standIn: OpenAiStandIn;
  let provider: OpenAiCompatibleProvider;
  const request = {
    modelId: 'local-llama',
    messages: [
      { role: 'system' as const, content: 'Name: Mira' },
      { role: 'user' as const, content: 'hi' },
    ],
  };

  beforeEach(async () => {
    standIn = await startOpenAiStandIn();
    provider = new OpenAiCompatibleProvider({ id: 'local-llama', baseURL: standIn.baseURL, model: 'llama3' });
  });

  afterEach(() => standIn.close());

  it('streams the tokens the server sends and passes the request through', async () => {
    standIn.behave({ kind: 'reply', tokens: ['Hello', ', ', 'Ada', '!'] });
    const tokens: string[] = [];
    const signal = new AbortController().signal;
    for await (const token of provider.stream({ ...request, maxTokens: 64, temperature: 0.5 }, signal)) {
      tokens.push(token);
    }
    expect(tokens).toEqual(['Hello', ', ', 'Ada', '!']);
    expect(standIn.requests[0]).toMatchObject({
      model: 'llama3',
      stream: true,
      max_tokens: 64,
      temperature: 0.5,
      messages: [
        { role: 'system', content: 'Name: Mira' },
        { role: 'user', content: 'hi' },
      ],
    });
  });

  it('continues a delivered prefix as a trailing assistant message, the cap counting the prefix (takeover)', async () => {
    standIn.behave({ kind: 'reply', tokens: [' the', ' rest', ' of', ' a', ' long', ' reply'] });
    const prefix = 'Hello, this is'; // 14 characters of the 64 that maxTokens 16 allows
    const tokens: string[] = [];
    const stream = provider.stream(
      { ...request, maxTokens: 16, continuation: prefix },
      new AbortController().signal,
    );
    for await (const token of stream) tokens.push(token);
    expect(tokens.join('')).toBe(' the rest of a long reply');
    expect(standIn.requests[0]).toMatchObject({
      max_tokens: 12, // (64 - 14) / 4, rounded down
      continue_final_message: true,
      add_generation_prompt: false,
      messages: [...request.messages, { role: 'assistant', content: prefix }],
    });

    // Past the cap, the rest is cut so that prefix and rest stay within it.
    const capped = provider.stream(
      { ...request, maxTokens: 5, continuation: prefix },
      new AbortController().signal,
    );
    let rest = '';
    for await (const token of capped) rest += token;
    expect(rest).toBe(' the'); // 20 - 14 = 6 characters left, rounded down to 1 token: 4 characters
    expect(capped.finishReason).toBe('length');
    // A plain request asks for no continuation.
    for await (const token of provider.stream(request, new AbortController().signal)) void token;
    expect(standIn.requests[2]).not.toHaveProperty('continue_final_message');
  });

  it("sends the message's id upstream as X-Request-Id, or the request's when there is no message yet", async () => {
    const drain = async (): Promise<void> => {
      for await (const token of provider.stream(request, new AbortController().signal)) void token;
    };
    await runInLogContext({ requestId: 'req-1', messageId: 'msg-1' }, drain);
    await runInLogContext({ requestId: 'req-2' }, drain);
    await drain();
    expect(standIn.headers.map((headers) => headers['x-request-id'])).toEqual(['msg-1', 'req-2', undefined]);
  });

  it.each([
    [500, true],
    [429, true],
    [400, false],
  ])('turns HTTP %d into a ModelError with retryable=%s', async (status, retryable) => {
    standIn.behave({ kind: 'fail', status });
    const error = await (async () => {
      for await (const token of provider.stream(request, new AbortController().signal)) void token;
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ retryable, status });
    expect(standIn.requests).toHaveLength(1); // no hidden client retries
  });

  it('treats a refused connection as retryable', async () => {
    // Open the replacement (for afterEach) before closing, so it cannot take the port the provider points at.
    const dead = standIn;
    standIn = await startOpenAiStandIn();
    await dead.close();
    const error = await (async () => {
      for await (const token of provider.stream(request, new AbortController().signal)) void token;
    })().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'ModelError', retryable: true });
  });

  it('ends a hanging stream with an AbortError when aborted', async () => {
    standIn.behave({ kind: 'hang', tokens: ['Hello', ' never'] });
    const controller = new AbortController();
    const tokens: string[] = [];
    const error = await (async () => {
      for await (const token of provider.stream(request, controller.signal)) {
        tokens.push(token);
        setTimeout(() => controller.abort(), 20);
      }
    })().catch((caught: unknown) => caught);
    expect(tokens).toEqual(['Hello']);
    expect(isAbortError(error)).toBe(true);
  }, 10_000);
});
