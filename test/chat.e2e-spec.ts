import { INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { randomUUID } from 'node:crypto';
import { io, Socket } from 'socket.io-client';
import request from 'supertest';
import { createWorker } from '../apps/worker/src/bootstrap';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './support/api-harness';
import { waitFor } from './support/wait-for';
import { collectReply, connectChat, emitAck, startReply, StartedReply } from '@app/testing';

interface SendAck {
  ok: boolean;
  userMessageId: string;
  assistantMessageId: string;
  error?: { code: string; message: string };
}

describe('real-time chat over socket.io (e2e)', () => {
  let api: ApiHarness;
  let slowApi: ApiHarness;
  let worker: INestApplicationContext;
  let prisma: PrismaService;
  let creator: TestUser;
  let personaId: string;
  let slowPersonaId: string;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    api = await startApi();
    // A model with a real LLM's pace, for cancel, busy and reconnect tests.
    slowApi = await startApi({ EMBEDDED_LATENCY: 'ttft=100,tps=40' });
    worker = await createWorker(AppConfig.fromProcessEnv({ LOG_LEVEL: 'warn' }));
    prisma = new PrismaService(AppConfig.fromProcessEnv());
    creator = await signUp(api.url, 'creator');
    personaId = (
      await createPersona(api.url, creator, {
        name: 'Mira',
        personality: 'cheerful',
        firstMessage: 'Hi {{user}}!',
      })
    ).id;
    // 10 tokens/s: a reply still streams when a test looks at it, however busy the test machine is.
    slowPersonaId = (
      await createPersona(api.url, creator, {
        name: 'Slow Mira',
        personality: 'unhurried',
        modelId: 'embedded:slow',
      })
    ).id;
  });
  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await prisma.$disconnect();
    await worker.close();
    await slowApi.close();
    await api.close();
  });

  async function session(
    url: string,
    user: TestUser,
    persona = personaId,
  ): Promise<{ socket: Socket; conversationId: string }> {
    const socket = await connectChat(url, user.apiKey);
    sockets.push(socket);
    const conversation = await request(url)
      .post('/v1/conversations')
      .set(user.auth)
      .send({ personaId: persona })
      .expect(201);
    return { socket, conversationId: conversation.body.id };
  }

  async function say(socket: Socket, conversationId: string, content: string) {
    const { ack, reply } = await startReply(socket, conversationId, content);
    expect(ack.ok).toBe(true);
    return { ack, reply: await reply };
  }

  it('streams a reply with gap-free seq, then stores it with its inference record', async () => {
    const consumer = await signUp(api.url, 'consumer');
    const { socket, conversationId } = await session(api.url, consumer);
    const { ack, reply } = await say(socket, conversationId, 'Hello there, how are you?');
    // The instant embedded model's tokens arrive together and leave as one event (reply-stream.ts); a paced model's
    // go one by one (reply-stream.int-spec.ts, and the resume test below).
    expect(reply.tokens.length).toBeGreaterThanOrEqual(1);
    expect(reply.tokens.map((t) => t.seq)).toEqual(reply.tokens.map((_, i) => i));
    expect(reply.done?.content).toBe(reply.tokens.map((t) => t.delta).join(''));
    const stored = await prisma.message.findUniqueOrThrow({
      where: { id: ack.assistantMessageId },
      include: { inference: true },
    });
    expect(stored).toMatchObject({ status: 'complete', content: reply.done?.content });
    expect(stored.inference).toMatchObject({ id: reply.done?.inferenceId, status: 'unverified' });
    expect(stored.inference?.outputHash).toMatch(/^0x[0-9a-f]{64}$/);

    // A client that lost the ack and sends again gets the same, finished turn.
    const userMessage = await prisma.message.findUniqueOrThrow({ where: { id: ack.userMessageId } });
    const again = await emitAck<SendAck>(socket, 'message:send', {
      conversationId,
      content: 'Hello there, how are you?',
      clientMessageId: userMessage.clientMessageId,
    });
    expect(again).toMatchObject({
      ok: true,
      userMessageId: ack.userMessageId,
      assistantMessageId: ack.assistantMessageId,
    });
    expect(await prisma.message.count({ where: { conversationId, role: 'user' } })).toBe(1);
  });

  it('remembers what a consumer said in a later conversation, and never tells another consumer', async () => {
    const alice = await signUp(api.url, 'consumer');
    const first = await session(api.url, alice);
    await say(first.socket, first.conversationId, 'My dog is called Rex.');
    // The memory job runs in the worker; wait until it has stored the fact.
    for (let i = 0; i < 50 && (await prisma.memory.count({ where: { userId: alice.id } })) === 0; i++)
      await new Promise((r) => setTimeout(r, 100));

    const later = await session(api.url, alice);
    const recalled = await say(later.socket, later.conversationId, 'What is my dog called?');
    expect(recalled.reply.done?.content).toContain('Rex');

    const bob = await signUp(api.url, 'consumer');
    const other = await session(api.url, bob);
    const isolated = await say(other.socket, other.conversationId, 'What is my dog called?');
    expect(isolated.reply.done?.content).not.toContain('Rex');
  });

  it('refuses a second send while a reply streams, and treats a repeated clientMessageId as the same message', async () => {
    const consumer = await signUp(slowApi.url, 'consumer');
    const { socket, conversationId } = await session(slowApi.url, consumer);
    const clientMessageId = randomUUID();
    const first = await emitAck<SendAck>(socket, 'message:send', {
      conversationId,
      content: 'Tell me about the sea.',
      clientMessageId,
    });
    const repeat = await emitAck<SendAck>(socket, 'message:send', {
      conversationId,
      content: 'Tell me about the sea.',
      clientMessageId,
    });
    expect(repeat).toMatchObject({
      ok: true,
      userMessageId: first.userMessageId,
      assistantMessageId: first.assistantMessageId,
    });
    const busy = await emitAck<SendAck>(socket, 'message:send', {
      conversationId,
      content: 'And the sky?',
      clientMessageId: randomUUID(),
    });
    expect(busy).toMatchObject({ ok: false, error: { code: 'CONVERSATION_BUSY' } });
    expect(await prisma.message.count({ where: { conversationId, role: 'user' } })).toBe(1);
    await emitAck(socket, 'message:cancel', { messageId: first.assistantMessageId });
  });

  it('cancels a streaming reply and never presents the partial text as complete', async () => {
    const consumer = await signUp(slowApi.url, 'consumer');
    const { socket, conversationId } = await session(slowApi.url, consumer);
    const { ack, reply } = await startReply(socket, conversationId, 'Tell me a long story.');
    const messageId = ack.assistantMessageId;
    const cancelled = await emitAck<{ ok: boolean; cancelled: boolean }>(socket, 'message:cancel', {
      messageId,
    });
    expect(cancelled).toEqual({ ok: true, cancelled: true });
    const result = await reply;
    expect(result.error?.code).toBe('CANCELLED');
    expect(result.done).toBeUndefined();
    expect((await prisma.message.findUniqueOrThrow({ where: { id: messageId } })).status).toBe('cancelled');
    // The conversation is free again.
    const next = await say(socket, conversationId, 'Hello again');
    expect(next.reply.done).toBeDefined();
  });

  it('cancels a reply from another api instance, and refuses a cancel from someone else', async () => {
    const consumer = await signUp(slowApi.url, 'consumer');
    const { socket, conversationId } = await session(slowApi.url, consumer);
    const { ack, reply } = await startReply(socket, conversationId, 'A long story, please.');
    const messageId = ack.assistantMessageId;

    const stranger = await signUp(api.url, 'consumer');
    const strangerSocket = await connectChat(api.url, stranger.apiKey);
    sockets.push(strangerSocket);
    expect(await emitAck(strangerSocket, 'message:cancel', { messageId })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });

    const elsewhere = await connectChat(api.url, consumer.apiKey);
    sockets.push(elsewhere);
    expect(await emitAck(elsewhere, 'message:cancel', { messageId })).toEqual({ ok: true, cancelled: true });
    expect((await reply).error?.code).toBe('CANCELLED');
  });

  it('resumes after a dropped connection: exactly the missed tokens, then the rest', async () => {
    const consumer = await signUp(slowApi.url, 'consumer');
    const { socket, conversationId } = await session(slowApi.url, consumer, slowPersonaId);
    const seen = new Map<number, string>();
    let messageId = '';
    socket.on('message:token', (e: { messageId: string; seq: number; delta: string }) => {
      if (e.messageId === messageId) seen.set(e.seq, e.delta);
    });
    const ack = await emitAck<SendAck>(socket, 'message:send', {
      conversationId,
      content: 'Tell me a long story about dragons and the sea.',
      clientMessageId: randomUUID(),
    });
    messageId = ack.assistantMessageId;
    while (seen.size < 2) await new Promise((r) => setTimeout(r, 10));
    socket.disconnect();
    const lastSeq = Math.max(...seen.keys());
    await new Promise((r) => setTimeout(r, 300)); // tokens stream on while the client is away

    const again = await connectChat(slowApi.url, consumer.apiKey);
    sockets.push(again);
    const done = new Promise<{ content: string }>((resolve) =>
      again.on(
        'message:done',
        (e: { messageId: string; content: string }) => e.messageId === messageId && resolve(e),
      ),
    );
    again.on('message:token', (e: { messageId: string; seq: number; delta: string }) => {
      if (e.messageId === messageId && !seen.has(e.seq)) seen.set(e.seq, e.delta);
    });
    const joined = await emitAck<{ ok: boolean; missed: { seq: number; delta: string }[] }>(
      again,
      'conversation:join',
      { conversationId, messageId, afterSeq: lastSeq },
    );
    expect(joined.ok).toBe(true);
    expect(joined.missed[0]?.seq).toBe(lastSeq + 1);
    for (const token of joined.missed) if (!seen.has(token.seq)) seen.set(token.seq, token.delta);
    const final = await done;
    const seqs = [...seen.keys()].sort((a, b) => a - b);
    expect(seqs).toEqual(seqs.map((_, i) => i));
    expect(seqs.map((s) => seen.get(s)).join('')).toBe(final.content);

    // A reply that finished while the client was away is delivered whole.
    const late = await emitAck<{ ok: boolean; status: string; content: string }>(again, 'conversation:join', {
      conversationId,
      messageId,
      afterSeq: -1,
    });
    expect(late).toMatchObject({ ok: true, status: 'complete', content: final.content });
  });

  it('disconnects a client that stops reading, loses nothing, and keeps serving everyone else', async () => {
    // An api that lets 10 packets wait for a client: a 20-token reply to a client that stops reading passes it.
    const strictApi = await startApi({ EMBEDDED_LATENCY: 'ttft=100,tps=40', CHAT_MAX_QUEUED_PACKETS: '10' });
    try {
      const consumer = await signUp(strictApi.url, 'consumer');
      const conversationId = (
        await request(strictApi.url)
          .post('/v1/conversations')
          .set(consumer.auth)
          .send({ personaId })
          .expect(201)
      ).body.id as string;
      // Long-polling, so "not reading" is exact: once paused, the client sends no more GETs and every packet for
      // it waits on the server.
      const stalled = io(`${strictApi.url}/chat`, {
        auth: { token: consumer.apiKey },
        transports: ['polling'],
        reconnection: false,
        forceNew: true,
      });
      sockets.push(stalled);
      await new Promise<void>((resolve, reject) => {
        stalled.once('connect', resolve).once('connect_error', reject);
      });
      const sid = stalled.io.engine.id;
      const acked = emitAck<SendAck>(stalled, 'message:send', {
        conversationId,
        content: 'Tell me a long story about the sea.',
        clientMessageId: randomUUID(),
      });
      // Pausing takes effect when the poll in flight returns: the one that carries the ack.
      (stalled.io.engine.transport as unknown as { pause(onPause: () => void): void }).pause(() => undefined);
      const ack = await acked;
      expect(ack.ok).toBe(true);

      // The reply completes and is stored while its tokens pile up for the stalled client.
      await waitFor(async () => {
        const message = await prisma.message.findUnique({ where: { id: ack.assistantMessageId } });
        return message?.status === 'complete';
      }, 'the reply to be stored');
      // Then the server drops the connection: engine.io no longer knows the session. (A POST, unlike a GET poll,
      // does not take the queued packets, so asking does not make the client read.)
      await waitFor(async () => {
        const noop = await fetch(`${strictApi.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain;charset=UTF-8' },
          body: '6',
        });
        return noop.status === 400;
      }, 'the server to drop the stalled connection');
      // The paused client never learns that: close its end too, or its ping timer (45 s) outlives the test file.
      // Before any disconnect(), whose packet would sit in the paused client's buffer and hold the close back.
      stalled.io.engine.close();

      // Nothing was lost: the client reconnects and receives the whole reply.
      const again = await connectChat(strictApi.url, consumer.apiKey);
      sockets.push(again);
      const joined = await emitAck<{ ok: boolean; status: string; content: string }>(
        again,
        'conversation:join',
        {
          conversationId,
          messageId: ack.assistantMessageId,
          afterSeq: -1,
        },
      );
      const stored = await prisma.message.findUniqueOrThrow({ where: { id: ack.assistantMessageId } });
      expect(joined).toMatchObject({ ok: true, status: 'complete', content: stored.content });
      expect(stored.content.length).toBeGreaterThan(0);
      // And the server goes on serving a client that reads.
      const { reply } = await say(again, conversationId, 'And another one, please.');
      expect(reply.done?.content).toBe(reply.tokens.map((t) => t.delta).join(''));
    } finally {
      await strictApi.close();
    }
  });

  it('lets streaming replies finish when the api stops, and refuses new sends meanwhile', async () => {
    // About a second per reply at 20 tokens/s: well within the default 10 s drain.
    const stopping = await startApi({ EMBEDDED_LATENCY: 'ttft=100,tps=20' });
    const consumer = await signUp(stopping.url, 'consumer');
    const sessions = await Promise.all(Array.from({ length: 6 }, () => session(stopping.url, consumer)));
    const first = await startReply(sessions[0].socket, sessions[0].conversationId, 'Tell me about the sea.');
    expect(first.ack.ok).toBe(true);
    const accepted = [first];
    const closed = stopping.close();
    // Sends that reach the api before it starts stopping are accepted and drained too; once it is stopping,
    // a send is refused with a clear error.
    let refused: StartedReply['ack'] | undefined;
    for (const { socket, conversationId } of sessions.slice(1)) {
      const next = await startReply(socket, conversationId, 'And the mountains?');
      if (!next.ack.ok) {
        refused = next.ack;
        break;
      }
      accepted.push(next);
    }
    expect(refused?.error).toMatchObject({
      code: 'SERVER_STOPPING',
      message: expect.stringContaining('stopping'),
    });

    for (const { ack, reply } of accepted) {
      const finished = await reply;
      expect(finished.done?.content).toBe(finished.tokens.map((t) => t.delta).join(''));
      const stored = await prisma.message.findUniqueOrThrow({ where: { id: ack.assistantMessageId } });
      expect(stored).toMatchObject({ status: 'complete', content: finished.done?.content });
    }
    await closed;
  });

  it('fails a reply that outlasts the shutdown drain, stored as failed and told to the client', async () => {
    const stopping = await startApi({ EMBEDDED_LATENCY: 'ttft=50,tps=4', SHUTDOWN_DRAIN_MS: '300' });
    const consumer = await signUp(stopping.url, 'consumer');
    const { socket, conversationId } = await session(stopping.url, consumer);
    const { ack, reply } = await startReply(socket, conversationId, 'Tell me a very long story.');
    expect(ack.ok).toBe(true);
    await new Promise<void>((resolve) => socket.once('message:token', () => resolve()));
    await stopping.close();

    const ended = await reply;
    expect(ended.done).toBeUndefined();
    expect(ended.error).toMatchObject({ code: 'SERVER_STOPPING' });
    const stored = await prisma.message.findUniqueOrThrow({ where: { id: ack.assistantMessageId } });
    expect(stored.status).toBe('failed');
    expect(stored.content).toBe(ended.tokens.map((t) => t.delta).join(''));
  });

  it('tells a resuming client that a reply abandoned by a dead api has failed, and keeps a live one streaming', async () => {
    const consumer = await signUp(slowApi.url, 'consumer');
    const { socket, conversationId } = await session(slowApi.url, consumer, slowPersonaId);
    // What an api killed mid-reply leaves: a reply still marked streaming, with no heartbeat, a minute old.
    const abandoned = await prisma.message.create({
      data: {
        conversationId,
        role: 'assistant',
        content: '',
        status: 'streaming',
        createdAt: new Date(Date.now() - 60_000),
      },
    });
    const join = (messageId: string) =>
      emitAck<{ ok: boolean; status: string }>(socket, 'conversation:join', {
        conversationId,
        messageId,
        afterSeq: -1,
      });
    expect(await join(abandoned.id)).toMatchObject({ ok: true, status: 'failed' });
    expect(await prisma.message.findUniqueOrThrow({ where: { id: abandoned.id } })).toMatchObject({
      status: 'failed',
    });

    // A live reply made just as old keeps streaming: its heartbeat, not its age, decides.
    const { ack, reply } = await startReply(socket, conversationId, 'Tell me about the old lighthouse.');
    expect(ack.ok).toBe(true);
    await prisma.message.update({
      where: { id: ack.assistantMessageId },
      data: { createdAt: new Date(Date.now() - 60_000) },
    });
    expect(await join(ack.assistantMessageId)).toMatchObject({ ok: true, status: 'streaming' });
    expect((await reply).done?.messageId).toBe(ack.assistantMessageId);
  });

  it('reaches a client connected to another api instance (socket.io Redis adapter)', async () => {
    const consumer = await signUp(api.url, 'consumer');
    const { socket, conversationId } = await session(api.url, consumer);
    const elsewhere = await connectChat(slowApi.url, consumer.apiKey);
    sockets.push(elsewhere);
    expect(await emitAck(elsewhere, 'conversation:join', { conversationId })).toMatchObject({ ok: true });
    let messageId: string | undefined = undefined;
    const remote = collectReply(elsewhere, () => messageId);
    const ack = await emitAck<SendAck>(socket, 'message:send', {
      conversationId,
      content: 'Hello from instance one',
      clientMessageId: randomUUID(),
    });
    messageId = ack.assistantMessageId;
    const received = await remote;
    expect(received.done?.content).toBe(received.tokens.map((t) => t.delta).join(''));
    expect(received.tokens.map((t) => t.seq)).toEqual(received.tokens.map((_, i) => i));
  });

  it('answers bad payloads, foreign conversations and bad keys with clear errors, and stays up', async () => {
    await expect(connectChat(api.url, 'tp_not-a-real-key-at-all-xxxxxxxxxxxxxxx')).rejects.toMatchObject({
      data: { code: 'UNAUTHENTICATED' },
    });
    const consumer = await signUp(api.url, 'consumer');
    const stranger = await signUp(api.url, 'consumer');
    const { conversationId } = await session(api.url, consumer);
    const socket = await connectChat(api.url, stranger.apiKey);
    sockets.push(socket);
    const foreign = await emitAck<SendAck>(socket, 'message:send', {
      conversationId,
      content: 'hi',
      clientMessageId: 'x1',
    });
    expect(foreign).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const malformed = await emitAck<SendAck>(socket, 'message:send', 'not an object');
    expect(malformed).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    const empty = await emitAck<SendAck>(socket, 'message:send', {
      conversationId,
      content: '   ',
      clientMessageId: 'x2',
    });
    expect(empty.ok).toBe(false);
    const huge = await emitAck<SendAck>(socket, 'message:send', {
      conversationId,
      content: 'x'.repeat(9_000),
      clientMessageId: 'x3',
    });
    expect(huge.ok).toBe(false);
    await request(api.url).get('/health').expect(200);
  });

  it('refuses afterSeq that is not a small whole number with VALIDATION_FAILED, never as an outage', async () => {
    const consumer = await signUp(api.url, 'consumer');
    const { socket, conversationId } = await session(api.url, consumer);
    const { ack } = await say(socket, conversationId, 'Count with me.');
    const join = (afterSeq: unknown) =>
      emitAck(socket, 'conversation:join', { conversationId, messageId: ack.assistantMessageId, afterSeq });
    // 1e20 and 1e300 are integers to Number.isInteger; Redis refuses them as indexes.
    for (const afterSeq of [1e20, 1e300, 2 ** 53, 1_000_001, 1.5, -2, '3'])
      expect(await join(afterSeq)).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('afterSeq') },
      });
    expect(await join(0)).toMatchObject({ ok: true, status: 'complete' });
  });
});
