import { Global, Inject, Injectable, Module, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '@app/config';
import { watchRedisClient } from './redis-errors';

/** The process's shared ioredis connection for the platform's own keys (BullMQ opens its own). */
@Injectable()
export class RedisService implements OnModuleDestroy {
  readonly client: Redis;
  readonly prefix: string;

  constructor(@Inject(AppConfig) config: AppConfig) {
    this.client = watchRedisClient(
      new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true }),
      'shared connection',
    );
    this.prefix = config.redisPrefix;
  }

  /** Every key this platform writes starts with the configured prefix, so test runs and deployments can share a server. */
  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /** A second connection on the same server (a subscriber cannot send commands), its errors logged like the first. */
  duplicate(connection: string): Redis {
    return watchRedisClient(this.client.duplicate(), connection);
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

@Global()
@Module({ providers: [RedisService], exports: [RedisService] })
export class RedisModule {}
