import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import type { SpotCheckStatus } from '@app/database';
import { type ChatMessage, estimateTokens } from '@app/inference';
import { AttestedNodes, RemoteNodeClient, RouterIdentity } from '@app/network';
import { verifyNodeReceipt } from '@app/node-protocol';
import { ProofJobs } from '@app/queue';
import { commitText } from '@app/receipts/receipt-hashes';
import { randomUUID } from 'node:crypto';
import { ProofEvents } from '../proof-events';
import { failureCategory, logDetail } from './checker-failure';
import { CheckerCandidate, chooseChecker } from './checker-selection';
import {
  blamed,
  notCheckable,
  RecordedGeneration,
  recordedGeneration,
  sampled,
  samplingRate,
} from './spot-check-policy';
import { SpotCheckRecord, SpotCheckRepository, SpotCheckResult } from './spot-check.repository';
import { StallGuard } from './stall-guard';

// The checker runs the whole reply again; a slow model profile still ends well within this.
const CHECK_TIMEOUT_MS = 120_000;

/**
 * The whole re-run's deadline: the first token within the stall timeout, then each token of the reply at
 * NODE_MIN_TOKENS_PER_S, at most CHECK_TIMEOUT_MS. A checker trickling one token just inside the stall timeout is cut
 * after about what an honest node needs, not after the 120 s cap (attacker MEDIUM 2).
 */
export function checkDeadlineMs(itlTimeoutMs: number, minTokensPerS: number, maxTokens: number): number {
  if (minTokensPerS <= 0) return CHECK_TIMEOUT_MS;
  return Math.min(CHECK_TIMEOUT_MS, itlTimeoutMs + Math.ceil((maxTokens * 1000) / minTokensPerS));
}
// Room past a stop-cut reply's own length for the stop sequence itself (and a token boundary or two) to be produced.
const STOP_MARGIN_TOKENS = 4;

/**
 * A checker that could not give a verdict (down, silent, broken stream, bad receipt). The job tries the next eligible
 * node at once; only when none gave one does the job fail, to be tried again later.
 */
