import { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createRootLogger, nestLogger } from '@app/common';
import { AppConfig } from '@app/config';
import type { DestinationStream } from 'pino';
import { assertEveryQueueHandled } from './job-handlers.check';
import { WorkerModule } from './worker.module';

/** Logs go to stdout unless a test gives them another `logDestination`. */
export async function createWorker(
  config: AppConfig = AppConfig.fromProcessEnv(),
  module: DynamicModule = WorkerModule.register(config),
  options: { logDestination?: DestinationStream } = {},
): Promise<INestApplicationContext> {
  await assertEveryQueueHandled(module);
  const logger = nestLogger(createRootLogger({ ...config.log, app: 'worker' }, options.logDestination));
  const app = await NestFactory.createApplicationContext(module, { logger });
  app.enableShutdownHooks();
  return app;
}
