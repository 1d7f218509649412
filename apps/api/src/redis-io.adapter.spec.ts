import { AppConfig } from '@app/config';
import { RateLimiter } from '@app/rate-limit';
import type { INestApplicationContext } from '@nestjs/common';
import { createServer } from 'node:http';
import { CorsPolicy } from './cors-policy';
import { RedisIoAdapter } from './redis-io.adapter';

describe('RedisIoAdapter with Redis unreachable', () => {
  const rejections: unknown[] = [];
  const record = (reason: unknown): void => {
    rejections.push(reason);
  };
  beforeAll(() => process.on('unhandledRejection', record));
  afterAll(() => process.off('unhandledRejection', record));

  it('starts and shuts down without unhandled rejections (the api closing during an outage)', async () => {
    const config = AppConfig.fromProcessEnv({ REDIS_URL: 'redis://127.0.0.1:1' });
    // What the adapter takes from the app: its HTTP server (to attach to) and the rate limiter.
    const app = Object.assign(createServer(), { get: () => ({}) as RateLimiter });
    app.listen(0);
    const adapter = new RedisIoAdapter(
      app as unknown as INestApplicationContext,
      config,
      new CorsPolicy(config),
    );
    const server = adapter.createIOServer(0);
    // Closed at once, while the subscriptions still wait in the offline queue: CI hit this race in the health e2e.
    await server.close();
    app.close();
    await adapter.dispose();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(rejections).toEqual([]);
  });
});
