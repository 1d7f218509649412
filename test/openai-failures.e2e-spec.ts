import { OpenAiStandIn, startOpenAiStandIn } from '@app/inference/testing/openai-stand-in';
import { connectChat, emitAck } from '@app/testing';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { ApiHarness, signUp, startApi, TestUser } from './support/api-harness';

/** A reply that does not finish, over the OpenAI endpoint: the status is the error table's, as for any error. */
describe('OpenAI-compatible endpoint, replies that do not finish (e2e)', () => {
  let upstream: OpenAiStandIn;
  let api: ApiHarness;
  let consumer: TestUser;
  let socket: Socket;
  let conversationId: string;
  let slug: string;

  beforeAll(async () => {
    upstream = await startOpenAiStandIn({ kind: 'reply', tokens: ['Hello'] });
    api = await startApi({
      OPENAI_MODEL_ID: 'upstream',
      OPENAI_BASE_URL: upstream.baseURL,
      OPENAI_MODEL: 'llama',
      MODEL_IDLE_TIMEOUT_MS: '5000',
    });
    const creator = await signUp(api.url, 'creator');
    consumer = await signUp(api.url, 'consumer');
    const persona = await request(api.url)
      .post('/v1/personas')
      .set(creator.auth)
      .send({ name: 'Flaky', modelId: 'upstream' })
      .expect(201);
    slug = persona.body.slug as string;
    conversationId = (
      await request(api.url)
        .post('/v1/conversations')
        .set(consumer.auth)
        .send({ personaId: persona.body.id })
        .expect(201)
    ).body.id as string;
    socket = await connectChat(api.url, consumer.apiKey);
    await emitAck(socket, 'conversation:join', { conversationId });
  });
  afterAll(async () => {
    socket?.disconnect();
    await api?.close();
    await upstream?.close();
  });

  const completion = (stream: boolean) =>
    request(api.url)
      .post('/v1/chat/completions')
      .set(consumer.auth)
      .set('X-Conversation-Id', conversationId)
      .send({ model: slug, stream, messages: [{ role: 'user', content: 'Hi' }] });

  it('answers a failed model with 502 MODEL_FAILED and the conversation id, without streaming', async () => {
    upstream.behave({ kind: 'fail', status: 500 });
    const response = await completion(false);
    expect(response.status).toBe(502);
    expect(response.body).toEqual({ error: { code: 'MODEL_FAILED', message: expect.any(String) } });
    expect(response.headers['x-conversation-id']).toBe(conversationId);
  });

  it('ends a stream whose model failed with an error event in the error shape, then [DONE]', async () => {
    upstream.behave({ kind: 'fail', status: 500 });
    const response = await completion(true)
      .buffer(true)
      .parse((res, callback) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => callback(null, text));
      });
    expect(response.status).toBe(200);
    const events = (response.body as string).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(JSON.parse(events.at(-2)!.slice('data: '.length))).toEqual({
      error: { code: 'MODEL_FAILED', message: expect.any(String) },
    });
  });

  it('answers a reply cancelled while the client waits with 409 CANCELLED', async () => {
    upstream.behave({ kind: 'hang', tokens: ['Half'] });
    const firstToken = new Promise<string>((resolve) =>
      socket.once('message:token', (event: { messageId: string }) => resolve(event.messageId)),
    );
    const pending = completion(false).then((response) => response);
    const messageId = await firstToken;
    expect(await emitAck(socket, 'message:cancel', { messageId })).toMatchObject({
      ok: true,
      cancelled: true,
    });
    const response = await pending;
    expect(response.status).toBe(409);
    expect(response.body).toEqual({ error: { code: 'CANCELLED', message: expect.any(String) } });
    upstream.behave({ kind: 'reply', tokens: ['Back'] });
  });
});
