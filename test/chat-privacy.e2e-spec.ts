import { INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { collectReply, connectChat, emitAck, startReply, watchProofUpdates } from '@app/testing';
import { randomUUID } from 'node:crypto';
import { Socket } from 'socket.io-client';
import request from 'supertest';
import { createWorker } from '../apps/worker/src/bootstrap';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './support/api-harness';

const SERVER_EVENTS = ['message:token', 'message:done', 'message:error', 'proof:update'];

/** Every server event a socket receives, for asserting that a stranger received none. */
function recordEvents(socket: Socket): { event: string; conversationId?: string }[] {
  const received: { event: string; conversationId?: string }[] = [];
  socket.onAny((event: string, body: { conversationId?: string } | undefined) => {
    if (SERVER_EVENTS.includes(event)) received.push({ event, conversationId: body?.conversationId });
  });
  return received;
}

function disconnected(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
}

describe('who hears a conversation: rooms after authorization, revoked keys (e2e)', () => {
  // Two api instances sharing Redis, as behind a load balancer; small batches so proofs arrive within seconds.
  const overrides = {
    EMBEDDED_LATENCY: 'ttft=100,tps=40',
    BATCH_MAX_AGE_MS: '300',
    RECONCILE_INTERVAL_MS: '1000',
  };
  let apiA: ApiHarness;
  let apiB: ApiHarness;
  let worker: INestApplicationContext;
  let creator: TestUser;
  let personaId: string;
  const sockets: Socket[] = [];

  async function connect(url: string, user: TestUser | string): Promise<Socket> {
    const socket = await connectChat(url, typeof user === 'string' ? user : user.apiKey);
    sockets.push(socket);
    return socket;
  }

  beforeAll(async () => {
    apiA = await startApi(overrides);
    apiB = await startApi(overrides);
    worker = await createWorker(AppConfig.fromProcessEnv({ LOG_LEVEL: 'warn', ...overrides }));
    creator = await signUp(apiA.url, 'creator');
    personaId = (
      await createPersona(apiA.url, creator, {
        name: 'Vesta',
        personality: 'discreet',
        verification: 'attested',
      })
    ).id;
  });
  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await worker.close();
    await apiB.close();
    await apiA.close();
  });

  it('a stranger who knows the conversation id sends, joins and cancels, then hears nothing of later turns; a participant on another instance hears everything', async () => {
    const consumer = await signUp(apiA.url, 'consumer');
    const stranger = await signUp(apiA.url, 'consumer');
    const conversationId = (
      await request(apiA.url).post('/v1/conversations').set(consumer.auth).send({ personaId }).expect(201)
    ).body.id as string;
    const own = await connect(apiA.url, consumer);
    const elsewhere = await connect(apiB.url, consumer);
    expect(await emitAck(elsewhere, 'conversation:join', { conversationId })).toMatchObject({ ok: true });
    const remoteProofs = watchProofUpdates(elsewhere);
    // The stranger on both instances: beside the sender (local emits) and beside the remote participant.
    const strangers = [await connect(apiA.url, stranger), await connect(apiB.url, stranger)];
    const overheard = strangers.map(recordEvents);

    // Turn 1 streams while the stranger tries every way in; then the participant cancels it (message:error).
    const ids: Record<string, string> = {};
    const firstRemote = collectReply(elsewhere, () => ids.first);
    const first = await startReply(own, conversationId, 'Tell me a long story about my secret garden.');
    expect(first.ack.ok).toBe(true);
    const firstId = (ids.first = first.ack.assistantMessageId);
    for (const socket of strangers) {
      const tries = [
        emitAck(socket, 'message:send', { conversationId, content: 'hi', clientMessageId: randomUUID() }),
        emitAck(socket, 'conversation:join', { conversationId }),
        emitAck(socket, 'conversation:join', { conversationId, messageId: firstId, afterSeq: -1 }),
        emitAck(socket, 'message:cancel', { messageId: firstId }),
      ];
      for (const answer of await Promise.all(tries))
        expect(answer).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    }
    expect(await emitAck(own, 'message:cancel', { messageId: firstId })).toEqual({
      ok: true,
      cancelled: true,
    });
    expect((await first.reply).error?.code).toBe('CANCELLED');
    expect((await firstRemote).error?.code).toBe('CANCELLED');

    // Two more turns, each with its proof updates: the remote participant receives all of it.
    for (const content of ['My garden is behind the old mill.', 'The key is under the blue stone.']) {
      const remote = collectReply(elsewhere, () => ids[content]);
      const turn = await startReply(own, conversationId, content);
      expect(turn.ack.ok).toBe(true);
      ids[content] = turn.ack.assistantMessageId;
      const local = await turn.reply;
      const received = await remote;
      expect(received.done?.content).toBe(local.done?.content);
      expect(received.tokens.map((t) => t.delta).join('')).toBe(local.done?.content);
      const inferenceId = local.done!.inferenceId;
      await remoteProofs.until((u) => u.inferenceId === inferenceId && u.status === 'anchored');
    }
    expect(remoteProofs.updates.map((u) => u.status)).toEqual(
      expect.arrayContaining(['attested', 'anchored']),
    );

    // Each stranger socket answers one more request: a packet for it emitted earlier would have arrived first.
    for (const socket of strangers)
      expect(await emitAck(socket, 'message:cancel', { messageId: randomUUID() })).toMatchObject({
        ok: false,
      });
    expect(overheard).toEqual([[], []]);
  });

  it('revoking an API key disconnects the sockets opened with it on every instance, and only those', async () => {
    const consumer = await signUp(apiA.url, 'consumer');
    const second = (
      await request(apiA.url).post('/v1/me/keys').set(consumer.auth).send({ name: 'laptop' }).expect(201)
    ).body as { id: string; apiKey: string };
    const revokedKeyId = (
      (await request(apiA.url).get('/v1/me/keys').set(consumer.auth).expect(200)).body as {
        data: { id: string; name: string }[];
      }
    ).data.find((key) => key.name === 'default')!.id;
    const onA = await connect(apiA.url, consumer);
    const onB = await connect(apiB.url, consumer);
    const kept = await connect(apiB.url, second.apiKey);
    const closedA = disconnected(onA);
    const closedB = disconnected(onB);

    await request(apiA.url)
      .delete(`/v1/me/keys/${revokedKeyId}`)
      .set('Authorization', `Bearer ${second.apiKey}`)
      .expect(204);
    expect(await closedA).toBe('io server disconnect');
    expect(await closedB).toBe('io server disconnect');
    await expect(connectChat(apiB.url, consumer.apiKey)).rejects.toMatchObject({
      data: { code: 'UNAUTHENTICATED' },
    });

    // The other key's socket still chats.
    const conversationId = (
      await request(apiB.url)
        .post('/v1/conversations')
        .set('Authorization', `Bearer ${second.apiKey}`)
        .send({ personaId })
        .expect(201)
    ).body.id as string;
    expect(kept.connected).toBe(true);
    const turn = await startReply(kept, conversationId, 'Still here?');
    expect(turn.ack.ok).toBe(true);
    expect((await turn.reply).done).toBeDefined();
  });
});
