import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { VerificationLevel } from '@app/database';
import { Queue } from 'bullmq';
import { correlated } from './job-correlation';
import { JobName, JobPayloads, jobIds, QueueName } from './queue-names';

export type EnsureOutcome = 'added' | 'promoted' | 'retried' | 'queued';

// A chain can be down for a while: with exponential backoff from 1 s these retries span about an hour, and the
// reconciler re-runs a batch whose retries ran out.
const ANCHOR_ATTEMPTS = 12;
const RERUN_COOLDOWN_MS = 60_000;
// A checker that fails is tried again (maybe another one) a few times, then the check is recorded as skipped.
export const SPOT_CHECK_ATTEMPTS = 3;

/**
 * The one place that decides which proof jobs a reply gets. Job ids make every enqueue idempotent, so the reply
 * path and the worker's reconciler can both call these without doubling work.
 */
@Injectable()
export class ProofJobs {
  constructor(
    @InjectQueue(QueueName.Settlement) private readonly settlement: Queue<JobPayloads[JobName.AnchorBatch]>,
    @InjectQueue(QueueName.Zk) private readonly zk: Queue<JobPayloads[JobName.ProveReply]>,
    @InjectQueue(QueueName.SpotChecks) private readonly spotChecks: Queue<JobPayloads[JobName.SpotCheck]>,
  ) {}

  /**
   * On the reply path: the jobs the persona's verification level asks for. Attestation needs none: the reply is
   * stored `pending` and the workers' attestation pump takes it from Postgres in rounds (apps/worker).
   */
  async enqueueFor(inferenceId: string, verification: VerificationLevel): Promise<void> {
    if (verification !== 'zk') return;
    await this.zk.add(JobName.ProveReply, correlated({ inferenceId }), {
      jobId: jobIds.proveReply(inferenceId),
    });
  }

  // Batch jobs carry no correlation ids: a batch holds many users' receipts, not those of the reply that opened it.
  /** Scheduled when a batch opens, so a batch that never fills still closes once it is old enough. */
  async anchorLater(batchId: string, delayMs: number): Promise<void> {
    await this.settlement.add(
      JobName.AnchorBatch,
      { batchId },
      {
        jobId: jobIds.anchorBatch(batchId),
        delay: delayMs,
        attempts: ANCHOR_ATTEMPTS,
      },
    );
  }

  /** A full batch is anchored as soon as a worker is free, even if its age job is already waiting. */
  anchorNow(batchId: string): Promise<EnsureOutcome> {
    const jobId = jobIds.anchorBatch(batchId);
    return this.ensure(this.settlement, jobId, () =>
      this.settlement.add(JobName.AnchorBatch, { batchId }, { jobId, attempts: ANCHOR_ATTEMPTS }),
    );
  }

  /** After attestation, for a reply the sampler picked; the job id makes a second pick of the same reply a no-op. */
  async spotCheck(inferenceId: string): Promise<void> {
    await this.spotChecks.add(JobName.SpotCheck, correlated({ inferenceId }), {
      jobId: jobIds.spotCheck(inferenceId),
      attempts: SPOT_CHECK_ATTEMPTS,
    });
  }

  reprove(inferenceId: string): Promise<EnsureOutcome> {
    const jobId = jobIds.proveReply(inferenceId);
    return this.ensure(this.zk, jobId, () =>
      this.zk.add(JobName.ProveReply, correlated({ inferenceId }), { jobId }),
    );
  }

  /**
   * Makes sure a job will run: adds it if Redis does not have it (lost in a restart), promotes it if it is
   * waiting on a delay, re-runs it if it failed or finished without doing its work.
   */
  private async ensure(queue: Queue, jobId: string, add: () => Promise<unknown>): Promise<EnsureOutcome> {
    const existing = await queue.getJob(jobId);
    if (!existing) {
      await add();
      return 'added';
    }
    const state = await existing.getState();
    // Only a job waiting out a batch's age is hurried; a retry waiting out its backoff keeps waiting.
    if (state === 'delayed' && existing.attemptsMade === 0) {
      await existing.promote();
      return 'promoted';
    }
    // A job that gave up (or finished without the work being done) runs again, at most once per cool-down.
    const idleMs = Date.now() - (existing.finishedOn ?? 0);
    if ((state === 'failed' || state === 'completed') && idleMs > RERUN_COOLDOWN_MS) {
      await existing.retry(state);
      return 'retried';
    }
    return 'queued';
  }
}
