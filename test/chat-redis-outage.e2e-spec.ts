import { AppConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { connectChat, emitAck, startReply } from '@app/testing';
import { randomUUID } from 'node:crypto';
import { Socket } from 'socket.io-client';
import request from 'supertest';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './support/api-harness';
import { RedisServerProcess } from './support/isolated-services';
import { waitFor } from './support/wait-for';

describe('sends during a Redis outage (e2e)', () => {
  let redis: RedisServerProcess;
  let api: ApiHarness;
  let consumer: TestUser;
  let socket: Socket;
  let conversationId: string;
  let slug: string;
  let prisma: PrismaService;

  beforeAll(async () => {
    // A Redis server of this file's own, so stopping it disturbs no other test.
    redis = await RedisServerProcess.start();
    prisma = new PrismaService(AppConfig.fromProcessEnv());
    api = await startApi({ REDIS_URL: redis.url });
    const creator = await signUp(api.url, 'creator');
    consumer = await signUp(api.url, 'consumer');
    const persona = await createPersona(api.url, creator, { name: 'Nell', personality: 'steady' });
    slug = persona.slug;
    conversationId = (
      await request(api.url)
        .post('/v1/conversations')
        .set(consumer.auth)
        .send({ personaId: persona.id })
        .expect(201)
    ).body.id as string;
    socket = await connectChat(api.url, consumer.apiKey);
  });
  afterAll(async () => {
    socket?.disconnect();
    await api?.close();
    await redis?.stop();
    await prisma?.$disconnect();
  });

  const userMessages = async (): Promise<number> =>
    (
      await request(api.url)
        .get(`/v1/conversations/${conversationId}/messages`)
        .set(consumer.auth)
        .expect(200)
    ).body.data.filter((m: { role: string }) => m.role === 'user').length;

  it('answers sends, resumes and cancels with a retryable UNAVAILABLE (503 over HTTP), stores nothing, and chats again once Redis is back', async () => {
    await redis.stop();

    const overSocket = await emitAck(socket, 'message:send', {
      conversationId,
      content: 'Hello?',
      clientMessageId: randomUUID(),
    });
    expect(overSocket).toMatchObject({
      ok: false,
      error: { code: 'UNAVAILABLE', message: expect.any(String) },
    });
    const overHttp = await request(api.url)
      .post('/v1/chat/completions')
      .set(consumer.auth)
      .set('X-Conversation-Id', conversationId)
      .send({ model: slug, messages: [{ role: 'user', content: 'Hello?' }] });
    expect(overHttp.status).toBe(503);
    expect(overHttp.body).toEqual({
      error: { code: 'UNAVAILABLE', message: expect.stringContaining('again') },
    });
    expect(await userMessages()).toBe(0);

    // Other HTTP limits let requests through while Redis is away; sign-up does not, since each one mints a key.
    await request(api.url).get('/v1/me').set(consumer.auth).expect(200);
    const signup = await request(api.url)
      .post('/v1/users')
      .send({ handle: `outage-${randomUUID().slice(0, 8)}`, role: 'consumer' });
    expect(signup.status).toBe(503);
    expect(signup.body).toMatchObject({ error: { code: 'UNAVAILABLE' } });

    // Resuming and cancelling a streaming reply need Redis too (replay buffer, cancel channel): retryable as well.
    const streaming = await prisma.message.create({
      data: { conversationId, role: 'assistant', content: '', status: 'streaming' },
    });
    const join = await emitAck(socket, 'conversation:join', {
      conversationId,
      messageId: streaming.id,
      afterSeq: -1,
    });
    expect(join).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    const cancel = await emitAck(socket, 'message:cancel', { messageId: streaming.id });
    expect(cancel).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    await prisma.message.update({ where: { id: streaming.id }, data: { status: 'failed' } });

    await redis.restart();
    await waitFor(async () => {
      const turn = await startReply(socket, conversationId, 'Back again?');
      if (!turn.ack.ok) return false;
      return (await turn.reply).done !== undefined;
    }, 'a send to succeed after Redis is back');
    expect(await userMessages()).toBe(1);
  });
});
