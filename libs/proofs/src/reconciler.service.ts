import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { EnsureOutcome, ProofJobs } from '@app/queue';
import { ChainResetRecovery } from './chain-reset-recovery.service';
import { ProofsRepository } from './proofs.repository';

const SWEEP_LIMIT = 500;

const count = (flags: boolean[]): number => flags.filter(Boolean).length;

/**
 * Postgres is the truth about what still needs proving; Redis only schedules it. Re-enqueues what the queue lost (Redis
 * restarted empty, a crash between commit and enqueue, a chain down past a job's retries); job ids make it idempotent.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReconcilerService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private chainCheckFailing = false;

  constructor(
    private readonly config: AppConfig,
    private readonly proofs: ProofsRepository,
    private readonly jobs: ProofJobs,
    private readonly chainRecovery: ChainResetRecovery,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= Promise.all([this.sweep(), this.keepAnchors()])
        .then(() => undefined)
        .catch((error: unknown) => this.logger.warn(`Reconcile sweep failed: ${String(error)}`))
        .finally(() => (this.running = undefined));
    }, this.config.batches.reconcileIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  // A dev chain restarted while no batch was due: its forgotten roots come back without waiting for a new reply.
  // A chain that is down is reported once, not on every sweep.
  private async keepAnchors(): Promise<void> {
    try {
      await this.chainRecovery.ensureAnchorsKept();
      if (this.chainCheckFailing) this.logger.log('Chain check passes again');
      this.chainCheckFailing = false;
    } catch (error) {
      if (!this.chainCheckFailing) this.logger.warn(`Chain check failed: ${String(error)}`);
      this.chainCheckFailing = true;
    }
  }

  // Pending receipts need no rescue: the attestation pump takes them from Postgres, not from Redis.
  async sweep(): Promise<{ batches: number; zk: number }> {
    const { maxAgeMs, reconcileIntervalMs } = this.config.batches;
    // Work younger than this is most likely still in flight; give it a chance first.
    const olderThan = new Date(Date.now() - maxAgeMs - reconcileIntervalMs);
    const [batches, unproved] = await Promise.all([
      this.proofs.findStranded(olderThan, SWEEP_LIMIT),
      this.proofs.findUnproved(olderThan, SWEEP_LIMIT),
    ]);
    // A job can change state between our look and our action (it just started): that race is harmless.
    const kick = (work: Promise<EnsureOutcome>): Promise<boolean> =>
      work.then((outcome) => outcome !== 'queued').catch(() => false);
    const [zk, anchors] = await Promise.all([
      Promise.all(unproved.map((id) => kick(this.jobs.reprove(id)))),
      Promise.all(batches.map((batch) => kick(this.jobs.anchorNow(batch.id)))),
    ]);
    const counts = { batches: count(anchors), zk: count(zk) };
    if (counts.batches + counts.zk > 0)
      this.logger.log(`Re-enqueued lost proof work: ${JSON.stringify(counts)}`);
    return counts;
  }
}
