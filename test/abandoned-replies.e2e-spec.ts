import { INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { connectChat, emitAck, startReply } from '@app/testing';
import Redis from 'ioredis';
import { Socket } from 'socket.io-client';
import request from 'supertest';
import { createWorker } from '../apps/worker/src/bootstrap';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './support/api-harness';
import { waitFor } from './support/wait-for';

const LOCK_TTL_MS = 5 * 60_000;

describe('replies abandoned by an api that died (e2e)', () => {
  const config = AppConfig.fromProcessEnv();
  let api: ApiHarness;
  let prisma: PrismaService;
  let redis: Redis;
  let consumer: TestUser;
  let personaId: string;
  let socket: Socket;

  beforeAll(async () => {
    api = await startApi();
    prisma = new PrismaService(config);
    redis = new Redis(config.redisUrl);
    const creator = await signUp(api.url, 'creator');
    consumer = await signUp(api.url, 'consumer');
    personaId = (await createPersona(api.url, creator, { name: 'Orla', personality: 'patient' })).id;
    socket = await connectChat(api.url, consumer.apiKey);
  });
  afterAll(async () => {
    socket.disconnect();
    redis.disconnect();
    await prisma.$disconnect();
    await api.close();
  });

  /** What an api killed mid-reply leaves: a reply marked streaming with no heartbeat, and the lock it held. */
  async function abandonedReply(): Promise<{ conversationId: string; messageId: string }> {
    const conversationId = (
      await request(api.url).post('/v1/conversations').set(consumer.auth).send({ personaId }).expect(201)
    ).body.id as string;
    const message = await prisma.message.create({
      data: {
        conversationId,
        role: 'assistant',
        content: 'Once upon a',
        status: 'streaming',
        createdAt: new Date(Date.now() - 60_000),
      },
    });
    // Taken a minute ago by the dead api: its TTL has four minutes left.
    await redis.set(
      `${config.redisPrefix}:chat:lock:${conversationId}`,
      'dead-api',
      'PX',
      LOCK_TTL_MS - 60_000,
    );
    return { conversationId, messageId: message.id };
  }

  async function sendsAtOnce(conversationId: string): Promise<void> {
    const turn = await startReply(socket, conversationId, 'Are you there now?');
    expect(turn.ack).toMatchObject({ ok: true });
    expect((await turn.reply).done).toBeDefined();
  }

  it('settling an abandoned reply on conversation:join frees the conversation at once', async () => {
    const { conversationId, messageId } = await abandonedReply();
    const joined = await emitAck(socket, 'conversation:join', { conversationId, messageId, afterSeq: -1 });
    expect(joined).toMatchObject({ ok: true, status: 'failed' });
    await sendsAtOnce(conversationId);
  });

  it('leaves a live reply’s lock alone: a conversation streaming on a healthy api stays busy', async () => {
    const { conversationId, messageId } = await abandonedReply();
    // A newer reply of this conversation is alive (its heartbeat beats): the lock is its, not the dead one's.
    const live = await prisma.message.create({
      data: { conversationId, role: 'assistant', content: '', status: 'streaming' },
    });
    await redis.set(`${config.redisPrefix}:chat:alive:${live.id}`, '1', 'PX', 60_000);
    expect(
      await emitAck(socket, 'conversation:join', { conversationId, messageId, afterSeq: -1 }),
    ).toMatchObject({ ok: true, status: 'failed' });
    const busy = await emitAck(socket, 'message:send', {
      conversationId,
      content: 'Hello?',
      clientMessageId: 'busy-1',
    });
    expect(busy).toMatchObject({ ok: false, error: { code: 'CONVERSATION_BUSY' } });
  });

  it('the worker settles abandoned replies nobody rejoins: history stops showing them streaming, and the conversation is free', async () => {
    const { conversationId, messageId } = await abandonedReply();
    const worker: INestApplicationContext = await createWorker(
      AppConfig.fromProcessEnv({ LOG_LEVEL: 'warn', RECONCILE_INTERVAL_MS: '200' }),
    );
    try {
      await waitFor(async () => {
        const history = await request(api.url)
          .get(`/v1/conversations/${conversationId}/messages`)
          .set(consumer.auth)
          .expect(200);
        const reply = (history.body.data as { id: string; status: string }[]).find((m) => m.id === messageId);
        return reply?.status === 'failed';
      }, 'the sweep to fail the abandoned reply');
      await sendsAtOnce(conversationId);
    } finally {
      await worker.close();
    }
  });
});
