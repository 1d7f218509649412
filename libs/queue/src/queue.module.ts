import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { ProofJobs } from './proof-jobs';
import { queueConnectionLogging } from './queue-connection-logging';
import { QueueName } from './queue-names';
import { bullPrefix, DEFAULT_JOB_OPTIONS, redisConnectionOptions } from './queue-options';

const queues = Object.values(QueueName).map((name) => BullModule.registerQueue({ name }));

/** BullMQ on the configured Redis, every queue registered; api (producers) and worker (consumers) import it. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: redisConnectionOptions(config.redisUrl),
        prefix: bullPrefix(config.redisPrefix),
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
    ...queues,
  ],
  providers: [ProofJobs, queueConnectionLogging],
  exports: [...queues, ProofJobs],
})
export class QueueModule {}
