import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { ConversationsRepository, type ConversationWithPersona } from '@app/conversations';
import { type Prisma, Transactions } from '@app/database';
import { ModelError } from '@app/inference';
import type { NodeReceipt, NodeStream, ReceiptContext } from '@app/network';
import { verifyNodeReceipt } from '@app/node-protocol';
import type { PersonaContent } from '@app/personas';
import type { BuiltPrompt } from '@app/prompt';
import { correlated, JobName, JobPayloads, jobIds, ProofJobs, QueueName } from '@app/queue';
import type { DoneEvent } from '@app/realtime';
import { receiptFieldsOnly, utf8Prefix, ZERO_DIGEST } from '@app/receipts';
import { Queue } from 'bullmq';
import { ConversationBusyError } from './chat.errors';
import type { GenerationRequest } from './generation-request';
import { ReplyRecordsRepository } from './reply-records.repository';

/** How far a node's clock may be from the api's. */
const CLOCK_SKEW_MS = 60_000;

export interface FinishedReply {
  conversation: ConversationWithPersona;
  persona: PersonaContent;
  userMessageId: string;
  assistantMessageId: string;
  /** What the node was asked to sign over, fixed when the reply started. */
  context: ReceiptContext;
  prompt: BuiltPrompt;
  /** The node's stream, ended: it holds the node's receipt. */
  node: NodeStream;
  text: string;
  ttftMs: number | null;
  startedAt: Date;
  /** What the reply was asked with beyond its input (stop, sampling, response format); spot checks replay it. */
  generation?: GenerationRequest;
  /** A private session's turn (docs/privacy.md): nothing is remembered from it. */
  private?: boolean;
}

/**
 * The parameters that shaped the output, exactly as the node got them (InferenceRecord.generation): a re-run without
 * a `stop` the reply was cut by, or with other sampling, differs from an honest reply. Null when the caller did not
 * say (records from before it did): a spot check cannot tell those apart, so it skips them.
 */
export function recordedGeneration(generation: GenerationRequest | undefined): Prisma.InputJsonObject | null {
  if (!generation) return null;
  const { stop, responseFormat, sampling } = generation;
  const fields = { stop, ...sampling, responseFormat };
  // JSON has no undefined: keep only what was sent, so "absent" stays absent when replayed.
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as Prisma.InputJsonObject;
}

type Takeover = NonNullable<NodeStream['takeover']> & { prefix: string };

/** A reply another node finished: the delivered prefix is the first prefixBytes (UTF-8) of the text the api sent. */
function takeoverOf(reply: FinishedReply): Takeover | undefined {
  const takeover = reply.node.takeover;
  if (!takeover) return undefined;
  const prefix = utf8Prefix(reply.text, takeover.prefixBytes);
  // The router counted those bytes of this very text: anything else is this process's bug, not the node's.
  if (prefix === null)
    throw new Error(
      `A takeover after ${takeover.prefixBytes} bytes of a ${reply.text.length}-character reply`,
    );
  return { ...takeover, prefix };
}

/**
 * What happens to a reply once it has streamed: the node's receipt is checked against what was sent and received,
 * and stored with the reply in the conversation's receipt chain; everything that builds on it is handed to jobs.
 */
@Injectable()
export class ReplyRecorder {
  private readonly logger = new Logger(ReplyRecorder.name);

  constructor(
    private readonly transactions: Transactions,
    private readonly conversations: ConversationsRepository,
    private readonly records: ReplyRecordsRepository,
    private readonly proofJobs: ProofJobs,
    @InjectQueue(QueueName.Memory) private readonly memoryQueue: Queue<JobPayloads[JobName.ExtractMemories]>,
  ) {}

  /** The digest the next receipt of the conversation chains to (read while the conversation's lock is held). */
  async chainHead(conversationId: string): Promise<string> {
    return (await this.records.currentChainHead(conversationId)) ?? ZERO_DIGEST;
  }

