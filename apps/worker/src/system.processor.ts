import { Processor } from '@nestjs/bullmq';
import { JobName, JobPayloads, QueueName } from '@app/queue';
import type { Job } from 'bullmq';
import { DrainingWorkerHost } from './draining-worker-host';

/** Answers pings, so operators and tests can see that a worker is consuming. */
@Processor(QueueName.System)
export class SystemProcessor extends DrainingWorkerHost {
  protected handle(
    job: Job<JobPayloads[JobName.Ping], { pong: true; latencyMs: number }, JobName>,
  ): Promise<{ pong: true; latencyMs: number }> {
    switch (job.name) {
      case JobName.Ping:
        return Promise.resolve({ pong: true, latencyMs: Date.now() - job.data.sentAt });
      default:
        return Promise.reject(new Error(`The system queue has no handler for job "${job.name}"`));
    }
  }
}