export class CheckerFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Spot checks (docs/network.md): a sample of attested replies on deterministic models is re-run by a node of another
 * operator (every taken-over reply: its prefix), and the commitments compared. A mismatch disputes the reply; a node
 * becomes suspect only when two re-runs of other operators agree with each other against it.
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
    private readonly attested: AttestedNodes,
  ) {}

  /** The sampler's and the checker choice's randomness; tests fix it. */
  random: () => number = Math.random;

  /** After attestation: samples the reply and, when picked, opens its check and queues the job. */
  /**
   * `known`: what the caller already read of the reply (the attestation round has its prefixBytes). The draw comes
   * first then, and only the few replies picked are read: the draw and the checkability do not depend on each other.
   */
  async schedule(inferenceId: string, known?: { prefixBytes: number | null }): Promise<boolean> {
    const { spotCheckRate, spotCheckModels } = this.config.network;
    if (spotCheckRate <= 0) return false;
    if (known && !sampled(samplingRate(known, spotCheckRate), this.random)) return false;
    const record = await this.checks.findRecord(inferenceId);
    if (!record || notCheckable(record, spotCheckModels) !== null) return false;
    if (!known && !sampled(samplingRate(record, spotCheckRate), this.random)) return false;
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
    const generation = recordedGeneration(record.generation);
    if (why !== null || !record.node || !record.salt || !generation)
      return skipped(why ?? 'the reply cannot be re-run');
    const salt = record.salt;
    const judged = await this.judged(record);
    if (typeof judged === 'string') return skipped(judged);
    const served = {
      nodeId: record.node.id,
      operatorId: record.node.operatorId,
      teeKind: record.node.teeKind,
    };
    // A takeover's checker and referee run neither the finisher nor the prefix node: both had a hand in the reply.
    // A node the router routes around (its attestation fails) is no witness against another either.
    const candidates = (await this.attested.filter(await this.checks.listCandidates(record.modelId))).filter(
      (node) => node.id !== judged.nodeId && node.operatorId !== judged.operatorId,
    );
    const pick = (from: CheckerCandidate[]): CheckerCandidate | null =>
      chooseChecker(from, served, record.modelId, this.config.network.heartbeatMs, Date.now(), this.random);
    if (!pick(candidates)) return skipped(`no healthy node of another operator serves ${record.modelId}`);
    const agrees = (hash: string): boolean => hash.toLowerCase() === judged.hash.toLowerCase();
    const stops = generation.stop ?? [];
    const rerun = async (node: CheckerCandidate): Promise<string> => {
      if (stops.length === 0)
        return judged.commit(await this.rerun(record, generation, node, record.completionTokens), salt);
      // A reply cut by a stop sequence: a cap of its own length would cut the re-run inside the stop (mid-word), so
      // the cap leaves room for the stop to appear. A reply the cap cut instead (its stop never came) needs its exact
      // cap: the second run. Honest replies match one of the two.
      const margin = Math.max(...stops.map((stop) => estimateTokens(stop))) + STOP_MARGIN_TOKENS;
      const hash = judged.commit(
        await this.rerun(record, generation, node, record.completionTokens + margin),
        salt,
      );
      if (hash.toLowerCase() === judged.hash.toLowerCase()) return hash;
      return judged.commit(await this.rerun(record, generation, node, record.completionTokens), salt);
    };

    // A node that gives no verdict is passed over, and its operator's other nodes with it: a silent operator costs a
    // job one idle timeout, however many nodes it registers. Its peers are tried in the same job.
    const failures: string[] = [];
    const failedNodes = new Set<string>();
    const failedOperators = new Set<string | null>();
    const usable = (node: CheckerCandidate): boolean =>
      !failedNodes.has(node.id) && !failedOperators.has(node.operatorId);
    const firstVerdict = async (
      role: string,
      pool: CheckerCandidate[],
    ): Promise<{ node: CheckerCandidate; hash: string }> => {
      for (let node = pick(pool.filter(usable)); node; node = pick(pool.filter(usable))) {
        try {
          return { node, hash: await rerun(node) };
        } catch (error) {
          if (!(error instanceof CheckerFailedError)) throw error;
          this.logger.warn(`Spot check of ${record.id}: ${error.message}; trying another ${role}`);
          failures.push(error.message);
          failedNodes.add(node.id);
          failedOperators.add(node.operatorId);
        }
      }
      throw new CheckerFailedError(`no ${role} gave a verdict (${failures.join('; ')})`);
    };

    const { node: checker, hash: outputHash } = await firstVerdict('checker', candidates);
    if (agrees(outputHash)) return { status: 'matched', checkerNodeId: checker.id, outputHash };
    // Two nodes disagree and either may lie: a third operator's node, when there is one, says which.
    const referees = candidates.filter(
      (node) => node.id !== checker.id && node.operatorId !== checker.operatorId,
    );
    // One re-run against the reply is doubt, not proof (the checker may lie or be broken): nobody is blamed.
    if (!pick(referees))
      return {
        status: 'disputed',
        checkerNodeId: checker.id,
        outputHash,
        reason: `node ${checker.id} of another operator produced a different ${judged.what}; no third operator's node could referee, so no node is suspect`,
      };
    // A referee that failed as a checker is not asked again; with none left the job is tried again later.
    const { node: referee, hash: refereeHash } = await firstVerdict('referee', referees.filter(usable));
    const blame = blamed(judged.hash, outputHash, refereeHash);
    if (blame === 'checker')
      return {
        status: 'matched',
        checkerNodeId: referee.id,
        outputHash: refereeHash,
        // The checker lied (or is broken): it is the one not to trust.
        suspectNodeId: checker.id,
        reason: `node ${checker.id} produced a different ${judged.what}; node ${referee.id} of a third operator matched the reply`,
      };
    // Only two independent re-runs that agree with each other and not with the reply make its node suspect.
    if (blame === 'reply')
      return {
        status: 'disputed',
        checkerNodeId: checker.id,
        outputHash,
        suspectNodeId: judged.nodeId,
        reason: `nodes ${checker.id} and ${referee.id} of two other operators both produced the same different ${judged.what}`,
      };
    return {
      status: 'disputed',
      checkerNodeId: checker.id,
      outputHash,
      reason: `nodes ${checker.id} and ${referee.id} of two other operators each produced a different ${judged.what} (three outputs), so no node is suspect`,
    };
  }

  /**
   * What the check compares and whom it blames. A reply one node ran: its outputHash, that node. A takeover: the
   * receipt's prefixHash against the first prefixBytes of a whole re-run, and the node that streamed the prefix (the
   * finisher only vouched for it; docs/network.md, Spot checks). A string says why it cannot be judged.
   */
  private async judged(record: SpotCheckRecord): Promise<Judged | string> {
    if (record.prefixBytes === null)
      return {
        what: 'output',
        hash: record.outputHash,
        nodeId: record.node!.id,
        operatorId: record.node!.operatorId,
        commit: (text, salt) => commitText(salt, text),
      };
    const prefixBytes = record.prefixBytes;
    const prefixHash = (record.receipt as { prefixHash?: unknown } | null)?.prefixHash;
    if (typeof prefixHash !== 'string') return 'its receipt commits to no prefix';
    const prefixNode = record.prefixNodeId ? await this.checks.operatorOf(record.prefixNodeId) : undefined;
    if (!record.prefixNodeId || !prefixNode)
      return 'the node that streamed its start is no longer registered';
    return {
      what: `start (first ${prefixBytes} bytes)`,
      hash: prefixHash,
      nodeId: record.prefixNodeId,
      operatorId: prefixNode.operatorId,
      // Bytes, not characters: a re-run whose first prefixBytes end mid-character cannot be the honest prefix.
      commit: (text, salt) =>
        commitText(salt, Buffer.from(text, 'utf8').subarray(0, prefixBytes).toString('utf8')),
    };
  }

  /** The checker's whole output for the reply's original request; throws CheckerFailedError. */
  private async rerun(
    record: SpotCheckRecord,
    generation: RecordedGeneration,
    checker: CheckerCandidate,
    maxTokens: number,
  ): Promise<string> {
    const messages = record.input as ChatMessage[];
    const original = record.receipt as { previousDigest: string };
    // A fresh id: nodes refuse an inference id they have seen, and the checker signs a receipt of its own.
    const context = {
      inferenceId: randomUUID(),
      conversationId: record.conversationId,
      previousDigest: original.previousDigest,
      personaVersionHash: record.personaVersionHash,
    };
    const { itlTimeoutMs, minTokensPerS } = this.config.network;
    const guard = new StallGuard(itlTimeoutMs, checkDeadlineMs(itlTimeoutMs, minTokensPerS, maxTokens));
    const stream = new RemoteNodeClient(checker, this.router).stream(
      {
        receipt: context,
        model: {
          // Exactly what the node was sent (stop, sampling, response format; never a takeover's continuation).
          ...pickGeneration(generation),
          modelId: record.modelId,
          messages,
          // The cap is in estimateTokens units, so a deterministic model cuts where the original did.
          maxTokens: Math.max(1, maxTokens),
        },
      },
      guard.signal,
    );
    let text = '';
    try {
      for await (const delta of stream) {
        text += delta;
        guard.touch();
      }
      // The checker signs what it ran: an unsigned or mis-signed answer is no evidence against anyone.
      verifyNodeReceipt(await stream.receipt(), {
        nodeAddress: checker.address,
        context,
        modelId: record.modelId,
        messages,
        text,
      });
    } catch (error) {
      // The stored reason (public) says only which node and what kind of failure; the node's own words go to the log.
      const why = failureCategory(error, guard);
      this.logger.warn(`Spot check of ${record.id}: node ${checker.id} ${why}: ${logDetail(error)}`);
      throw new CheckerFailedError(`node ${checker.id} gave no verdict: ${why}`, { cause: error });
    } finally {
      guard.dispose();
    }
    return text;
  }
}

/** What a check compares, and whom a corroborated mismatch blames. */
interface Judged {
  what: string;
  hash: string;
  nodeId: string;
  operatorId: string | null;
  commit: (text: string, salt: string) => string;
}

/** Only the known fields of the stored generation go to the checker (the record's JSON is the platform's own). */
function pickGeneration(generation: RecordedGeneration): RecordedGeneration {
  const { stop, temperature, topP, frequencyPenalty, presencePenalty, seed, responseFormat } = generation;
  return { stop, temperature, topP, frequencyPenalty, presencePenalty, seed, responseFormat };
}
