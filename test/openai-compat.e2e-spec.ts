import OpenAI from 'openai';
import request from 'supertest';
import { PrismaService } from '@app/database';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './support/api-harness';

describe('OpenAI-compatible endpoint with the official openai client (e2e)', () => {
  let api: ApiHarness;
  let creator: TestUser;
  let consumer: TestUser;
  let client: OpenAI;
  let slug: string;

  beforeAll(async () => {
    api = await startApi();
    [creator, consumer] = await Promise.all([signUp(api.url, 'creator'), signUp(api.url, 'consumer')]);
    slug = (await createPersona(api.url, creator, { name: 'Oracle', personality: 'calm' })).slug;
    client = new OpenAI({ apiKey: consumer.apiKey, baseURL: `${api.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => api.close());

  it('lists personas as models', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain(slug);
  });

  it('answers without streaming, with the inference id in the header and the body', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: slug, messages: [{ role: 'user', content: 'Hello!' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toEqual(expect.stringContaining('Oracle'));
    const inferenceId = (data as unknown as { inference_id: string }).inference_id;
    expect(response.headers.get('x-inference-id')).toBe(inferenceId);
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('streams, with the inference id on the final chunk, and continues a conversation by X-Conversation-Id', async () => {
    const stream = await client.chat.completions
      .create({ model: slug, stream: true, messages: [{ role: 'user', content: 'My name is Ada.' }] })
      .withResponse();
    const conversationId = stream.response.headers.get('x-conversation-id');
    let text = '';
    let inferenceId: string | undefined;
    for await (const chunk of stream.data) {
      text += chunk.choices[0]?.delta?.content ?? '';
      inferenceId ??= (chunk as unknown as { inference_id?: string }).inference_id;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(inferenceId).toBe(stream.response.headers.get('x-inference-id'));

    await client.chat.completions.create(
      { model: slug, messages: [{ role: 'user', content: 'And again.' }] },
      { headers: { 'X-Conversation-Id': conversationId ?? '' } },
    );
    const history = await request(api.url)
      .get(`/v1/conversations/${conversationId}/messages`)
      .set(consumer.auth)
      .expect(200);
    expect(
      history.body.data
        .filter((m: { role: string }) => m.role === 'user')
        .map((m: { content: string }) => m.content),
    ).toEqual(['My name is Ada.', 'And again.']);
  });

  /** The bundle of a reply, as its participant sees it: what the model was sent and what was delivered. */
  async function bundleOf(
    inferenceId: string,
  ): Promise<{ input: { role: string; content: string }[]; content: string }> {
    const bundle = await request(api.url)
      .get(`/v1/inferences/${inferenceId}/bundle`)
      .set(consumer.auth)
      .expect(200);
    return bundle.body as { input: { role: string; content: string }[]; content: string };
  }
  const inferenceIdOf = (data: unknown): string => (data as { inference_id: string }).inference_id;

  it("honours the history a stateless client sends, and its system message after the persona's", async () => {
    const messages = [
      { role: 'system' as const, content: 'Keep answers short.' },
      { role: 'user' as const, content: 'My cat is called Tomasino.' },
      { role: 'assistant' as const, content: 'What a fine name for a cat.' },
      { role: 'user' as const, content: 'What is my cat called?' },
    ];
    const answer = await client.chat.completions.create({ model: slug, messages });
    expect(answer.choices[0]?.message.content).toContain('your cat is called Tomasino');

    // The inference's recorded input (what its inputHash covers) holds every turn the model saw.
    const { input } = await bundleOf(inferenceIdOf(answer));
    expect(input[0]).toMatchObject({ role: 'system', content: expect.stringContaining('Name: Oracle') });
    expect(input.slice(1)).toEqual(messages);
  });

  it('uses the stored history, not the client copy, when X-Conversation-Id continues a conversation', async () => {
    const first = await client.chat.completions
      .create({ model: slug, messages: [{ role: 'user', content: 'I like tea.' }] })
      .withResponse();
    const conversationId = first.response.headers.get('x-conversation-id') ?? '';
    const next = await client.chat.completions.create(
      {
        model: slug,
        messages: [
          { role: 'user', content: 'My cat is called Tomasino.' },
          { role: 'assistant', content: 'Noted.' },
          { role: 'user', content: 'What is my cat called?' },
        ],
      },
      { headers: { 'X-Conversation-Id': conversationId } },
    );
    expect(next.choices[0]?.message.content).not.toContain('Tomasino');
    const { input } = await bundleOf(inferenceIdOf(next));
    expect(input.slice(1).map((m) => m.content)).toEqual([
      'I like tea.',
      first.data.choices[0]?.message.content,
      'What is my cat called?',
    ]);
  });

  it('drops the oldest client turns first when the history exceeds the token budget', async () => {
    const history = Array.from({ length: 40 }, (_, i) => ({
      role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
      content: `Turn ${i}. `.padEnd(1_000, 'x'),
    }));
    const answer = await client.chat.completions.create({
      model: slug,
      messages: [...history, { role: 'user', content: 'Still there?' }],
    });
    const { input } = await bundleOf(inferenceIdOf(answer));
    const kept = input.slice(1, -1).map((m) => m.content);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(history.length);
    expect(kept).toEqual(history.slice(-kept.length).map((m) => m.content));
  });

  it('caps the reply at max_tokens with finish_reason length, streaming or not, and stores what it delivered', async () => {
    const plain = await client.chat.completions.create({
      model: slug,
      max_tokens: 3,
      messages: [{ role: 'user', content: 'Tell me about the sea.' }],
    });
    const text = plain.choices[0]?.message.content ?? '';
    expect(plain.choices[0]?.finish_reason).toBe('length');
    expect(plain.usage?.completion_tokens).toBeLessThanOrEqual(3);
    expect(text.length).toBeGreaterThan(0);
    expect((await bundleOf(inferenceIdOf(plain))).content).toBe(text);

    const stream = await client.chat.completions.create({
      model: slug,
      stream: true,
      max_completion_tokens: 2,
      messages: [{ role: 'user', content: 'Tell me about the sea.' }],
    });
    let streamed = '';
    let finish: string | null | undefined;
    let inferenceId = '';
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      inferenceId ||= (chunk as unknown as { inference_id?: string }).inference_id ?? '';
    }
    expect(finish).toBe('length');
    expect(streamed.length).toBeLessThanOrEqual(8);
    expect((await bundleOf(inferenceId)).content).toBe(streamed);

    const whole = await client.chat.completions.create({
      model: slug,
      max_tokens: 500,
      messages: [{ role: 'user', content: 'Tell me about the sea.' }],
    });
    expect(whole.choices[0]?.finish_reason).toBe('stop');
  });

  it('ends the reply before a stop sequence, never streaming a part of one', async () => {
    // The persona's closer says "calm" after "Stay ", "my " or "usual ": each stop spans two streamed words.
    const stop = ['y calm', 'l calm'];
    const stream = await client.chat.completions.create({
      model: slug,
      stream: true,
      stop,
      messages: [{ role: 'user', content: 'Hello there' }],
    });
    let streamed = '';
    let finish: string | null | undefined;
    let inferenceId = '';
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      inferenceId ||= (chunk as unknown as { inference_id?: string }).inference_id ?? '';
    }
    expect(streamed).toContain('Oracle');
    expect(streamed).toMatch(/(Sta|That is m|my usua)$/);
    expect(finish).toBe('stop');
    expect((await bundleOf(inferenceId)).content).toBe(streamed);

    const plain = await client.chat.completions.create({
      model: slug,
      stop: 'calm',
      messages: [{ role: 'user', content: 'Hello there' }],
    });
    expect(plain.choices[0]?.message.content).not.toContain('calm');
    expect(plain.choices[0]?.finish_reason).toBe('stop');

    // Every opener starts with one of these: the reply is empty, and still a stored, signed reply.
    const empty = await client.chat.completions.create({
      model: slug,
      stop: ['Oracle', 'Ah,', 'Hi,'],
      messages: [{ role: 'user', content: 'Hello there' }],
    });
    expect(empty.choices[0]).toMatchObject({ message: { content: '' }, finish_reason: 'stop' });
    expect((await bundleOf(inferenceIdOf(empty))).content).toBe('');
  });

  it('refuses, by name, parameters that would change the reply and that it cannot honour', async () => {
    const hi = [{ role: 'user' as const, content: 'hi' }];
    const refused: [string, Record<string, unknown>][] = [
      ['n', { n: 2 }],
      ['tools', { tools: [{ type: 'function', function: { name: 'weather', parameters: {} } }] }],
      ['tool_choice', { tool_choice: 'required' }],
      // The embedded model cannot give JSON; an upstream model can (chat-remote-model.e2e-spec.ts).
      ['response_format', { response_format: { type: 'json_object' } }],
      ['logprobs', { logprobs: true }],
      ['logit_bias', { logit_bias: { '50256': -100 } }],
    ];
    for (const [param, extra] of refused) {
      const attempt = client.chat.completions.create({ model: slug, messages: hi, ...extra });
      await expect(attempt).rejects.toBeInstanceOf(OpenAI.BadRequestError);
      await expect(attempt).rejects.toMatchObject({ message: expect.stringContaining(param) });
    }
    // A request that is accepted answers 200, as OpenAI's does (Nest would say 201 for a POST).
    await request(api.url)
      .post('/v1/chat/completions')
      .set(consumer.auth)
      .send({ model: slug, messages: hi, n: 1 })
      .expect(200);
    await request(api.url)
      .post('/v1/chat/completions')
      .set(consumer.auth)
      .send({ model: slug, messages: hi, stream: true })
      .expect(200);
    const body = await request(api.url)
      .post('/v1/chat/completions')
      .set(consumer.auth)
      .send({ model: slug, messages: hi, n: 3 })
      .expect(400);
    expect(body.body).toEqual({
      error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('n:'), details: { param: 'n' } },
    });
    await expect(
      client.chat.completions.create({ model: slug, messages: hi, temperature: 7 }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringContaining('temperature') });
    const toolResult = client.chat.completions.create({
      model: slug,
      messages: [...hi, { role: 'tool', tool_call_id: 'x', content: '42' }, ...hi],
    });
    await expect(toolResult).rejects.toBeInstanceOf(OpenAI.BadRequestError);

    // Their defaults are what many clients send, and are fine.
    const defaults = await client.chat.completions.create({
      model: slug,
      messages: hi,
      n: 1,
      tools: [],
      response_format: { type: 'text' },
      logprobs: false,
    });
    expect(defaults.choices).toHaveLength(1);
  });

  it('answers an X-Conversation-Id that is not a conversation id with 400, not 500', async () => {
    const attempt = client.chat.completions.create(
      { model: slug, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'X-Conversation-Id': 'not-a-uuid' } },
    );
    await expect(attempt).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('X-Conversation-Id'),
    });
  });

  it('answers unknown models and bad requests with clear errors the client surfaces', async () => {
    await expect(
      client.chat.completions.create({
        model: 'no-such-persona',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      client.chat.completions.create({ model: slug, messages: [{ role: 'system', content: 'only system' }] }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('starts no conversation for a request it refuses: over the send limit, a parameter the model cannot honour, no content', async () => {
    const limited = await startApi({ CHAT_SENDS_PER_MINUTE: '2' });
    try {
      const owner = await signUp(limited.url, 'creator');
      const user = await signUp(limited.url, 'consumer');
      const persona = await createPersona(limited.url, owner, { name: 'Ledger', personality: 'exact' });
      const conversations = () =>
        limited.app.get(PrismaService).conversation.count({ where: { userId: user.id } });
      const complete = (fields: Record<string, unknown>) =>
        request(limited.url)
          .post('/v1/chat/completions')
          .set(user.auth)
          .send({ model: persona.slug, messages: [{ role: 'user', content: 'Hi' }], ...fields });
      // The embedded model answers in plain text only.
      const json = await complete({ response_format: { type: 'json_object' } });
      expect(json.status).toBe(400);
      expect(json.body.error).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { param: 'response_format' },
      });
      expect((await complete({ messages: [{ role: 'user', content: '   ' }] })).status).toBe(400);
      expect(await conversations()).toBe(0);
      await complete({}).expect(200);
      expect(await conversations()).toBe(1);
      for (let i = 0; i < 3; i++) expect((await complete({})).status).toBe(429);
      expect(await conversations()).toBe(1);
    } finally {
      await limited.close();
    }
  });
});
