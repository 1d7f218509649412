import { getQueueToken } from '@nestjs/bullmq';
import { INestApplicationContext, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { QueueName } from '@app/queue';
import { RedisService } from '@app/redis';
import type { Queue } from 'bullmq';
import { createWorker } from '../apps/worker/src/bootstrap';
import { SettlementProcessor } from '../apps/worker/src/settlement.processor';
import { ApiHarness, startApi } from './support/api-harness';
import { RedisServerProcess } from './support/isolated-services';
import { waitFor } from './support/wait-for';

describe('a Redis outage (e2e)', () => {
  let redis: RedisServerProcess;
  let api: ApiHarness;
  let worker: INestApplicationContext;
  const logged: string[] = [];
  const consoleErrors: unknown[][] = [];
  const errorEvents = { shared: 0, queue: 0, worker: 0 };

  // Connections each process opens, and how many of the two processes (api, worker) open one of that name.
  const perQueue = (prefix: string, count: number): [string, number][] =>
    Object.values(QueueName).map((name) => [`${prefix} ${name}`, count]);
  const connections = new Map<string, number>([
    ['shared connection', 2],
    ['realtime publisher', 2],
    ['socket.io publisher', 1],
    ['socket.io subscriber', 1],
    ['chat cancel channel', 1],
    ...perQueue('queue', 2),
    ...perQueue('worker', 1),
  ]);
  const count = (connection: string, what: string): number =>
    logged.filter((line) => line.startsWith(`${connection}: ${what}`)).length;
  const counts = (what: string): Record<string, number> =>
    Object.fromEntries([...connections.keys()].map((connection) => [connection, count(connection, what)]));

  beforeAll(async () => {
    for (const level of ['error', 'log'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        logged.push(String(args[0]));
      });
    }
    // Where ioredis ("Unhandled error event") and BullMQ (a stack) report an 'error' event nobody listens to.
    jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      consoleErrors.push(args);
    });
    redis = await RedisServerProcess.start();
    const settings = { REDIS_URL: redis.url, LOG_LEVEL: 'warn' };
    api = await startApi(settings);
    worker = await createWorker(AppConfig.fromProcessEnv(settings));
    // Counted beside the platform's own listeners, to know each kind of connection failed more than once.
    api.app.get(RedisService).client.on('error', () => errorEvents.shared++);
    api.app.get<Queue>(getQueueToken(QueueName.Settlement)).on('error', () => errorEvents.queue++);
    worker.get(SettlementProcessor).worker.on('error', () => errorEvents.worker++);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await redis?.stop();
    jest.restoreAllMocks();
  });

  it('is logged once per connection however often it retries, never as an unhandled error event', async () => {
    await redis.stop();
    await waitFor(
      async () => errorEvents.shared >= 3 && errorEvents.queue >= 2 && errorEvents.worker >= 2,
      'every kind of connection to fail repeatedly',
    );
    expect(counts('Redis unreachable')).toEqual(Object.fromEntries(connections));
    expect(consoleErrors).toEqual([]);
  });

  it('and its end is logged once per connection too', async () => {
    await redis.restart();
    const expected = Object.fromEntries(connections);
    await waitFor(
      async () => JSON.stringify(counts('Redis reachable again')) === JSON.stringify(expected),
      'every connection to report Redis back',
    ).catch(() => undefined);
    expect(counts('Redis reachable again')).toEqual(expected);
    expect(counts('Redis unreachable')).toEqual(expected);
    expect(consoleErrors).toEqual([]);
  });
});
