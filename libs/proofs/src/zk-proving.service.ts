import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Prisma } from '@app/database';
import { checkZkProof, ZkProver } from '@app/zk';
import { ProofEvents } from './proof-events';
import type { ProofUpdateEvent } from './proof-update';
import { ProofsRepository } from './proofs.repository';

/** Proves the persona's scoring model on a reply, checks the proof before storing it, and records what proving cost. */
@Injectable()
export class ZkProvingService implements OnModuleDestroy {
  private readonly logger = new Logger(ZkProvingService.name);
  private prover?: ZkProver;

  constructor(
    private readonly proofs: ProofsRepository,
    private readonly events: ProofEvents,
  ) {}

  async prove(inferenceId: string): Promise<'proved' | 'skipped' | 'failed'> {
    const record = await this.proofs.findForZk(inferenceId);
    if (!record || record.verification !== 'zk' || record.hasZkProof) return 'skipped';
    this.prover ??= new ZkProver();
    const bundle = await this.prover.prove(record.content);
    const base = { inferenceId, messageId: record.messageId, conversationId: record.conversationId };
    const verdict = await checkZkProof(bundle, record.content);
    if (!verdict.valid) {
      // Our own prover made a proof our verifier rejects: a bug or corrupted keys, not bad luck; do not retry.
      const error = `the proof did not verify: ${verdict.reason}`;
      this.logger.error(`The zk proof for ${inferenceId} failed: ${verdict.reason}`);
      await this.proofs.saveZkProof(inferenceId, 'failed', null, bundle.provingMs, error);
      await this.announce(base, {
        status: 'failed',
        provingMs: bundle.provingMs,
        inferenceMs: record.totalMs,
        error,
      });
      return 'failed';
    }
    await this.proofs.saveZkProof(
      inferenceId,
      'verified',
      bundle as unknown as Prisma.InputJsonValue,
      bundle.provingMs,
    );
    await this.announce(base, {
      status: 'verified',
      provingMs: bundle.provingMs,
      inferenceMs: record.totalMs,
    });
    return 'proved';
  }

  /** The status as it is *now*: proving takes seconds, and announcing one read before would take clients backwards. */
  private async announce(
    base: Pick<ProofUpdateEvent, 'inferenceId' | 'messageId' | 'conversationId'>,
    zk: NonNullable<ProofUpdateEvent['zk']>,
  ): Promise<void> {
    await this.proofs.withCurrentStatus(base.inferenceId, (status) =>
      this.events.update({ ...base, status, zk }),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.prover?.close();
  }
}
