import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { ConversationsRepository, type ConversationWithPersona } from '@app/conversations';
import { type Prisma, Transactions } from '@app/database';
import { estimateTokens } from '@app/inference';
import { LocalNode } from '@app/network';
import type { PersonaContent } from '@app/personas';
import type { BuiltPrompt } from '@app/prompt';
import { correlated, JobName, JobPayloads, jobIds, ProofJobs, QueueName } from '@app/queue';
import type { DoneEvent } from '@app/realtime';
import { contentHashes, newReceiptSalt, RECEIPT_VERSION, ZERO_DIGEST } from '@app/receipts';
import { Queue } from 'bullmq';
import { ReplyRecordsRepository } from './reply-records.repository';

export interface FinishedReply {
  inferenceId: string;
  conversation: ConversationWithPersona;
  persona: PersonaContent;
  userMessageId: string;
  assistantMessageId: string;
  prompt: BuiltPrompt;
  text: string;
  ttftMs: number | null;
  startedAt: Date;
}

@Injectable()
export class ReplyRecorder {
  private readonly logger = new Logger(ReplyRecorder.name);

  constructor(
    private readonly transactions: Transactions,
    private readonly conversations: ConversationsRepository,
    private readonly records: ReplyRecordsRepository,
    private readonly node: LocalNode,
    private readonly proofJobs: ProofJobs,
    @InjectQueue(QueueName.Memory) private readonly memoryQueue: Queue<JobPayloads[JobName.ExtractMemories]>,
  ) {}

  /** Lock chain head → sign → write, in one transaction: no reply without its record, and no fork in the chain. */
  async complete(reply: FinishedReply): Promise<DoneEvent> {
    const { inferenceId, conversation, persona, prompt, text, ttftMs, startedAt } = reply;
    const finishedAt = new Date();
    const completionTokens = estimateTokens(text);
    const totalMs = finishedAt.getTime() - startedAt.getTime();
    // A fresh salt per reply: the receipt is public, and unsalted hashes would let anyone test guesses of it.
    const salt = newReceiptSalt();
    const { inputHash, outputHash } = contentHashes(RECEIPT_VERSION, {
      output: text,
      input: prompt.messages,
      salt,
    });
    await this.transactions.run(
      async (tx) => {
        await this.conversations.lockForReply(tx, conversation.id);
        const previousDigest = (await this.records.chainHead(tx, conversation.id)) ?? ZERO_DIGEST;
        const signed = await this.node.sign({
          inferenceId,
          conversationId: conversation.id,
          previousDigest,
          modelId: persona.modelId,
          personaVersionHash: conversation.personaVersion.hash,
          inputHash,
          outputHash,
          promptTokens: prompt.promptTokens,
          completionTokens,
          startedAt: startedAt.getTime(),
          finishedAt: finishedAt.getTime(),
        });
        await this.conversations.completeReply(tx, reply.assistantMessageId, text);
        await this.records.create(tx, {
          id: inferenceId,
          messageId: reply.assistantMessageId,
          conversationId: conversation.id,
          modelId: persona.modelId,
          verification: persona.verification,
          status: persona.verification === 'none' ? 'unverified' : 'pending',
          input: prompt.messages as unknown as Prisma.InputJsonValue,
          inputHash,
          outputHash,
          salt,
          personaVersionHash: conversation.personaVersion.hash,
          memoryIds: prompt.memoryIds,
          promptTokens: prompt.promptTokens,
          completionTokens,
          ttftMs,
          totalMs,
          startedAt,
          finishedAt,
          nodeId: signed.nodeId,
          receipt: signed.receipt as unknown as Prisma.InputJsonValue,
          digest: signed.digest,
          previousDigest: signed.receipt.previousDigest,
          signature: signed.signature,
          signer: signed.signer,
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
      inferenceId,
      usage: { promptTokens: prompt.promptTokens, completionTokens },
      timings: { ttftMs, totalMs },
    };
  }

  /** A reply that did not finish keeps what was delivered, marked so it is never presented as complete. */
  async fail(messageId: string, partialText: string, status: 'failed' | 'cancelled'): Promise<void> {
    await this.conversations.endReply(messageId, partialText, status);
  }

  // A failure here must not touch the stored reply: the worker's reconciler finds proof work never enqueued, and a
  // missed memory job loses one turn's facts.
  async enqueueFollowUps(reply: FinishedReply): Promise<void> {
    const results = await Promise.allSettled([
      this.memoryQueue.add(JobName.ExtractMemories, correlated({ messageId: reply.userMessageId }), {
        jobId: jobIds.extractMemories(reply.userMessageId),
      }),
      this.proofJobs.enqueueFor(reply.inferenceId, reply.persona.verification),
    ]);
    for (const result of results)
      if (result.status === 'rejected')
        this.logger.warn(
          `Could not enqueue follow-up jobs for ${reply.inferenceId}: ${String(result.reason)}`,
        );
  }
}
