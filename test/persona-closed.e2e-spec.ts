import { INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { connectChat, emitAck, startReply } from '@app/testing';
import { randomUUID } from 'node:crypto';
import { Socket } from 'socket.io-client';
import request from 'supertest';
import { createWorker } from '../apps/worker/src/bootstrap';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './support/api-harness';
import { waitFor } from './support/wait-for';

describe('conversations with a persona made private or deleted (e2e)', () => {
  let api: ApiHarness;
  let worker: INestApplicationContext;
  let creator: TestUser;
  let consumer: TestUser;
  let socket: Socket;
  let creatorSocket: Socket;

  beforeAll(async () => {
    api = await startApi();
    worker = await createWorker(AppConfig.fromProcessEnv({ LOG_LEVEL: 'warn' }));
    [creator, consumer] = await Promise.all([signUp(api.url, 'creator'), signUp(api.url, 'consumer')]);
    socket = await connectChat(api.url, consumer.apiKey);
    creatorSocket = await connectChat(api.url, creator.apiKey);
  });
  afterAll(async () => {
    socket.disconnect();
    creatorSocket.disconnect();
    await worker.close();
    await api.close();
  });

  async function start(user: TestUser, personaId: string): Promise<string> {
    return (await request(api.url).post('/v1/conversations').set(user.auth).send({ personaId }).expect(201))
      .body.id as string;
  }

  async function chat(on: Socket, conversationId: string, content: string): Promise<void> {
    const turn = await startReply(on, conversationId, content);
    expect(turn.ack.ok).toBe(true);
    expect((await turn.reply).done).toBeDefined();
  }

  /** A send over each transport; both go through ChatService.send. */
  async function sendBoth(conversationId: string) {
    const overSocket = await emitAck(socket, 'message:send', {
      conversationId,
      content: 'Are you still there?',
      clientMessageId: randomUUID(),
    });
    const overHttp = await request(api.url)
      .post('/v1/chat/completions')
      .set(consumer.auth)
      .set('X-Conversation-Id', conversationId)
      .send({ model: 'ignored-when-continuing', messages: [{ role: 'user', content: 'Hello?' }] });
    return { overSocket, overHttp };
  }

  async function expectReadable(conversationId: string, turns: number): Promise<void> {
    const history = await request(api.url)
      .get(`/v1/conversations/${conversationId}/messages`)
      .set(consumer.auth)
      .expect(200);
    expect(history.body.data.filter((m: { role: string }) => m.role === 'user')).toHaveLength(turns);
    const audit = await request(api.url)
      .get(`/v1/conversations/${conversationId}/audit`)
      .set(consumer.auth)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => done(null, text));
      })
      .expect(200);
    expect(String(audit.body)).toContain(conversationId);
  }

  it('closes a conversation for new sends on every transport once its persona is made private; history, audit and memories stay the consumer’s', async () => {
    const persona = await createPersona(api.url, creator, { name: 'Iris', personality: 'warm' });
    const conversationId = await start(consumer, persona.id);
    const ownerConversation = await start(creator, persona.id);
    await chat(socket, conversationId, 'My dog is called Rex.');
    await waitFor(async () => {
      const memories = await request(api.url).get(`/v1/personas/${persona.id}/memories`).set(consumer.auth);
      return memories.status === 200 && memories.body.data.length > 0;
    }, 'the worker to remember the dog');

    await request(api.url)
      .patch(`/v1/personas/${persona.id}`)
      .set(creator.auth)
      .send({ visibility: 'private' })
      .expect(200);

    const { overSocket, overHttp } = await sendBoth(conversationId);
    expect(overSocket).toMatchObject({ ok: false, error: { code: 'PERSONA_UNAVAILABLE' } });
    expect(overHttp.status).toBe(410);
    expect(overHttp.body).toMatchObject({
      error: { code: 'PERSONA_UNAVAILABLE', message: expect.stringContaining('readable') },
    });
    // New conversations are refused as before; nothing was stored by the refused sends.
    await request(api.url)
      .post('/v1/conversations')
      .set(consumer.auth)
      .send({ personaId: persona.id })
      .expect(404);
    await expectReadable(conversationId, 1);

    const memories = await request(api.url)
      .get(`/v1/personas/${persona.id}/memories`)
      .set(consumer.auth)
      .expect(200);
    expect(JSON.stringify(memories.body.data)).toContain('Rex');
    const exported = await request(api.url).get('/v1/me/export').set(consumer.auth).expect(200);
    expect(exported.body.conversations.map((c: { id: string }) => c.id)).toContain(conversationId);
    expect(JSON.stringify(exported.body.memories)).toContain('Rex');
    // Someone who never talked to it learns nothing about it.
    const stranger = await signUp(api.url, 'consumer');
    await request(api.url).get(`/v1/personas/${persona.id}/memories`).set(stranger.auth).expect(404);

    // The owner still talks to a persona of their own, private or not.
    await chat(creatorSocket, ownerConversation, 'Still mine?');
  });

  it('closes a conversation once its persona is deleted, and keeps its history readable', async () => {
    const persona = await createPersona(api.url, creator, { name: 'Juno', personality: 'brief' });
    const conversationId = await start(consumer, persona.id);
    await chat(socket, conversationId, 'Hello Juno.');
    await request(api.url).delete(`/v1/personas/${persona.id}`).set(creator.auth).expect(204);

    const { overSocket, overHttp } = await sendBoth(conversationId);
    expect(overSocket).toMatchObject({ ok: false, error: { code: 'PERSONA_UNAVAILABLE' } });
    expect(overHttp.status).toBe(410);
    expect(overHttp.body.error.code).toBe('PERSONA_UNAVAILABLE');
    await expectReadable(conversationId, 1);
  });
});
