import OpenAI from 'openai';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { OpenAiStandIn, startOpenAiStandIn } from '@app/inference/testing/openai-stand-in';
import { ApiHarness, signUp, startApi, TestUser } from './support/api-harness';
import { connectChat, startReply } from '@app/testing';

/** A persona served by an OpenAI-compatible server (here a local stand-in that speaks the same protocol). */
describe('chat with a remote OpenAI-compatible model (e2e)', () => {
  let upstream: OpenAiStandIn;
  let api: ApiHarness;
  let consumer: TestUser;
  let socket: Socket;
  let conversationId: string;
  let slug: string;

  beforeAll(async () => {
    upstream = await startOpenAiStandIn({ kind: 'reply', tokens: ['Hello', ' from', ' upstream'] });
    api = await startApi({
      OPENAI_MODEL_ID: 'upstream',
      OPENAI_BASE_URL: upstream.baseURL,
      OPENAI_MODEL: 'llama',
      // Long enough for a first token on a loaded CI machine, short enough for the hang test to end soon.
      MODEL_IDLE_TIMEOUT_MS: '2000',
    });
    const creator = await signUp(api.url, 'creator');
    consumer = await signUp(api.url, 'consumer');
    const persona = await request(api.url)
      .post('/v1/personas')
      .set(creator.auth)
      .send({ name: 'Remote', modelId: 'upstream' })
      .expect(201);
    slug = persona.body.slug as string;
    conversationId = (
      await request(api.url)
        .post('/v1/conversations')
        .set(consumer.auth)
        .send({ personaId: persona.body.id })
        .expect(201)
    ).body.id;
    socket = await connectChat(api.url, consumer.apiKey);
  });
  afterAll(async () => {
    socket.disconnect();
    await api.close();
    await upstream.close();
  });

  async function send(content: string) {
    return (await startReply(socket, conversationId, content)).reply;
  }

  it('streams the upstream model’s tokens and sends it the assembled prompt', async () => {
    const reply = await send('Hi');
    expect(reply.done?.content).toBe('Hello from upstream');
    expect(upstream.requests.at(-1)).toMatchObject({ model: 'llama' });
  });

  it('fails a reply whose model errors or hangs mid-stream, and frees the conversation', async () => {
    upstream.behave({ kind: 'fail', status: 500 });
    expect((await send('Again')).error?.code).toBe('MODEL_FAILED');
    upstream.behave({ kind: 'hang', tokens: ['Half', ' a', ' reply'] });
    const hung = await send('And again');
    expect(hung.error).toEqual({
      code: 'MODEL_FAILED',
      message: expect.stringContaining('stopped responding'),
    });
    expect(hung.done).toBeUndefined();
    upstream.behave({ kind: 'reply', tokens: ['Back'] });
    expect((await send('Still there?')).done?.content).toBe('Back');
    const history = await request(api.url)
      .get(`/v1/conversations/${conversationId}/messages`)
      .set(consumer.auth)
      .expect(200);
    expect(history.body.data.filter((m: { status: string }) => m.status === 'failed')).toHaveLength(2);
  });

  it('passes max_tokens, stop, sampling and response_format upstream, and enforces the limits on an upstream that ignores them', async () => {
    const client = new OpenAI({ apiKey: consumer.apiKey, baseURL: `${api.url}/v1`, maxRetries: 0 });
    const messages = [{ role: 'user' as const, content: 'Hi' }];
    const delivered = async (inferenceId: string): Promise<string> =>
      (await request(api.url).get(`/v1/inferences/${inferenceId}/bundle`).set(consumer.auth).expect(200)).body
        .content as string;
    // The stand-in sends every token whatever it is asked, as a misbehaving upstream would.
    upstream.behave({ kind: 'reply', tokens: ['Hello', ' from', ' up', 'stream', ' and more'] });

    const capped = await client.chat.completions.create({ model: slug, max_tokens: 2, messages });
    expect(upstream.requests.at(-1)).toMatchObject({ max_tokens: 2 });
    expect(capped.choices[0]).toMatchObject({ message: { content: 'Hello fr' }, finish_reason: 'length' });
    expect(await delivered((capped as unknown as { inference_id: string }).inference_id)).toBe('Hello fr');

    const stream = await client.chat.completions.create({
      model: slug,
      stream: true,
      stop: ['upstream'],
      messages,
    });
    let text = '';
    let finish: string | null | undefined;
    let inferenceId = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      inferenceId ||= (chunk as unknown as { inference_id?: string }).inference_id ?? '';
    }
    expect(upstream.requests.at(-1)).toMatchObject({ stop: ['upstream'] });
    // "upstream" spans two upstream chunks: its first half was held back, never streamed.
    expect(text).toBe('Hello from ');
    expect(finish).toBe('stop');
    expect(await delivered(inferenceId)).toBe('Hello from ');

    await client.chat.completions.create({
      model: slug,
      messages,
      temperature: 0.3,
      top_p: 0.9,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      seed: 7,
    });
    expect(upstream.requests.at(-1)).toMatchObject({
      temperature: 0.3,
      top_p: 0.9,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      seed: 7,
    });

    // JSON output is the upstream's to give: the request goes through as the client sent it.
    upstream.behave({ kind: 'reply', tokens: ['{"ok":', 'true}'] });
    const schema = {
      name: 'answer',
      schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
    };
    const json = await client.chat.completions.create({
      model: slug,
      messages,
      response_format: { type: 'json_schema', json_schema: schema },
    });
    expect(upstream.requests.at(-1)).toMatchObject({
      response_format: { type: 'json_schema', json_schema: schema },
    });
    expect(json.choices[0]?.message.content).toBe('{"ok":true}');

    upstream.behave({ kind: 'reply', tokens: ['Cut', ' short'], finishReason: 'length' });
    const cut = await client.chat.completions.create({ model: slug, messages });
    expect(cut.choices[0]).toMatchObject({ message: { content: 'Cut short' }, finish_reason: 'length' });
  });
});
