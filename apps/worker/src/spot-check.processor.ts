import { Processor } from '@nestjs/bullmq';
import { workerLockOptions } from '@app/config';
import { SpotCheckService } from '@app/proofs/spot-check';
import { JobName, JobPayloads, QueueName, SPOT_CHECK_ATTEMPTS } from '@app/queue';
import type { Job } from 'bullmq';
import { DrainingWorkerHost } from './draining-worker-host';

// Each job waits on another node's whole reply (HTTP, mostly idle here): a few at once, not one per core.
@Processor(QueueName.SpotChecks, { concurrency: 4, ...workerLockOptions() })
export class SpotCheckProcessor extends DrainingWorkerHost {
  constructor(private readonly spotChecks: SpotCheckService) {
    super();
  }

  protected async handle(job: Job<JobPayloads[JobName.SpotCheck], string, JobName>): Promise<string> {
    switch (job.name) {
      case JobName.SpotCheck: {
        // Each try asks every eligible checker in turn; the last records "none gave a verdict" as skipped, so a
        // check never stays pending.
        const attempts = job.opts.attempts ?? SPOT_CHECK_ATTEMPTS;
        return this.spotChecks.run(job.data.inferenceId, job.attemptsMade + 1 >= attempts);
      }
      default:
        throw new Error(`The spot-checks queue has no handler for job "${job.name}"`);
    }
  }
}
