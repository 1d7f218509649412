import { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig } from '@app/config';
import { Logger } from 'nestjs-pino';
import { assertEveryQueueHandled } from './job-handlers.check';
import { WorkerModule } from './worker.module';

export async function createWorker(
  config: AppConfig = AppConfig.fromProcessEnv(),
  module: DynamicModule = WorkerModule.register(config),
): Promise<INestApplicationContext> {
  await assertEveryQueueHandled(module);
  const app = await NestFactory.createApplicationContext(module, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  return app;
}
