import { INestApplicationContext } from '@nestjs/common';
import { ErrorCode } from '@app/common';
import { ConversationsRepository, ConversationStoreModule } from '@app/conversations';
import { PrismaService } from '@app/database';
import { ModelError } from '@app/inference';
import { InferenceNodes, LocalNode, NetworkModule, type NodeReceipt, type NodeStream } from '@app/network';
import type { PersonaContent } from '@app/personas';
import { QueueModule } from '@app/queue';
import {
  commitText,
  NO_PREFIX,
  type Receipt,
  receiptDigest,
  signReceipt,
  utf8Length,
  ZERO_DIGEST,
} from '@app/receipts';
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
  let localNode: LocalNode;

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
    localNode = context.get(LocalNode);
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
    takeover?: { prefix: string; prefixNode: string; prefixNodeId: string },
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
    const request = { model: { modelId: 'embedded', messages, maxTokens: 20 }, receipt };
    const node = takeover
      ? takenOver(request, takeover)
      : nodes.stream(request, new AbortController().signal);
    // On a takeover the client already has the prefix; the finishing node streams the rest.
    let text = takeover?.prefix ?? '';
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

  /**
   * The in-process node finishing a reply another node started, as the router hands it over: it is given the
   * delivered prefix to continue and sign over, and its stream says who streamed that prefix (NodeStream.takeover).
   */
  function takenOver(
    request: Parameters<InferenceNodes['stream']>[0],
    { prefix, prefixNode, prefixNodeId }: { prefix: string; prefixNode: string; prefixNodeId: string },
  ): NodeStream {
    const inner = localNode.stream(
      {
        ...request,
        model: { ...request.model, continuation: prefix },
        continuation: { prefix, prefixNode },
      },
      new AbortController().signal,
    );
    return {
      nodeId: inner.nodeId,
      nodeAddress: inner.nodeAddress,
      inProcess: true,
      takeover: { prefixNodeId, prefixNode, prefixBytes: utf8Length(prefix) },
      get finishReason() {
        return inner.finishReason;
      },
      [Symbol.asyncIterator]: () => inner[Symbol.asyncIterator](),
      receipt: () => inner.receipt(),
    };
  }

  const stored = (reply: FinishedReply) =>
    prisma.inferenceRecord.findUnique({
      where: { id: reply.context.inferenceId },
      select: { digest: true, previousDigest: true, signer: true, generation: true },
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

  it('stores the stop, sampling and response format the node was asked with; null when not told', async () => {
    const conversation = await newConversation();
    const asked = await streamedReply(conversation, await recorder.chainHead(conversation.id));
    asked.generation = {
      stop: ['kind'],
      sampling: { temperature: 0, seed: 7, topP: undefined },
      maxTokens: 9, // already in the record as completionTokens' cap: not a generation parameter
    };
    await recorder.complete(asked);
    // Exactly what was sent: an absent parameter stays absent (a replay must not send what the node never got).
    expect((await stored(asked))?.generation).toEqual({ stop: ['kind'], temperature: 0, seed: 7 });
    const untold = await streamedReply(conversation, await recorder.chainHead(conversation.id));
    await recorder.complete(untold);
    expect((await stored(untold))?.generation).toBeNull();
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
      takeover: reply.node.takeover,
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
  describe('a reply taken over mid-stream (receipt v3)', () => {
    const prefix = 'Bonjour ✓, je ';
    const takeover = () => ({
      prefix,
      prefixNode: Wallet.createRandom().address,
      prefixNodeId: randomUUID(),
    });

    it('stores the finishing node’s receipt over the whole text, naming the prefix node, and where the prefix ends', async () => {
      const conversation = await newConversation();
      const given = takeover();
      const reply = await streamedReply(conversation, await recorder.chainHead(conversation.id), given);
      await recorder.complete(fromRemote(reply));
      const record = await prisma.inferenceRecord.findUniqueOrThrow({
        where: { id: reply.context.inferenceId },
        include: { message: true },
      });
      const receipt = record.receipt as unknown as Receipt;
      expect(record.message.content).toBe(reply.text);
      expect(reply.text.startsWith(prefix)).toBe(true);
      expect(record).toMatchObject({ prefixNodeId: given.prefixNodeId, prefixBytes: utf8Length(prefix) });
      expect(receipt.prefixNode).toBe(given.prefixNode);
      expect(receipt.prefixHash).toBe(commitText(record.salt!, prefix));
      expect(receipt.outputHash).toBe(commitText(record.salt!, reply.text));
      expect(record.digest).toBe(receiptDigest(receipt, 3));
    });

    it('refuses a takeover receipt that names another prefix node or another prefix than the router gave', async () => {
      const conversation = await newConversation();
      const given = takeover();
      const honest = await streamedReply(conversation, await recorder.chainHead(conversation.id), given);
      const cases: [string, FinishedReply][] = [
        [
          'another prefix node',
          fromRemote({
            ...honest,
            node: {
              ...honest.node,
              takeover: { ...honest.node.takeover!, prefixNode: Wallet.createRandom().address },
            },
          }),
        ],
        [
          'a shorter prefix',
          fromRemote({
            ...honest,
            node: {
              ...honest.node,
              takeover: { ...honest.node.takeover!, prefixBytes: utf8Length(prefix) - 1 },
            },
          }),
        ],
        ['no takeover at all', fromRemote({ ...honest, node: { ...honest.node, takeover: undefined } })],
      ];
      for (const [why, reply] of cases) {
        rejected.length = 0;
        const outcome = await recorder.complete(reply).then(
          () => 'stored',
          (error: unknown) => (error instanceof ModelError ? 'refused' : String(error)),
        );
        expect({ why, outcome, rejected: rejected.length }).toEqual({ why, outcome: 'refused', rejected: 1 });
      }
      expect(await stored(honest)).toBeNull();
    });

    it('refuses a receipt that claims a takeover the router never made', async () => {
      const conversation = await newConversation();
      const honest = await streamedReply(conversation, await recorder.chainHead(conversation.id));
      const salt = (await honest.node.receipt()).salt;
      const reply = await signedByNode(honest, {
        prefixNode: Wallet.createRandom().address,
        prefixHash: commitText(salt, honest.text.slice(0, 3)),
      });
      await expect(recorder.complete(reply)).rejects.toBeInstanceOf(ModelError);
      expect(await stored(reply)).toBeNull();
    });

    it('stores zero prefix fields and no prefix columns for a reply one node made', async () => {
      const conversation = await newConversation();
      const reply = await streamedReply(conversation, await recorder.chainHead(conversation.id));
      await recorder.complete(fromRemote(reply));
      const record = await prisma.inferenceRecord.findUniqueOrThrow({
        where: { id: reply.context.inferenceId },
      });
      expect(record).toMatchObject({ prefixNodeId: null, prefixBytes: null });
      expect(record.receipt).toMatchObject(NO_PREFIX);
    });
  });
});
