import { INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { bullPrefix, JobName, QueueName, redisConnectionOptions } from '@app/queue';
import { Queue, QueueEvents } from 'bullmq';
import { createWorker } from './bootstrap';
import { WORKER_PROCESSORS, WorkerModule } from './worker.module';
import { ZkProcessor } from './zk.processor';

describe('worker (real BullMQ on Redis)', () => {
  let worker: INestApplicationContext;
  let queue: Queue;
  let events: QueueEvents;

  beforeAll(async () => {
    const config = AppConfig.fromProcessEnv({ LOG_LEVEL: 'warn' });
    worker = await createWorker(config);
    const options = {
      connection: redisConnectionOptions(config.redisUrl),
      prefix: bullPrefix(config.redisPrefix),
    };
    queue = new Queue(QueueName.System, options);
    events = new QueueEvents(QueueName.System, options);
    await events.waitUntilReady();
  });
  afterAll(async () => {
    await events.close();
    await queue.close();
    await worker.close();
  });

  it('consumes a job from Redis and returns its result', async () => {
    const job = await queue.add(JobName.Ping, { sentAt: Date.now() });
    const result = (await job.waitUntilFinished(events, 10_000)) as { pong: boolean; latencyMs: number };
    expect(result.pong).toBe(true);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('on close, stops taking jobs and finishes the running ones before it disconnects from Postgres', async () => {
    // Otherwise a job still running would make Prisma reconnect, with a pool nothing closes.
    const app = await createWorker(AppConfig.fromProcessEnv({ LOG_LEVEL: 'warn' }));
    const prisma = app.get(PrismaService);
    const processors = [...WORKER_PROCESSORS];
    const closed: string[] = [];
    for (const processor of processors) {
      const { worker: bullWorker } = app.get(processor);
      bullWorker.once('closed', () => closed.push(bullWorker.name));
    }
    const disconnect = prisma.$disconnect.bind(prisma);
    let closedAtDisconnect: string[] | undefined;
    jest.spyOn(prisma, '$disconnect').mockImplementation(() => {
      closedAtDisconnect ??= [...closed];
      return disconnect();
    });
    await app.close();
    expect(closedAtDisconnect?.sort()).toEqual(Object.values(QueueName).sort());
  });

  it('refuses to start when a queue of the contract has no processor, naming the queue', async () => {
    const config = AppConfig.fromProcessEnv({ LOG_LEVEL: 'warn' });
    const full = WorkerModule.register(config);
    const withoutZk = {
      ...full,
      providers: WORKER_PROCESSORS.filter((processor) => processor !== ZkProcessor),
    };
    await expect(createWorker(config, withoutZk)).rejects.toThrow('No processor for queue(s): zk');
  });
});
