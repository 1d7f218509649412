import { INestApplicationContext } from '@nestjs/common';
import { ConversationsRepository, ConversationStoreModule } from '@app/conversations';
import { PrismaService } from '@app/database';
import { NetworkModule } from '@app/network';
import type { PersonaContent } from '@app/personas';
import { QueueModule } from '@app/queue';
import { ZERO_DIGEST } from '@app/receipts';
import { createContext, dbFactory } from '@app/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { FinishedReply, ReplyRecorder } from './reply-recorder';
import { ReplyRecordsRepository } from './reply-records.repository';

describe('ReplyRecorder (PostgreSQL)', () => {
  let context: INestApplicationContext;
  let prisma: PrismaService;
  let conversations: ConversationsRepository;
  let recorder: ReplyRecorder;

  beforeAll(async () => {
    context = await createContext(
      [ConversationStoreModule, NetworkModule, QueueModule],
      [ReplyRecorder, ReplyRecordsRepository],
    );
    await context.init();
    prisma = context.get(PrismaService);
    conversations = context.get(ConversationsRepository);
    recorder = context.get(ReplyRecorder);
  });
  afterAll(() => context.close());

  async function finishedTurns(count: number): Promise<FinishedReply[]> {
    const creator = await dbFactory.user(prisma, 'creator');
    const user = await dbFactory.user(prisma);
    const tag = randomBytes(5).toString('hex');
    const persona = await prisma.persona.create({
      data: { slug: `rec-${tag}`, ownerId: creator.id, modelId: 'embedded', name: 'R' },
    });
    // A receipt commits to the version's hash as bytes32 (versions are immutable: it is set at creation).
    const version = await prisma.personaVersion.create({
      data: {
        personaId: persona.id,
        version: 1,
        hash: `0x${randomBytes(32).toString('hex')}`,
        content: {},
        createdById: creator.id,
      },
    });
    const { id } = await prisma.conversation.create({
      data: { personaId: persona.id, personaVersionId: version.id, userId: user.id },
    });
    const conversation = await conversations.findWithPersona(id, user.id);
    if (!conversation) throw new Error('no conversation');
    const content = { modelId: 'embedded', verification: 'attested' } as PersonaContent;
    const replies: FinishedReply[] = [];
    for (let i = 0; i < count; i++) {
      const turn = await conversations.createTurn(id, `message ${i}`, randomUUID());
      replies.push({
        inferenceId: randomUUID(),
        conversation,
        persona: content,
        userMessageId: turn.user.id,
        assistantMessageId: turn.assistant.id,
        prompt: {
          messages: [{ role: 'user', content: `message ${i}` }],
          memoryIds: [],
          lorebookEntries: [],
          droppedTurns: 0,
          promptTokens: 3,
        },
        text: `reply ${i}`,
        ttftMs: 1,
        startedAt: new Date(),
      });
    }
    return replies;
  }

  it('chains replies completed at the same moment (no Redis lock held) one after another, never forking', async () => {
    const replies = await finishedTurns(4);
    await Promise.all(replies.map((reply) => recorder.complete(reply)));
    const records = await prisma.inferenceRecord.findMany({
      where: { id: { in: replies.map((r) => r.inferenceId) } },
      select: { digest: true, previousDigest: true },
    });
    const previous = records.map((r) => r.previousDigest);
    // One chain: exactly one starts it, and every other follows a different record.
    expect(previous.filter((digest) => digest === ZERO_DIGEST)).toHaveLength(1);
    expect(new Set(previous).size).toBe(records.length);
    const digests = new Set(records.map((r) => r.digest));
    expect(previous.filter((digest) => digest !== ZERO_DIGEST).every((digest) => digests.has(digest))).toBe(
      true,
    );
  });

  it('stores the reply complete only together with its record', async () => {
    const [reply] = await finishedTurns(1);
    if (!reply) throw new Error('no reply');
    const done = await recorder.complete(reply);
    const message = await prisma.message.findUniqueOrThrow({ where: { id: reply.assistantMessageId } });
    expect(message).toMatchObject({ status: 'complete', content: 'reply 0' });
    expect(await prisma.inferenceRecord.count({ where: { messageId: message.id } })).toBe(1);
    expect(done).toMatchObject({ messageId: message.id, content: 'reply 0', inferenceId: reply.inferenceId });
  });
});
