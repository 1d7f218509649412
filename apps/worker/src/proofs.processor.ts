import { Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { workerLockOptions } from '@app/config';
import { ReceiptAttestationService } from '@app/proofs';
import { SpotCheckService } from '@app/proofs/spot-check';
import { JobName, JobPayloads, QueueName } from '@app/queue';
import type { Job } from 'bullmq';
import { DrainingWorkerHost } from './draining-worker-host';

// Replies are attested in rounds by the AttestationPump; this job attests one receipt, for jobs enqueued by an older
// release (or by hand). Signature and attestation checks are short and CPU-light next to their database round trips.
@Processor(QueueName.Proofs, { concurrency: 16, ...workerLockOptions() })
export class ProofsProcessor extends DrainingWorkerHost {
  private readonly logger = new Logger(ProofsProcessor.name);

  constructor(
    private readonly attestation: ReceiptAttestationService,
    private readonly spotChecks: SpotCheckService,
  ) {
    super();
  }

  protected async handle(job: Job<JobPayloads[JobName.AttestReceipt], string, JobName>): Promise<string> {
    switch (job.name) {
      case JobName.AttestReceipt: {
        const outcome = await this.attestation.attest(job.data.inferenceId);
        if (outcome === 'attested') await this.sampleForSpotCheck(job.data.inferenceId);
        return outcome;
      }
      default:
        throw new Error(`The proofs queue has no handler for job "${job.name}"`);
    }
  }

  // A sample, not a duty: a Redis or database hiccup here loses one pick, and must not fail (and re-run) the attestation.
  private async sampleForSpotCheck(inferenceId: string): Promise<void> {
    await this.spotChecks.schedule(inferenceId).catch((error: unknown) => {
      this.logger.warn(`Spot check of ${inferenceId} not scheduled: ${String(error)}`);
    });
  }
}
