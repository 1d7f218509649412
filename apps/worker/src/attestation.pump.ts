import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { ReceiptAttestationService } from '@app/proofs';
import { SpotCheckService } from '@app/proofs/spot-check';

/**
 * Attests pending receipts a round at a time, instead of a `proofs` job per reply (issue 12: the job's Redis round
 * trips and five statements per reply were most of the worker's CPU per message). Postgres is the queue: a reply
 * stored `pending` is picked up by the next round, on any worker (rounds lock disjoint receipts). A full round goes
 * again at once; otherwise the pump waits ATTEST_POLL_MS, which bounds how long a quiet platform takes to attest.
 */
@Injectable()
export class AttestationPump implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AttestationPump.name);
  private stopped = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  private failing = false;

  constructor(
    private readonly config: AppConfig,
    private readonly attestation: ReceiptAttestationService,
    private readonly spotChecks: SpotCheckService,
  ) {}

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  // Before Prisma and Redis close (Nest destroys the root module's providers first): the round in flight finishes.
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { attestRound, attestPollMs } = this.config.batches;
    let claimed = 0;
    while (!this.stopped) {
      // After an empty round, one SELECT per poll instead of a transaction's three statements.
      claimed = claimed > 0 || (await this.anyPending()) ? await this.round(attestRound) : 0;
      if (claimed < attestRound) await this.sleep(attestPollMs);
    }
  }

  private async round(limit: number): Promise<number> {
    try {
      const round = await this.attestation.attestPending(limit);
      if (this.failing) this.logger.log('Attesting receipts again');
      this.failing = false;
      if (round.claimed > 0)
        this.logger.debug(`Attested ${round.attested.length}, failed ${round.failed.length} receipts`);
      // Drawn on what the round read: at the default 5% rate, one reply in twenty is read again, not every one.
      await Promise.all(round.attested.map(({ record }) => this.sample(record.id, record.prefixBytes)));
      // Receipts deferred (their check broke) are no progress: a round of only those waits the poll like an empty one.
      return round.claimed - round.deferred.length;
    } catch (error) {
      // Postgres down or restarting: said once, retried every poll; the receipts stay pending meanwhile.
      if (!this.failing) this.logger.warn(`Attestation round failed: ${String(error)}`);
      this.failing = true;
      return 0;
    }
  }

  private anyPending(): Promise<boolean> {
    // An outage is the round's to report; here it only means "try the round".
    return this.attestation.anyPending().catch(() => true);
  }

  // A sample, not a duty: a Redis or database hiccup here loses one pick, and must not fail the round.
  private async sample(inferenceId: string, prefixBytes: number | null): Promise<void> {
    await this.spotChecks.schedule(inferenceId, { prefixBytes }).catch((error: unknown) => {
      this.logger.warn(`Spot check of ${inferenceId} not scheduled: ${String(error)}`);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
