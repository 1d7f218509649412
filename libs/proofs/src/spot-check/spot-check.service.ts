import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import type { SpotCheckStatus } from '@app/database';
import type { ChatMessage } from '@app/inference';
import { RemoteNodeClient, RouterIdentity } from '@app/network';
import { verifyNodeReceipt } from '@app/node-protocol';
import { ProofJobs } from '@app/queue';
import { commitText } from '@app/receipts/receipt-hashes';
import { randomUUID } from 'node:crypto';
import { ProofEvents } from '../proof-events';
import { chooseChecker } from './checker-selection';
import { notCheckable, sampled } from './spot-check-policy';
import { SpotCheckRecord, SpotCheckRepository, SpotCheckResult } from './spot-check.repository';

// The checker runs the whole reply again; a slow model profile still ends well within this.
const CHECK_TIMEOUT_MS = 120_000;

/** A checker that could not give a verdict (down, broken stream, bad receipt): the job tries again, maybe another. */
export class CheckerFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Spot checks (docs/network.md): a sample of attested replies on deterministic models is re-run by a node of another
 * operator, and the output commitments compared. A mismatch disputes the reply and makes its node suspect.
 */
@Injectable()
export class SpotCheckService {
  private readonly logger = new Logger(SpotCheckService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly checks: SpotCheckRepository,
    private readonly router: RouterIdentity,
    private readonly jobs: ProofJobs,
    private readonly events: ProofEvents,
  ) {}

  /** The sampler's and the checker choice's randomness; tests fix it. */
  random: () => number = Math.random;

  /** After attestation: samples the reply and, when picked, opens its check and queues the job. */
  async schedule(inferenceId: string): Promise<boolean> {
    const { spotCheckRate, spotCheckModels } = this.config.network;
    if (spotCheckRate <= 0) return false;
    const record = await this.checks.findRecord(inferenceId);
    if (!record || notCheckable(record, spotCheckModels) !== null) return false;
    if (!sampled(spotCheckRate, this.random)) return false;
    await this.checks.open(inferenceId);
    await this.jobs.spotCheck(inferenceId);
    return true;
  }

  /**
   * The job. Throws CheckerFailedError when the checker gave no verdict; `lastAttempt` records that as skipped
   * instead, so a check never stays pending.
   */
  async run(inferenceId: string, lastAttempt = true): Promise<SpotCheckStatus | 'gone'> {
    const record = await this.checks.findRecord(inferenceId);
    if (!record?.spotCheck) return 'gone';
    if (record.spotCheck.status !== 'pending') return record.spotCheck.status;
    const result = await this.check(record).catch((error: unknown) => {
      if (!(error instanceof CheckerFailedError) || !lastAttempt) throw error;
      return { status: 'skipped', checkerNodeId: null, reason: error.message } satisfies SpotCheckResult;
    });
    const settled = await this.checks.settle(inferenceId, record.nodeId, result);
    if (!settled) return (await this.checks.findRecord(inferenceId))?.spotCheck?.status ?? 'gone';
    if (result.status === 'disputed') {
      this.logger.warn(`Spot check disputed inference ${inferenceId}: node ${record.nodeId} is now suspect`);
      this.events.update({
        inferenceId,
        messageId: record.messageId,
        conversationId: record.conversationId,
        status: 'disputed',
        error: result.reason,
      });
    }
    return result.status;
  }

  private async check(record: SpotCheckRecord): Promise<SpotCheckResult> {
    const skipped = (reason: string): SpotCheckResult => ({ status: 'skipped', checkerNodeId: null, reason });
    const why = notCheckable(record, this.config.network.spotCheckModels);
    if (why !== null || !record.node || !record.salt) return skipped(why ?? 'the reply cannot be re-run');
    const served = {
      nodeId: record.node.id,
      operatorId: record.node.operatorId,
      teeKind: record.node.teeKind,
    };
    const candidates = await this.checks.listCandidates(record.modelId);
    const { heartbeatMs } = this.config.network;
    const checker = chooseChecker(candidates, served, record.modelId, heartbeatMs, Date.now(), this.random);
    if (!checker) return skipped(`no healthy node of another operator serves ${record.modelId}`);

    const messages = record.input as ChatMessage[];
    const original = record.receipt as { previousDigest: string };
    // A fresh id: nodes refuse an inference id they have seen, and the checker signs a receipt of its own.
    const context = {
      inferenceId: randomUUID(),
      conversationId: record.conversationId,
      previousDigest: original.previousDigest,
      personaVersionHash: record.personaVersionHash,
    };
    const client = new RemoteNodeClient(checker, this.router);
    const stream = client.stream(
      {
        receipt: context,
        model: {
          modelId: record.modelId,
          messages,
          // The cap is in estimateTokens units, so a deterministic model cuts where the original did.
          maxTokens: Math.max(1, record.completionTokens),
          // Greedy and seeded: what a listed upstream model must have served the original with.
          temperature: 0,
          seed: 0,
        },
      },
      AbortSignal.timeout(CHECK_TIMEOUT_MS),
    );
    let text = '';
    try {
      for await (const delta of stream) text += delta;
      // The checker signs what it ran: an unsigned or mis-signed answer is no evidence against anyone.
      verifyNodeReceipt(await stream.receipt(), {
        nodeAddress: checker.address,
        context,
        modelId: record.modelId,
        messages,
        text,
      });
    } catch (error) {
      throw new CheckerFailedError(`checker ${checker.id} gave no verdict: ${String(error)}`, {
        cause: error,
      });
    }
    const outputHash = commitText(record.salt, text);
    if (outputHash.toLowerCase() === record.outputHash.toLowerCase())
      return { status: 'matched', checkerNodeId: checker.id, outputHash };
    return {
      status: 'disputed',
      checkerNodeId: checker.id,
      outputHash,
      // Lengths only: the reply's words are the user's conversation, not for logs or public views.
      reason: `node ${checker.id} of another operator produced a different output (${text.length} characters)`,
    };
  }
}
