import { Module } from '@nestjs/common';
import { QueueModule } from '@app/queue';
import { RealtimeModule } from '@app/realtime';
import { AnchorClientProvider } from './anchor-client.provider';
import { AnchoredBatchesRepository } from './anchored-batches.repository';
import { AttestationPolicyProvider, AttestedNodes } from '@app/network';
import { BatchSettlementService } from './batch-settlement.service';
import { ChainResetRecovery } from './chain-reset-recovery.service';
import { ProofEvents } from './proof-events';
import { PendingReceiptsRepository } from './pending-receipts.repository';
import { ProofsRepository } from './proofs.repository';
import { ReceiptAttestationService } from './receipt-attestation.service';
import { ReconcilerService } from './reconciler.service';
import { ZkProvingService } from './zk-proving.service';

/** The worker's side: the services behind the proofs, settlement and zk jobs, and the reconciler. */
@Module({
  imports: [QueueModule, RealtimeModule],
  providers: [
    ProofsRepository,
    PendingReceiptsRepository,
    ProofEvents,
    AnchorClientProvider,
    AnchoredBatchesRepository,
    ChainResetRecovery,
    AttestationPolicyProvider,
    {
      provide: AttestedNodes,
      useFactory: (policy: AttestationPolicyProvider) => new AttestedNodes(policy),
      inject: [AttestationPolicyProvider],
    },
    ReceiptAttestationService,
    BatchSettlementService,
    ZkProvingService,
    ReconcilerService,
  ],
  exports: [ReceiptAttestationService, BatchSettlementService, ZkProvingService, ReconcilerService],
})
export class ProofPipelineModule {}
