import { INestApplicationContext } from '@nestjs/common';
import { PrismaService } from '@app/database';
import { createContext, dbFactory } from '@app/testing';
import { ConversationsRepository } from './conversations.repository';

describe('ConversationsRepository.findWithPersona (PostgreSQL)', () => {
  let context: INestApplicationContext;
  let prisma: PrismaService;
  let repository: ConversationsRepository;

  beforeAll(async () => {
    context = await createContext([], [ConversationsRepository]);
    prisma = context.get(PrismaService);
    repository = context.get(ConversationsRepository);
  });
  afterAll(() => context.close());

  it('reads in one statement exactly what an include of version and persona reads', async () => {
    const persona = await dbFactory.persona(prisma);
    await prisma.persona.update({
      where: { id: persona.id },
      data: { minOperators: 2, visibility: 'unlisted', deletedAt: new Date('2026-01-02T03:04:05.678Z') },
    });
    const consumer = await dbFactory.user(prisma);
    const conversation = await prisma.conversation.create({
      data: {
        personaId: persona.id,
        personaVersionId: persona.versionId,
        userId: consumer.id,
        title: 'T',
        summary: 'S',
      },
    });
    const expected = await prisma.conversation.findFirst({
      where: { id: conversation.id },
      include: {
        personaVersion: true,
        persona: {
          select: { modelId: true, ownerId: true, visibility: true, deletedAt: true, minOperators: true },
        },
      },
    });
    expect(await repository.findWithPersona(conversation.id, consumer.id)).toEqual(expected);
  });

  it("finds nothing for another user's conversation, nor for an id that is not a UUID", async () => {
    const persona = await dbFactory.persona(prisma);
    const [owner, stranger] = [await dbFactory.user(prisma), await dbFactory.user(prisma)];
    const conversation = await prisma.conversation.create({
      data: { personaId: persona.id, personaVersionId: persona.versionId, userId: owner.id },
    });
    expect(await repository.findWithPersona(conversation.id, stranger.id)).toBeNull();
    expect(await repository.findWithPersona('not-a-uuid', owner.id)).toBeNull();
  });
});
