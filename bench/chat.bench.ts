import 'reflect-metadata';
import { INestApplication, INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { MemoryRepository } from '@app/memory';
import { connectChat, createTestDatabase, dropTestDatabase } from '@app/testing';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApi } from '../apps/api/src/bootstrap';
import { createWorker } from '../apps/worker/src/bootstrap';
import { LatencyHistogram, printTable } from '../load/histogram';

// `npm run bench [-- --chats 200 --turns 5 --memories 1000000]`: the platform's own share of a chat reply, with
// the embedded model at zero latency, and memory retrieval over a large table. Not a test: figures, not verdicts.
const args = new Map(
  process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1] ?? '']] : [])),
);
const CHATS = Number(args.get('chats') ?? 200);
const TURNS = Number(args.get('turns') ?? 5);
const MEMORIES = Number(args.get('memories') ?? 1_000_000);
const QUERIES = 2_000;

async function post<T>(url: string, path: string, body: unknown, key?: string): Promise<T> {
  const response = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function benchChat(url: string): Promise<void> {
  const creator = await post<{ apiKey: string }>(url, '/v1/users', {
    handle: `bench-${randomUUID().slice(0, 8)}`,
    role: 'creator',
  });
  const persona = await post<{ id: string }>(
    url,
    '/v1/personas',
    { name: 'Bench', personality: 'brisk', firstMessage: 'Hi' },
    creator.apiKey,
  );
  const ack = new LatencyHistogram();
  const ttft = new LatencyHistogram();
  const itl = new LatencyHistogram();
  const e2e = new LatencyHistogram();
  const chats = await Promise.all(
    Array.from({ length: CHATS }, async (_, i) => {
      const user = await post<{ apiKey: string }>(url, '/v1/users', {
        handle: `bench-u${i}-${randomUUID().slice(0, 6)}`,
        role: 'consumer',
      });
      const conversation = await post<{ id: string }>(
        url,
        '/v1/conversations',
        { personaId: persona.id },
        user.apiKey,
      );
      return { socket: await connectChat(url, user.apiKey), conversationId: conversation.id };
    }),
  );
  const started = performance.now();
  await Promise.all(
    chats.map(async ({ socket, conversationId }) => {
      for (let turn = 0; turn < TURNS; turn++) {
        const sent = performance.now();
        let last = 0;
        let messageId = '';
        const finished = new Promise<void>((resolve) => {
          const onToken = (e: { messageId: string }): void => {
            if (e.messageId !== messageId) return;
            const now = performance.now();
            if (last === 0) ttft.record(now - sent);
            else itl.record(now - last);
            last = now;
          };
          socket.on('message:token', onToken);
          socket.once('message:done', () => {
            socket.off('message:token', onToken);
            e2e.record(performance.now() - sent);
            resolve();
          });
        });
        const reply = (await socket.emitWithAck('message:send', {
          conversationId,
          content: `My dog is called Rex. Turn ${turn}, tell me something.`,
          clientMessageId: randomUUID(),
        })) as { ok: boolean; assistantMessageId: string };
        ack.record(performance.now() - sent);
        if (!reply.ok) throw new Error(`send refused: ${JSON.stringify(reply)}`);
        messageId = reply.assistantMessageId;
        await finished;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  chats.forEach((c) => c.socket.disconnect());
  printTable(
    `Chat, ${CHATS} concurrent chats × ${TURNS} turns, embedded model at zero latency (${((CHATS * TURNS) / seconds).toFixed(0)} replies/s), ms`,
    {
      'ack (send → ack)': ack.row(),
      'TTFT (send → first token)': ttft.row(),
      'ITL (between tokens)': itl.row(),
      'end to end': e2e.row(),
    },
  );
}

async function benchRetrieval(prisma: PrismaService, memories: MemoryRepository): Promise<void> {
  const perUser = 100;
  const users = Math.ceil(MEMORIES / perUser);
  const owner = await prisma.user.create({
    data: { handle: `bench-owner-${randomUUID().slice(0, 8)}`, role: 'creator' },
  });
  const persona = await prisma.persona.create({
    data: {
      slug: `bench-${randomUUID().slice(0, 8)}`,
      ownerId: owner.id,
      modelId: 'embedded',
      name: 'Bench',
    },
  });
  const seeding = performance.now();
  await prisma.$executeRawUnsafe(
    `INSERT INTO "User" (id, handle, role, "updatedAt") SELECT gen_random_uuid(), 'bench-mem-' || g, 'consumer', now() FROM generate_series(1, ${users}) g`,
  );
  await prisma.$executeRawUnsafe(`
    INSERT INTO "Memory" (id, "personaId", "userId", scope, kind, content, importance, "createdAt", "updatedAt")
    SELECT gen_random_uuid(), '${persona.id}', u.id, 'user', 'fact',
           (ARRAY['my dog is called ','I live in ','my favourite food is ','I work as a ','my sister is called '])[1 + (g % 5)] || md5(g::text || u.id::text),
           random(), now() - (g || ' hours')::interval, now()
    FROM (SELECT id FROM "User" WHERE handle LIKE 'bench-mem-%') u, generate_series(1, ${perUser}) g`);
  await prisma.$executeRawUnsafe('ANALYZE "Memory"');
  const seeded = await prisma.memory.count();
  const userIds = (
    await prisma.$queryRawUnsafe<{ id: string }[]>(
      `SELECT id FROM "User" WHERE handle LIKE 'bench-mem-%' LIMIT 5000`,
    )
  ).map((r) => r.id);
  const latency = new LatencyHistogram();
  const questions = [
    'what is my dog called?',
    'where do I live?',
    'what do I like to eat?',
    'tell me about my sister',
  ];
  for (let i = 0; i < QUERIES; i++) {
    const t = performance.now();
    await memories.retrieve({
      personaId: persona.id,
      userId: userIds[i % userIds.length] ?? '',
      query: questions[i % questions.length] ?? '',
      limit: 8,
    });
    latency.record(performance.now() - t);
  }
  printTable(
    `Memory retrieval over ${seeded.toLocaleString()} memories (seeded in ${((performance.now() - seeding) / 1000).toFixed(0)} s), one (persona, user) per query, sequential, ms`,
    {
      retrieve: latency.row(),
    },
  );
}

async function main(): Promise<void> {
  const database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_PREFIX = `${database.name}`;
  const config = AppConfig.fromProcessEnv({
    LOG_LEVEL: 'error',
    PORT: '0',
    HOST: '127.0.0.1',
    RATE_LIMIT_PER_MINUTE: '1000000',
    SIGNUP_RATE_LIMIT_PER_HOUR: '1000000',
    EMBEDDED_LATENCY: 'instant',
  });
  let api: INestApplication | undefined;
  let worker: INestApplicationContext | undefined;
  try {
    api = await createApi(config);
    await api.listen(0, '127.0.0.1');
    worker = await createWorker(config);
    const url = `http://127.0.0.1:${((api.getHttpServer() as Server).address() as AddressInfo).port}`;
    await benchChat(url);
    // `--memories 0` measures the chat alone.
    if (MEMORIES > 0) await benchRetrieval(api.get(PrismaService), api.get(MemoryRepository));
  } finally {
    await worker?.close();
    await api?.close();
    await dropTestDatabase(database.name);
  }
}

main()
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
