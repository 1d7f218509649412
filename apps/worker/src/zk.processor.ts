import { Processor } from '@nestjs/bullmq';
import { workerLockOptions } from '@app/config';
import { ZkProvingService } from '@app/proofs';
import { JobName, JobPayloads, QueueName } from '@app/queue';
import type { Job } from 'bullmq';
import { DrainingWorkerHost } from './draining-worker-host';

// Proving takes a core for a second or more: one at a time, so it never starves the other queues' jobs.
@Processor(QueueName.Zk, { concurrency: 1, ...workerLockOptions() })
export class ZkProcessor extends DrainingWorkerHost {
  constructor(private readonly zk: ZkProvingService) {
    super();
  }

  protected async handle(job: Job<JobPayloads[JobName.ProveReply], string, JobName>): Promise<string> {
    switch (job.name) {
      case JobName.ProveReply:
        return this.zk.prove(job.data.inferenceId);
      default:
        throw new Error(`The zk queue has no handler for job "${job.name}"`);
    }
  }
}
