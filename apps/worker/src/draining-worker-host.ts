import { WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { runInJobContext } from '@app/queue';
import { watchBullMqConnection } from '@app/redis';
import type { Job } from 'bullmq';
import { performance } from 'node:perf_hooks';

/**
 * The base of every processor. Each job runs in a log context restored from its payload's correlation ids (the
 * request or socket event, and the message, it came from), so its lines and the jobs it enqueues carry them.
 *
 * On shutdown it stops taking jobs and waits for the ones it is running while the services they use are still up.
 * @nestjs/bullmq closes its workers only in onApplicationShutdown, after every onModuleDestroy, so a job still
 * running then would find Prisma disconnected; Prisma quietly reconnects with a new connection pool that nothing
 * closes, and the process outlives its shutdown. Nest destroys the root module's providers (the processors) first
 * and the global ones (Prisma, Redis) last. Closing twice is harmless.
 */
export abstract class DrainingWorkerHost
  extends WorkerHost
  implements OnApplicationBootstrap, OnModuleDestroy
{
  private readonly jobLogger = new Logger(this.constructor.name);

  /** The job's work; `process` runs it in the job's log context. */
  protected abstract handle(job: Job, token?: string): Promise<unknown>;

  process(job: Job, token?: string): Promise<unknown> {
    return runInJobContext(job, async () => {
      const started = performance.now();
      const ms = (): string => (performance.now() - started).toFixed(1);
      try {
        const result = await this.handle(job, token);
        this.jobLogger.debug(`${job.name} ${job.id} done in ${ms()} ms`);
        return result;
      } catch (error) {
        this.jobLogger.debug(`${job.name} ${job.id} failed after ${ms()} ms: ${String(error)}`);
        throw error;
      }
    });
  }

  // @nestjs/bullmq creates the worker in its own onModuleInit, so it exists by now; an outage is logged once.
  onApplicationBootstrap(): void {
    watchBullMqConnection(this.worker, `worker ${this.worker.name}`);
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker.close();
  }
}
