import { AppConfig } from '@app/config';
import { connectChat, emitAck, startReply } from '@app/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { io, Manager } from 'socket.io-client';
import request from 'supertest';
import { ApiHarness, createPersona, signUp, startApi, uniqueHandle } from './support/api-harness';
import { waitFor } from './support/wait-for';

/** An api whose limits count from zero: its own Redis prefix, so nothing else in this run shares its counters. */
function limitedApi(env: Record<string, string>): Promise<ApiHarness> {
  return startApi({
    ...env,
    REDIS_PREFIX: `${AppConfig.fromProcessEnv().redisPrefix}-${uniqueHandle('limits')}`,
  });
}

const wellFormedKey = (): string => `tp_${randomBytes(32).toString('base64url')}`;

describe('the same limits whatever the transport (e2e)', () => {
  it('counts chat sends over socket.io and POST /v1/chat/completions against one limit', async () => {
    const api = await limitedApi({ CHAT_SENDS_PER_MINUTE: '2' });
    try {
      const creator = await signUp(api.url, 'creator');
      const consumer = await signUp(api.url, 'consumer');
      const persona = await createPersona(api.url, creator, { name: 'Lumen', personality: 'quick' });
      const chat = await connectChat(api.url, consumer.apiKey);
      try {
        const conversationId = (
          await request(api.url).post('/v1/conversations').set(consumer.auth).send({ personaId: persona.id })
        ).body.id as string;
        const overSocket = await startReply(chat, conversationId, 'One.');
        expect(overSocket.ack.ok).toBe(true);
        await overSocket.reply;
        const completion = (content: string) =>
          request(api.url)
            .post('/v1/chat/completions')
            .set(consumer.auth)
            .set('X-Conversation-Id', conversationId)
            .send({ model: persona.slug, messages: [{ role: 'user', content }] });
        expect((await completion('Two.')).ok).toBe(true);
        const third = await completion('Three.');
        expect(third.status).toBe(429);
        expect(third.body.error).toMatchObject({ code: 'RATE_LIMITED' });
        const fourth = await emitAck(chat, 'message:send', {
          conversationId,
          content: 'Four.',
          clientMessageId: randomUUID(),
        });
        // The ack carries the error's details as HTTP does: how long to wait.
        expect(fourth).toMatchObject({
          ok: false,
          error: { code: 'RATE_LIMITED', details: { retryAfterSeconds: expect.any(Number) } },
        });
        // Nothing refused was stored.
        const history = await request(api.url)
          .get(`/v1/conversations/${conversationId}/messages`)
          .set(consumer.auth)
          .expect(200);
        expect(history.body.data.filter((m: { role: string }) => m.role === 'user')).toHaveLength(2);
      } finally {
        chat.disconnect();
      }
    } finally {
      await api.close();
    }
  });

  it('caps the conversations a user starts, through POST /v1/conversations and the OpenAI endpoint alike', async () => {
    const api = await limitedApi({ CONVERSATIONS_PER_HOUR: '2' });
    try {
      const creator = await signUp(api.url, 'creator');
      const consumer = await signUp(api.url, 'consumer');
      const persona = await createPersona(api.url, creator, { name: 'Tally', personality: 'frugal' });
      await request(api.url)
        .post('/v1/conversations')
        .set(consumer.auth)
        .send({ personaId: persona.id })
        .expect(201);
      // Without X-Conversation-Id the OpenAI endpoint starts a conversation: the same cap counts it.
      await request(api.url)
        .post('/v1/chat/completions')
        .set(consumer.auth)
        .send({ model: persona.slug, messages: [{ role: 'user', content: 'Hi' }] })
        .expect((response) => expect(response.ok).toBe(true));
      const refused = await request(api.url)
        .post('/v1/conversations')
        .set(consumer.auth)
        .send({ personaId: persona.id })
        .expect(429);
      expect(refused.body.error).toMatchObject({
        code: 'RATE_LIMITED',
        details: { retryAfterSeconds: expect.any(Number) },
      });
      expect(refused.headers['retry-after']).toBe(String(refused.body.error.details.retryAfterSeconds));
      const overOpenAi = await request(api.url)
        .post('/v1/chat/completions')
        .set(consumer.auth)
        .send({ model: persona.slug, messages: [{ role: 'user', content: 'Hi again' }] })
        .expect(429);
      expect(overOpenAi.body.error.code).toBe('RATE_LIMITED');
      // Another user is not affected.
      const other = await signUp(api.url, 'consumer');
      await request(api.url)
        .post('/v1/conversations')
        .set(other.auth)
        .send({ personaId: persona.id })
        .expect(201);
    } finally {
      await api.close();
    }
  });

  it('counts every socket event per user, known or not, and answers each one, refused or unknown, with an ack', async () => {
    const api = await limitedApi({ CHAT_EVENTS_PER_MINUTE: '5' });
    try {
      const creator = await signUp(api.url, 'creator');
      const consumer = await signUp(api.url, 'consumer');
      const persona = await createPersona(api.url, creator, { name: 'Gate', personality: 'strict' });
      const conversationId = (
        await request(api.url).post('/v1/conversations').set(consumer.auth).send({ personaId: persona.id })
      ).body.id as string;
      const [chat, second, other] = await Promise.all([
        connectChat(api.url, consumer.apiKey),
        connectChat(api.url, consumer.apiKey),
        connectChat(api.url, (await signUp(api.url, 'consumer')).apiKey),
      ]);
      try {
        // An event the namespace does not know is answered (not left to the client's timeout), and counted.
        expect(await emitAck(chat, 'conversation:leave', { conversationId })).toEqual({
          ok: false,
          error: {
            code: 'VALIDATION_FAILED',
            message: expect.stringContaining('conversation:join'),
            details: { event: 'conversation:leave' },
          },
        });
        for (let i = 0; i < 4; i++)
          expect(await emitAck(chat, 'conversation:join', { conversationId })).toMatchObject({ ok: true });
        // The sixth event on: a flood of joins, cancels and unknown events is refused before any handler runs,
        // and a socket that goes on sending after as many refusals as the limit is disconnected.
        const flood = await Promise.allSettled(
          Array.from({ length: 200 }, (_, i) =>
            i % 3 === 0
              ? emitAck(chat, 'conversation:join', { conversationId })
              : i % 3 === 1
                ? emitAck(chat, 'message:cancel', { messageId: randomUUID() })
                : emitAck(chat, 'no:such-event', {}),
          ),
        );
        const answered = flood.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
        expect(answered).toEqual(
          Array(5).fill({ ok: false, error: expect.objectContaining({ code: 'RATE_LIMITED' }) }),
        );
        await waitFor(async () => !chat.connected, 'the flooding socket to be disconnected');
        // Per user: the same user's other socket is refused too; another user is not.
        expect(await emitAck(second, 'conversation:join', { conversationId })).toMatchObject({
          ok: false,
          error: { code: 'RATE_LIMITED', details: { retryAfterSeconds: expect.any(Number) } },
        });
        expect(await emitAck(other, 'conversation:join', { conversationId })).toMatchObject({
          ok: false,
          error: { code: 'NOT_FOUND' },
        });
      } finally {
        [chat, second, other].forEach((socket) => socket.disconnect());
      }
    } finally {
      await api.close();
    }
  });

  it('limits socket handshakes per client address before authentication, on any namespace', async () => {
    const api = await limitedApi({ SOCKET_CONNECTS_PER_MINUTE: '3' });
    try {
      const consumer = await signUp(api.url, 'consumer');
      const unknownNamespace = () =>
        new Promise<string>((resolve) => {
          const socket = io(`${api.url}/no-such-namespace`, {
            transports: ['websocket'],
            reconnection: false,
            forceNew: true,
          });
          socket.once('connect_error', (error) => {
            socket.disconnect();
            resolve(error.message);
          });
        });
      expect(await unknownNamespace()).toBe('Invalid namespace');
      expect(await unknownNamespace()).toBe('Invalid namespace');
      const handshake = () => fetch(`${api.url}/socket.io/?EIO=4&transport=polling`);
      expect((await handshake()).status).toBe(200);
      const refused = await handshake();
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('Too many connections');
      // Even a valid key cannot open a socket from this address until the window passes.
      await expect(connectChat(api.url, consumer.apiKey)).rejects.toBeDefined();
      // HTTP has its own limit and is unaffected.
      await request(api.url).get('/v1/me').set(consumer.auth).expect(200);
    } finally {
      await api.close();
    }
  });

  it('bounds the key lookups of bad-key handshakes, even many on one connection', async () => {
    const api = await limitedApi({ SOCKET_CONNECTS_PER_MINUTE: '3' });
    // The socket.io protocol by hand: one engine.io connection, one CONNECT packet ("0/chat,{auth}") to /chat
    // after another, as an attacker's client may send them (the official client sends one per namespace).
    const manager = new Manager(api.url, {
      transports: ['websocket'],
      reconnection: false,
      autoConnect: false,
    });
    try {
      await new Promise<void>((resolve, reject) =>
        manager.open((error) => (error ? reject(error) : resolve())),
      );
      const answers: string[] = [];
      manager.on('packet', (packet) => {
        const data = packet.data as { data?: { code?: string } } | undefined;
        if (packet.nsp === '/chat') answers.push(data?.data?.code ?? `type ${packet.type}`);
      });
      for (let i = 1; i <= 5; i++) {
        manager.engine.write(`0/chat,${JSON.stringify({ token: wellFormedKey() })}`);
        await waitFor(async () => answers.length === i, `an answer to CONNECT ${i}`);
      }
      // The fourth and fifth are refused by address before any key is looked up.
      expect(answers).toEqual([
        'UNAUTHENTICATED',
        'UNAUTHENTICATED',
        'UNAUTHENTICATED',
        'RATE_LIMITED',
        'RATE_LIMITED',
      ]);
    } finally {
      manager.engine?.close();
      await api.close();
    }
  });
});
