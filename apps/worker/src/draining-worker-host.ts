import { WorkerHost } from '@nestjs/bullmq';
import { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { watchBullMqConnection } from '@app/redis';

/**
 * The base of every processor: on shutdown it stops taking jobs and waits for the ones it is running while the
 * services they use are still up. @nestjs/bullmq closes its workers only in onApplicationShutdown, after every
 * onModuleDestroy, so a job still running then would find Prisma disconnected; Prisma quietly reconnects with a
 * new connection pool that nothing closes, and the process outlives its shutdown. Nest destroys the root module's
 * providers (the processors) first and the global ones (Prisma, Redis) last. Closing twice is harmless.
 */
export abstract class DrainingWorkerHost
  extends WorkerHost
  implements OnApplicationBootstrap, OnModuleDestroy
{
  // @nestjs/bullmq creates the worker in its own onModuleInit, so it exists by now; an outage is logged once.
  onApplicationBootstrap(): void {
    watchBullMqConnection(this.worker, `worker ${this.worker.name}`);
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker.close();
  }
}
