import { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppLogger } from '@app/common';
import { AppConfig } from '@app/config';
import { assertEveryQueueHandled } from './job-handlers.check';
import { WorkerModule } from './worker.module';

export async function createWorker(
  config: AppConfig = AppConfig.fromProcessEnv(),
  module: DynamicModule = WorkerModule.register(config),
): Promise<INestApplicationContext> {
  await assertEveryQueueHandled(module);
  const logger = new AppLogger({ format: config.log.format, level: config.log.level });
  const app = await NestFactory.createApplicationContext(module, { logger });
  app.enableShutdownHooks();
  return app;
}
