import { INestApplicationContext } from '@nestjs/common';
import { ErrorCode } from '@app/common';
import { ConversationsRepository, ConversationStoreModule } from '@app/conversations';
import { PrismaService } from '@app/database';
import { ModelError } from '@app/inference';
import { InferenceNodes, NetworkModule, type NodeReceipt } from '@app/network';
import type { PersonaContent } from '@app/personas';
import { QueueModule } from '@app/queue';
import { receiptDigest, signReceipt, ZERO_DIGEST } from '@app/receipts';
import { createContext, dbFactory } from '@app/testing';
import { Wallet } from 'ethers';
import { randomBytes, randomUUID } from 'node:crypto';
import { FinishedReply, ReplyRecorder } from './reply-recorder';
import { ReplyRecordsRepository } from './reply-records.repository';

const persona = { modelId: 'embedded', verification: 'attested' } as PersonaContent;

describe('ReplyRecorder (PostgreSQL, the in-process node)', () => {
  let context: INestApplicationContext;
  let prisma: PrismaService;
  let conversations: ConversationsRepository;
  let recorder: ReplyRecorder;
  let nodes: InferenceNodes;

  beforeAll(async () => {
    context = await createContext(
      [ConversationStoreModule, NetworkModule, QueueModule],
      [ReplyRecorder, ReplyRecordsRepository],
    );
    await context.init();
    prisma = context.get(PrismaService);
    conversations = context.get(ConversationsRepository);
    recorder = context.get(ReplyRecorder);
    nodes = context.get(InferenceNodes);
  });
  afterAll(() => context.close());

  async function newConversation(): Promise<{ id: string; userId: string }> {
    const creator = await dbFactory.user(prisma, 'creator');
    const user = await dbFactory.user(prisma);
    const created = await prisma.persona.create({
      data: {
        slug: `rec-${randomBytes(5).toString('hex')}`,
        ownerId: creator.id,
        modelId: 'embedded',
        name: 'R',
      },
    });
    // A receipt commits to the version's hash as bytes32 (versions are immutable: it is set at creation).
    const version = await prisma.personaVersion.create({
      data: {
        personaId: created.id,
        version: 1,
        hash: `0x${randomBytes(32).toString('hex')}`,
        content: {},
        createdById: creator.id,
      },
    });
    const { id } = await prisma.conversation.create({
      data: { personaId: created.id, personaVersionId: version.id, userId: user.id },
    });
    return { id, userId: user.id };
  }

  /** A turn whose reply has streamed from the node, chained to `previousDigest`. */
  async function streamedReply(
    conversation: { id: string; userId: string },
    previousDigest: string,
  ): Promise<FinishedReply> {
    const found = await conversations.findWithPersona(conversation.id, conversation.userId);
    if (!found) throw new Error('no conversation');
    const content = `hello ${randomUUID()}`;
    const turn = await conversations.createTurn(conversation.id, content, randomUUID());
    const receipt = {
      inferenceId: randomUUID(),
      conversationId: conversation.id,
      previousDigest,
      personaVersionHash: found.personaVersion.hash,
    };
    const messages = [{ role: 'user' as const, content }];
    const node = nodes.stream(
      { model: { modelId: 'embedded', messages, maxTokens: 20 }, receipt },
      new AbortController().signal,
    );
    let text = '';
    for await (const delta of node) text += delta;
    return {
      conversation: found,
      persona,
      userMessageId: turn.user.id,
      assistantMessageId: turn.assistant.id,
      context: receipt,
      prompt: { messages, memoryIds: [], lorebookEntries: [], droppedTurns: 0, promptTokens: 3 },
      node,
      text,
      ttftMs: 1,
      startedAt: new Date(),
    };
  }

  const stored = (reply: FinishedReply) =>
    prisma.inferenceRecord.findUnique({
      where: { id: reply.context.inferenceId },
      select: { digest: true, previousDigest: true, signer: true },
    });

  it('chains replies stored one after another, each to the one before', async () => {
    const conversation = await newConversation();
    const first = await streamedReply(conversation, await recorder.chainHead(conversation.id));
    expect(first.context.previousDigest).toBe(ZERO_DIGEST);
    await recorder.complete(first);
    const second = await streamedReply(conversation, await recorder.chainHead(conversation.id));
    await recorder.complete(second);
    const [one, two] = [await stored(first), await stored(second)];
    expect(two?.previousDigest).toBe(one?.digest);
    expect(one?.signer).toBe(first.node.nodeAddress);
  });

  it('stores one of two replies that started on the same chain head (a lost lock), refuses the other, never forks', async () => {
    const conversation = await newConversation();
    const head = await recorder.chainHead(conversation.id);
    const racing = await Promise.all([1, 2, 3].map(() => streamedReply(conversation, head)));
    const outcomes = await Promise.allSettled(racing.map((reply) => recorder.complete(reply)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes)
      if (outcome.status === 'rejected')
        expect(outcome.reason).toMatchObject({ code: ErrorCode.CONVERSATION_BUSY });
    expect(await prisma.inferenceRecord.count({ where: { conversationId: conversation.id } })).toBe(1);
  });

  /** The same reply as if a node process had sent it: its receipt is checked, not trusted. */
  const rejected: string[] = [];
  const fromRemote = (reply: FinishedReply, nodeAddress = reply.node.nodeAddress): FinishedReply => ({
    ...reply,
    node: {
      rejectReceipt: (reason: string) => rejected.push(reason),
      nodeId: reply.node.nodeId,
      nodeAddress,
      inProcess: false,
      finishReason: 'stop',
      [Symbol.asyncIterator]: () => reply.node[Symbol.asyncIterator](),
      receipt: () => reply.node.receipt(),
    },
  });

  it("stores a node process's receipt that covers exactly what was sent and received", async () => {
    const conversation = await newConversation();
    const reply = fromRemote(await streamedReply(conversation, await recorder.chainHead(conversation.id)));
    await recorder.complete(reply);
    expect(await stored(reply)).not.toBeNull();
  });

  it("refuses a node process's receipt that does not cover what the client received, and stores nothing", async () => {
    const conversation = await newConversation();
    const reply = fromRemote(await streamedReply(conversation, await recorder.chainHead(conversation.id)));
    await expect(recorder.complete({ ...reply, text: `${reply.text} (edited)` })).rejects.toBeInstanceOf(
      ModelError,
    );
    expect(await stored(reply)).toBeNull();
    const message = await prisma.message.findUniqueOrThrow({ where: { id: reply.assistantMessageId } });
    expect(message.status).toBe('streaming');
  });

  it('refuses a receipt signed by another key than the answering node is registered with', async () => {
    const conversation = await newConversation();
    const honest = await streamedReply(conversation, await recorder.chainHead(conversation.id));
    const reply = fromRemote(honest, Wallet.createRandom().address);
    rejected.length = 0;
    await expect(recorder.complete(reply)).rejects.toBeInstanceOf(ModelError);
    expect(await stored(reply)).toBeNull();
    // The router hears of it, so the node stops getting replies.
    expect(rejected).toHaveLength(1);
  });

  /** The reply as a node process with its own key would send it, its receipt changed by `changes` and re-signed. */
  async function signedByNode(
    reply: FinishedReply,
    changes: Record<string, unknown>,
  ): Promise<FinishedReply> {
    const wallet = Wallet.createRandom();
    const original = await reply.node.receipt();
    const receipt = { ...original.receipt, ...changes, node: wallet.address };
    const forged: NodeReceipt = {
      ...original,
      receipt,
      digest: receiptDigest(receipt),
      signature: await signReceipt(wallet, receipt),
      signer: wallet.address,
    };
    const remote = fromRemote(reply, wallet.address);
    return { ...remote, node: { ...remote.node, receipt: () => Promise.resolve(forged) } };
  }

  it('stores only the signed fields of a receipt, not what a node put beside them', async () => {
    const conversation = await newConversation();
    const honest = await streamedReply(conversation, await recorder.chainHead(conversation.id));
    const reply = await signedByNode(honest, { verified: true, injected: 'x'.repeat(1000) });
    await recorder.complete(reply);
    const record = await prisma.inferenceRecord.findUniqueOrThrow({
      where: { id: reply.context.inferenceId },
    });
    expect(record.receipt).not.toHaveProperty('injected');
    expect(record.receipt).not.toHaveProperty('verified');
  });

  it("refuses a receipt whose times fall outside the api's own window for the reply", async () => {
    const conversation = await newConversation();
    const honest = await streamedReply(conversation, await recorder.chainHead(conversation.id));
    const reply = await signedByNode(honest, { startedAt: 1, finishedAt: 2 });
    await expect(recorder.complete(reply)).rejects.toBeInstanceOf(ModelError);
    expect(await stored(reply)).toBeNull();
  });

  it('stores the reply complete only together with its record', async () => {
    const conversation = await newConversation();
    const reply = await streamedReply(conversation, await recorder.chainHead(conversation.id));
    const done = await recorder.complete(reply);
    const message = await prisma.message.findUniqueOrThrow({ where: { id: reply.assistantMessageId } });
    expect(message).toMatchObject({ status: 'complete', content: reply.text });
    expect(await prisma.inferenceRecord.count({ where: { messageId: message.id } })).toBe(1);
    expect(done).toMatchObject({
      messageId: message.id,
      content: reply.text,
      inferenceId: reply.context.inferenceId,
    });
  });
});
