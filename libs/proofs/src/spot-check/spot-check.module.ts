import { Module } from '@nestjs/common';
import { AttestationPolicyProvider, AttestedNodes, RouterIdentity } from '@app/network';
import { QueueModule } from '@app/queue';
import { RealtimeModule } from '@app/realtime';
import { ProofEvents } from '../proof-events';
import { SpotCheckRepository } from './spot-check.repository';
import { SpotCheckService } from './spot-check.service';

/** The worker's spot checks: it calls checker nodes with the api's router key (the same DATA_DIR file or setting). */
@Module({
  imports: [QueueModule, RealtimeModule],
  providers: [
    SpotCheckRepository,
    ProofEvents,
    RouterIdentity,
    AttestationPolicyProvider,
    {
      provide: AttestedNodes,
      useFactory: (policy: AttestationPolicyProvider) => new AttestedNodes(policy),
      inject: [AttestationPolicyProvider],
    },
    SpotCheckService,
  ],
  exports: [SpotCheckService],
})
export class SpotCheckModule {}
