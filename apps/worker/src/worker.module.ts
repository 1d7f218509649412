import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { MemoryExtractionModule } from '@app/memory';
import { QueueModule } from '@app/queue';
import { MemoryProcessor } from './memory.processor';
import { SystemProcessor } from './system.processor';

@Module({
  imports: [DatabaseModule, QueueModule, MemoryExtractionModule],
  providers: [SystemProcessor, MemoryProcessor],
})
export class WorkerModule {
  static register(config: AppConfig): DynamicModule {
    return { module: WorkerModule, imports: [ConfigModule.forRoot(config)] };
  }
}
