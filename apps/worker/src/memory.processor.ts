import { Processor } from '@nestjs/bullmq';
import { workerLockOptions } from '@app/config';
import { JobName, JobPayloads, QueueName } from '@app/queue';
import { MemoryExtractionService } from '@app/memory';
import type { Job } from 'bullmq';
import { DrainingWorkerHost } from './draining-worker-host';

@Processor(QueueName.Memory, workerLockOptions())
export class MemoryProcessor extends DrainingWorkerHost {
  constructor(private readonly extraction: MemoryExtractionService) {
    super();
  }

  protected async handle(
    job: Job<JobPayloads[JobName.ExtractMemories], { stored: number }, JobName>,
  ): Promise<{ stored: number }> {
    switch (job.name) {
      case JobName.ExtractMemories:
        return { stored: (await this.extraction.extractFromMessage(job.data.messageId)).length };
      default:
        throw new Error(`The memory queue has no handler for job "${job.name}"`);
    }
  }
}