  /**
   * Verify the node's receipt, then lock the conversation's row, check that the chain head is still the one the node
   * signed over, and store the reply with its record, in one transaction: no reply without its record, no fork.
   */
  async complete(reply: FinishedReply): Promise<DoneEvent> {
    const { conversation, persona, prompt, text, ttftMs, startedAt, context } = reply;
    const signed = await reply.node.receipt();
    const takeover = takeoverOf(reply);
    // ~3 ms of CPU (an ECDSA recovery) that tells nothing about a receipt this process signed itself.
    if (!reply.node.inProcess) this.verify(reply, signed, takeover);
    // Extra fields a node put beside the signed ones would be stored and served as if they were part of it.
    const receipt = receiptFieldsOnly(signed.receipt);
    const totalMs = Date.now() - startedAt.getTime();
    await this.transactions.run(
      async (tx) => {
        await this.conversations.lockForReply(tx, conversation.id);
        const head = (await this.records.chainHead(tx, conversation.id)) ?? ZERO_DIGEST;
        // Another reply of this conversation was stored meanwhile (its Redis lock was lost): never fork the chain.
        if (head !== context.previousDigest) throw new ConversationBusyError();
        await this.conversations.completeReply(tx, reply.assistantMessageId, text);
        await this.records.create(tx, {
          id: context.inferenceId,
          messageId: reply.assistantMessageId,
          conversationId: conversation.id,
          modelId: receipt.modelId,
          verification: persona.verification,
          status: persona.verification === 'none' ? 'unverified' : 'pending',
          input: prompt.messages as unknown as Prisma.InputJsonValue,
          inputHash: receipt.inputHash,
          outputHash: receipt.outputHash,
          salt: signed.salt,
          personaVersionHash: receipt.personaVersionHash,
          memoryIds: prompt.memoryIds,
          promptTokens: receipt.promptTokens,
          completionTokens: receipt.completionTokens,
          ttftMs,
          totalMs,
          startedAt: new Date(receipt.startedAt),
          finishedAt: new Date(receipt.finishedAt),
          nodeId: signed.nodeId,
          receipt: receipt as unknown as Prisma.InputJsonValue,
          digest: signed.digest,
          previousDigest: receipt.previousDigest,
          signature: signed.signature,
          signer: signed.signer,
          // Taken over: who streamed the start, and where it ends (the bundle's takeover.prefixBytes).
          prefixNodeId: takeover?.prefixNodeId ?? null,
          prefixBytes: takeover?.prefixBytes ?? null,
          generation: recordedGeneration(reply.generation),
        });
      },
      // A finished reply must not be lost to a busy pool: wait for a connection longer than Prisma's 2 s default.
      { maxWaitMs: 15_000, timeoutMs: 15_000 },
    );
    this.logger.debug(`Reply ${reply.assistantMessageId} stored with its signed receipt`);
    return {
      conversationId: conversation.id,
      messageId: reply.assistantMessageId,
      content: text,
      inferenceId: context.inferenceId,
      usage: { promptTokens: receipt.promptTokens, completionTokens: receipt.completionTokens },
      timings: { ttftMs, totalMs },
    };
  }

  private verify(reply: FinishedReply, signed: NodeReceipt, takeover: Takeover | undefined): void {
    try {
      // The node's clock is its own; its times must still fall inside the api's own window for the reply.
      const { startedAt, finishedAt } = signed.receipt;
      if (startedAt < reply.startedAt.getTime() - CLOCK_SKEW_MS || finishedAt > Date.now() + CLOCK_SKEW_MS)
        throw new Error(`its times (${startedAt}–${finishedAt}) fall outside the reply's`);
      verifyNodeReceipt(signed, {
        nodeAddress: reply.node.nodeAddress,
        context: reply.context,
        modelId: reply.persona.modelId,
        messages: reply.prompt.messages,
        text: reply.text,
        // Taken over: the finishing node must name the node the router said streamed the prefix, and commit to it.
        continuation: takeover && { prefix: takeover.prefix, prefixNode: takeover.prefixNode },
      });
    } catch (error) {
      this.logger.warn(`Node ${reply.node.nodeId} sent a receipt that does not verify: ${String(error)}`);
      reply.node.rejectReceipt?.(String(error));
      throw new ModelError('The node that answered sent a receipt that does not verify; try again.', true);
    }
  }

  /** A reply that did not finish keeps what was delivered, marked so it is never presented as complete. */
  async fail(messageId: string, partialText: string, status: 'failed' | 'cancelled'): Promise<void> {
    await this.conversations.endReply(messageId, partialText, status);
  }

  // A failure here must not touch the stored reply: the worker's reconciler finds proof work never enqueued, and a
  // missed memory job loses one turn's facts.
  async enqueueFollowUps(reply: FinishedReply): Promise<void> {
    const results = await Promise.allSettled([
      // A private session is thrown away with its key: memories of it would be personal data nobody can ever read.
      reply.private
        ? Promise.resolve()
        : this.memoryQueue.add(JobName.ExtractMemories, correlated({ messageId: reply.userMessageId }), {
            jobId: jobIds.extractMemories(reply.userMessageId),
          }),
      this.proofJobs.enqueueFor(reply.context.inferenceId, reply.persona.verification),
    ]);
    for (const result of results)
      if (result.status === 'rejected')
        this.logger.warn(
          `Could not enqueue follow-up jobs for ${reply.context.inferenceId}: ${String(result.reason)}`,
        );
  }
}
