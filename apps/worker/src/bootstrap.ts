import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppLogger } from '@app/common';
import { AppConfig } from '@app/config';
import { assertEveryQueueHandled } from './job-handlers.check';
import { WorkerModule } from './worker.module';

export async function createWorker(
  config: AppConfig = AppConfig.fromProcessEnv(),
): Promise<INestApplicationContext> {
  assertEveryQueueHandled();
  const logger = new AppLogger({ format: config.log.format, level: config.log.level });
  const app = await NestFactory.createApplicationContext(WorkerModule.register(config), { logger });
  app.enableShutdownHooks();
  return app;
}
