import { Processor } from '@nestjs/bullmq';
import { workerLockOptions } from '@app/config';
import { ReceiptAttestationService } from '@app/proofs';
import { JobName, JobPayloads, QueueName } from '@app/queue';
import type { Job } from 'bullmq';
import { DrainingWorkerHost } from './draining-worker-host';

// Signature and attestation checks are short and CPU-light next to their database round trips.
@Processor(QueueName.Proofs, { concurrency: 16, ...workerLockOptions() })
export class ProofsProcessor extends DrainingWorkerHost {
  constructor(private readonly attestation: ReceiptAttestationService) {
    super();
  }

  protected async handle(job: Job<JobPayloads[JobName.AttestReceipt], string, JobName>): Promise<string> {
    switch (job.name) {
      case JobName.AttestReceipt:
        return this.attestation.attest(job.data.inferenceId);
      default:
        throw new Error(`The proofs queue has no handler for job "${job.name}"`);
    }
  }
}
