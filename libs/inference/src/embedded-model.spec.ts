import { ChatMessage } from './chat-message';
import { EmbeddedChatModel } from './embedded-model';
import { EmbeddedModelProvider } from './embedded.provider';
import { toLangChainMessages } from './langchain-messages';
import { isAbortError } from './model-provider';
import { formatLoreSection, formatMemorySection, formatPersonaName } from './persona-prompt-format';

function conversation(question: string, facts: string[] = [], lore: string[] = []): ChatMessage[] {
  const system = [
    formatPersonaName('Mira'),
    "Mira's personality: cheerful and curious",
    '',
    formatMemorySection(facts),
    '',
    formatLoreSection(lore),
  ].join('\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: 'hello' },
    { role: 'assistant', content: 'Hi!' },
    { role: 'user', content: question },
  ];
}

async function collect(stream: AsyncIterable<string>): Promise<string[]> {
  const tokens: string[] = [];
  for await (const token of stream) tokens.push(token);
  return tokens;
}

async function reply(
  messages: ChatMessage[],
  modelId = 'embedded',
  provider = new EmbeddedModelProvider(),
): Promise<string> {
  return (await collect(provider.stream({ modelId, messages }, new AbortController().signal))).join('');
}

describe('embedded model', () => {
  const facts = ['my dog is called Rex', 'My name is Ada', 'I live in Lyon'];

  it('gives the same reply, byte for byte, for the same input and a different one for different input', async () => {
    const first = await reply(conversation('I love sailing', facts));
    expect(await reply(conversation('I love sailing', facts))).toBe(first);
    expect(await reply(conversation('I love painting', facts))).not.toBe(first);
  });

  it('answers from memory in the second person, in the persona voice', async () => {
    const dog = await reply(conversation('what is my dog called?', facts));
    expect(dog).toContain('your dog is called Rex');
    expect(dog).toContain('Mira');
    expect(dog).toContain('cheerful');
    expect(await reply(conversation("what's my name?", facts))).toContain('your name is Ada');
  });

  it('does not invent facts it was not given', async () => {
    const answer = await reply(conversation('what is my dog called?'));
    expect(answer).not.toContain('Rex');
    expect(answer).toMatch(/told me|know/);
    expect(await reply(conversation('what is my cat called?', facts))).not.toContain('Rex');
  });

  it('recalls what the user said earlier in the conversation, the latest statement first', async () => {
    const messages = (turns: string[]): ChatMessage[] => [
      conversation('x')[0],
      ...turns.map((content, index): ChatMessage => ({
        role: index % 2 === 0 ? 'user' : 'assistant',
        content,
      })),
    ];
    const cat = ['My cat is called Tomasino.', 'What a lovely name!', 'What is my cat called?'];
    expect(await reply(messages(cat))).toContain('your cat is called Tomasino');
    const renamed = ['My cat is called Tomasino.', 'Nice.', 'My cat is called Pip.', 'Oh.'];
    expect(await reply(messages([...renamed, 'What is my cat called?']))).toContain('your cat is called Pip');
    // A question asked earlier is not a fact.
    expect(
      await reply(messages(['Is my cat called Rex?', 'I do not know.', 'What is my cat called?'])),
    ).not.toContain('Rex');
  });

  it('weaves in a matching lorebook line', async () => {
    const answer = await reply(
      conversation('tell me about the silver tower', [], ['The silver tower stands in Vel']),
    );
    expect(answer).toContain('The silver tower stands in Vel');
  });

  it('streams word tokens that join into the full reply, capped by maxTokens', async () => {
    const provider = new EmbeddedModelProvider();
    const messages = conversation('what is my dog called?', facts);
    const tokens = await collect(
      provider.stream({ modelId: 'embedded', messages }, new AbortController().signal),
    );
    expect(tokens.length).toBeGreaterThan(3);
    tokens.slice(0, -1).forEach((token) => expect(token).toMatch(/^\S+\s+$/));
    // The LangChain face gives the same text through invoke() as the provider streams.
    const invoked = await new EmbeddedChatModel().invoke(toLangChainMessages(messages));
    expect(invoked.text).toBe(tokens.join(''));

    // The cap is in the platform's token estimate (4 characters each), the unit receipts count in.
    const capped = provider.stream(
      { modelId: 'embedded', messages, maxTokens: 2 },
      new AbortController().signal,
    );
    expect((await collect(capped)).join('')).toBe(tokens.join('').slice(0, 8));
    expect(capped.finishReason).toBe('length');
    const whole = provider.stream(
      { modelId: 'embedded', messages, maxTokens: 500 },
      new AbortController().signal,
    );
    expect((await collect(whole)).join('')).toBe(tokens.join(''));
    expect(whole.finishReason).toBe('stop');
  });

  it('continues a prefix of its own reply with exactly the rest, the cap counting the prefix (takeover)', async () => {
    const provider = new EmbeddedModelProvider();
    const messages = conversation('what is my dog called?', facts);
    const signal = new AbortController().signal;
    const tokens = await collect(provider.stream({ modelId: 'embedded', messages }, signal));
    const full = tokens.join('');
    for (const cut of [1, 2, tokens.length - 1]) {
      const prefix = tokens.slice(0, cut).join('');
      const rest = provider.stream({ modelId: 'embedded', messages, continuation: prefix }, signal);
      expect(prefix + (await collect(rest)).join('')).toBe(full);
      expect(rest.finishReason).toBe('stop');
    }
    // Mid-word too: the prefix is whatever reached the client, not necessarily whole tokens.
    const midWord = full.slice(0, tokens[0].length + 2);
    expect(
      (await collect(provider.stream({ modelId: 'embedded', messages, continuation: midWord }, signal))).join(
        '',
      ),
    ).toBe(full.slice(midWord.length));

    // maxTokens: 4 → 16 characters of the whole reply, of which the prefix already used some.
    const prefix = full.slice(0, 10);
    const capped = provider.stream(
      { modelId: 'embedded', messages, maxTokens: 4, continuation: prefix },
      signal,
    );
    expect(prefix + (await collect(capped)).join('')).toBe(full.slice(0, 16));
    expect(capped.finishReason).toBe('length');
    const spent = provider.stream(
      { modelId: 'embedded', messages, maxTokens: 2, continuation: prefix },
      signal,
    );
    expect(await collect(spent)).toEqual([]);
    expect(spent.finishReason).toBe('length');
  });

  it('continues a prefix it would not have written with its own reply after a space', async () => {
    const provider = new EmbeddedModelProvider();
    const messages = conversation('I love sailing', facts);
    const signal = new AbortController().signal;
    const own = (await collect(provider.stream({ modelId: 'embedded', messages }, signal))).join('');
    const rest = provider.stream({ modelId: 'embedded', messages, continuation: 'Well' }, signal);
    expect((await collect(rest)).join('')).toBe(` ${own}`);
  });

  it('waits at least the profile time to first token and paces the rest', async () => {
    const started = performance.now();
    const stream = new EmbeddedModelProvider().stream(
      { modelId: 'embedded:ttft=120,tps=100', messages: conversation('I love sailing') },
      new AbortController().signal,
    );
    const arrivals: number[] = [];
    for await (const token of stream) arrivals.push(token.length > 0 ? performance.now() - started : -1);
    expect(arrivals[0]).toBeGreaterThanOrEqual(115); // timers may fire a millisecond early on some platforms
    // n tokens at 100/s cannot end before ttft + (n - 1) × 10 ms.
    expect(arrivals[arrivals.length - 1]).toBeGreaterThanOrEqual(115 + (arrivals.length - 1) * 10 - 5);
  });

  it('ends with an AbortError when aborted during the first-token wait or between tokens', async () => {
    // Pauses of 60 s and 100 s: the stream can only end in time if abort cuts the pending timer short.
    for (const [modelId, abortAfterTokens] of [
      ['embedded:ttft=60000,tps=1', 0],
      ['embedded:ttft=0,tps=0.01', 1],
    ] as const) {
      const controller = new AbortController();
      const stream = new EmbeddedModelProvider().stream(
        { modelId, messages: conversation('I love sailing') },
        controller.signal,
      );
      const tokens: string[] = [];
      if (abortAfterTokens === 0) setTimeout(() => controller.abort(), 20);
      const error = await (async () => {
        for await (const token of stream) {
          tokens.push(token);
          if (tokens.length === abortAfterTokens) controller.abort();
        }
      })().catch((caught: unknown) => caught);
      expect(isAbortError(error)).toBe(true);
      expect(tokens).toHaveLength(abortAfterTokens);
    }
  }, 10_000);

  it('rejects an unknown latency profile', async () => {
    await expect(reply(conversation('hi'), 'embedded:warp-speed')).rejects.toThrow('warp-speed');
  });
});
