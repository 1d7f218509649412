import { DynamicModule, Module } from '@nestjs/common';
import { ReplyRecoveryModule } from '@app/chat';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { MemoryExtractionModule, VectorSupportModule } from '@app/memory';
import { NetworkRollupModule } from '@app/network';
import { ProofPipelineModule } from '@app/proofs';
import { SpotCheckModule } from '@app/proofs/spot-check';
import { QueueModule } from '@app/queue';
import { RedisModule } from '@app/redis';
import { AbandonedReplySweeper } from './abandoned-reply.sweeper';
import { AttestationPump } from './attestation.pump';
import { MemoryProcessor } from './memory.processor';
import { NetworkRollupLoop } from './network-rollup.loop';
import { ProofsProcessor } from './proofs.processor';
import { SettlementProcessor } from './settlement.processor';
import { SpotCheckProcessor } from './spot-check.processor';
import { SystemProcessor } from './system.processor';
import { ZkProcessor } from './zk.processor';

/** One per queue of the contract; assertEveryQueueHandled fails start-up when one is missing. */
export const WORKER_PROCESSORS = [
  SystemProcessor,
  MemoryProcessor,
  ProofsProcessor,
  SettlementProcessor,
  ZkProcessor,
  SpotCheckProcessor,
] as const;

@Module({
  imports: [
    DatabaseModule,
    RedisModule,
    QueueModule,
    MemoryExtractionModule,
    ProofPipelineModule,
    SpotCheckModule,
    ReplyRecoveryModule,
    NetworkRollupModule,
  ],
  providers: [AbandonedReplySweeper, NetworkRollupLoop, AttestationPump],
})
export class WorkerModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), VectorSupportModule.forRoot({ mode: config.pgvector })],
      providers: [...WORKER_PROCESSORS],
    };
  }
}
