import { Processor } from '@nestjs/bullmq';
import { workerLockOptions } from '@app/config';
import { BatchSettlementService } from '@app/proofs';
import { JobName, JobPayloads, QueueName } from '@app/queue';
import type { Job } from 'bullmq';
import { DrainingWorkerHost } from './draining-worker-host';

// One anchoring transaction at a time per worker: they share one chain key, and parallel sends fight over nonces.
@Processor(QueueName.Settlement, { concurrency: 1, ...workerLockOptions() })
export class SettlementProcessor extends DrainingWorkerHost {
  constructor(private readonly settlement: BatchSettlementService) {
    super();
  }

  protected async handle(job: Job<JobPayloads[JobName.AnchorBatch], string, JobName>): Promise<string> {
    switch (job.name) {
      case JobName.AnchorBatch:
        return this.settlement.anchor(job.data.batchId);
      default:
        throw new Error(`The settlement queue has no handler for job "${job.name}"`);
    }
  }
}
