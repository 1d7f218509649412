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
import { CheckerCandidate, chooseChecker } from './checker-selection';
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
    const result = await this.check(record).catch((error: unknown): SpotCheckResult => {
      if (!(error instanceof CheckerFailedError) || !lastAttempt) throw error;
      return { status: 'skipped', checkerNodeId: null, reason: error.message };
    });
    const settled = await this.checks.settle(inferenceId, result);
    if (!settled) return (await this.checks.findRecord(inferenceId))?.spotCheck?.status ?? 'gone';
    if (result.suspectNodeId)
      this.logger.warn(`Spot check of ${inferenceId}: node ${result.suspectNodeId} is now suspect`);
    if (result.status === 'disputed') {
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
    const pick = (from: CheckerCandidate[]): CheckerCandidate | null =>
      chooseChecker(from, served, record.modelId, this.config.network.heartbeatMs, Date.now(), this.random);
    const checker = pick(candidates);
    if (!checker) return skipped(`no healthy node of another operator serves ${record.modelId}`);
    const salt = record.salt;
    const agrees = (hash: string): boolean => hash.toLowerCase() === record.outputHash.toLowerCase();

    const outputHash = await this.rerun(record, checker, salt);
    if (agrees(outputHash)) return { status: 'matched', checkerNodeId: checker.id, outputHash };
    // Two nodes disagree and either may lie: a third operator's node, when there is one, says which.
    const referee = pick(
      candidates.filter((node) => node.id !== checker.id && node.operatorId !== checker.operatorId),
    );
    if (!referee)
      return {
        status: 'disputed',
        checkerNodeId: checker.id,
        outputHash,
        suspectNodeId: served.nodeId,
        reason: `node ${checker.id} of another operator produced a different output; no third operator's node could referee`,
      };
    const refereeHash = await this.rerun(record, referee, salt);
    if (agrees(refereeHash))
      return {
        status: 'matched',
        checkerNodeId: referee.id,
        outputHash: refereeHash,
        // The checker lied (or is broken): it is the one not to trust.
        suspectNodeId: checker.id,
        reason: `node ${checker.id} produced a different output; node ${referee.id} of a third operator matched the reply`,
      };
    return {
      status: 'disputed',
      checkerNodeId: checker.id,
      outputHash,
      suspectNodeId: served.nodeId,
      reason: `nodes ${checker.id} and ${referee.id} of two other operators produced a different output`,
    };
  }

  /** The checker's output for the reply's input, committed with the reply's salt; throws CheckerFailedError. */
  private async rerun(record: SpotCheckRecord, checker: CheckerCandidate, salt: string): Promise<string> {
    const messages = record.input as ChatMessage[];
    const original = record.receipt as { previousDigest: string };
    // A fresh id: nodes refuse an inference id they have seen, and the checker signs a receipt of its own.
    const context = {
      inferenceId: randomUUID(),
      conversationId: record.conversationId,
      previousDigest: original.previousDigest,
      personaVersionHash: record.personaVersionHash,
    };
    const stream = new RemoteNodeClient(checker, this.router).stream(
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
    return commitText(salt, text);
  }
}
