import { INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { bullPrefix, JobName, jobIds, QueueName, redisConnectionOptions } from '@app/queue';
import { Queue, QueueEvents } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { createWorker } from './bootstrap';

describe('memory job (real BullMQ, real PostgreSQL)', () => {
  let worker: INestApplicationContext;
  let queue: Queue;
  let events: QueueEvents;
  let prisma: PrismaService;
  let conversationId: string;
  let personaId: string;
  let userId: string;

  beforeAll(async () => {
    const config = AppConfig.fromProcessEnv({ LOG_LEVEL: 'warn' });
    worker = await createWorker(config);
    prisma = worker.get(PrismaService);
    const options = {
      connection: redisConnectionOptions(config.redisUrl),
      prefix: bullPrefix(config.redisPrefix),
    };
    queue = new Queue(QueueName.Memory, options);
    events = new QueueEvents(QueueName.Memory, options);
    await events.waitUntilReady();

    const tag = randomBytes(4).toString('hex');
    const user = await prisma.user.create({ data: { handle: `memjob-${tag}`, role: 'consumer' } });
    const persona = await prisma.persona.create({
      data: { slug: `memjob-${tag}`, ownerId: user.id, modelId: 'embedded', name: 'P' },
    });
    const version = await prisma.personaVersion.create({
      data: { personaId: persona.id, version: 1, hash: '0x00', content: {}, createdById: user.id },
    });
    const conversation = await prisma.conversation.create({
      data: { personaId: persona.id, personaVersionId: version.id, userId: user.id },
    });
    [conversationId, personaId, userId] = [conversation.id, persona.id, user.id];
  });
  afterAll(async () => {
    await events.close();
    await queue.close();
    await worker.close();
  });

  async function say(role: 'user' | 'assistant', content: string): Promise<number> {
    const message = await prisma.message.create({ data: { conversationId, role, content } });
    const job = await queue.add(
      JobName.ExtractMemories,
      { messageId: message.id },
      { jobId: jobIds.extractMemories(message.id) },
    );
    const result = (await job.waitUntilFinished(events, 10_000)) as { stored: number };
    return result.stored;
  }

  it('remembers facts from the user’s own words, once, and replaces contradicted ones', async () => {
    expect(await say('user', 'My dog is called Rex. I live in Lisbon.')).toBe(2);
    expect(await say('assistant', 'Your dog is called Rex, and my dog is called Fang.')).toBe(0);
    expect(await say('user', 'what is my dog called?')).toBe(0);
    expect(await say('user', 'my dog is called rex!')).toBe(0);
    expect(await say('user', 'Actually my dog is named Max now.')).toBe(1);
    const facts = (await prisma.memory.findMany({ where: { personaId, userId, supersededById: null } }))
      .map((m) => m.content)
      .sort();
    expect(facts).toEqual(['I live in Lisbon', 'my dog is named Max now']);
    const history = await prisma.memory.findFirst({
      where: { personaId, userId, content: 'My dog is called Rex' },
    });
    expect(history?.supersededById).not.toBeNull();
  });

  it('folds turns that leave the prompt window into the conversation summary', async () => {
    const tag = randomBytes(4).toString('hex');
    const user = await prisma.user.create({ data: { handle: `sum-${tag}`, role: 'consumer' } });
    const version = await prisma.personaVersion.findFirstOrThrow({ where: { personaId } });
    const conversation = await prisma.conversation.create({
      data: { personaId, personaVersionId: version.id, userId: user.id },
    });
    await prisma.message.create({
      data: {
        conversationId: conversation.id,
        role: 'user',
        content: 'I am planning a trip to Japan. Any tips?',
      },
    });
    for (let i = 0; i < 44; i++) {
      await prisma.message.create({
        data: { conversationId: conversation.id, role: i % 2 ? 'user' : 'assistant', content: `turn ${i}.` },
      });
    }
    const latest = await prisma.message.create({
      data: { conversationId: conversation.id, role: 'user', content: 'What should I pack?' },
    });
    const job = await queue.add(
      JobName.ExtractMemories,
      { messageId: latest.id },
      { jobId: jobIds.extractMemories(latest.id) },
    );
    await job.waitUntilFinished(events, 10_000);
    const updated = await prisma.conversation.findUniqueOrThrow({ where: { id: conversation.id } });
    expect(updated.summary).toContain('I am planning a trip to Japan.');
    expect(updated.summary).not.toContain('What should I pack?');
  });
});
