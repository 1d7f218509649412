import { INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { bullPrefix, JobName, QueueName, redisConnectionOptions } from '@app/queue';
import { Queue, QueueEvents } from 'bullmq';
import { createWorker } from './bootstrap';

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
});
