import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { RedisService } from '@app/redis';
import type Redis from 'ioredis';

/** A cancel is published on Redis; the instance streaming that reply aborts it. */
@Injectable()
export class ReplyCancellation implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ReplyCancellation.name);
  private readonly running = new Map<string, AbortController>();
  private subscriber?: Redis;

  constructor(private readonly redis: RedisService) {}

  private get channel(): string {
    return this.redis.key('chat', 'cancel');
  }

  onModuleInit(): void {
    this.subscriber = this.redis.duplicate('chat cancel channel');
    this.subscriber.on('message', (_channel: string, messageId: string) =>
      this.running.get(messageId)?.abort(),
    );
    this.subscriber
      .subscribe(this.channel)
      .catch((error: unknown) => this.logger.warn(`Cannot subscribe to cancels: ${String(error)}`));
  }

  onModuleDestroy(): void {
    this.subscriber?.disconnect();
  }

  track(messageId: string): AbortController {
    const controller = new AbortController();
    this.running.set(messageId, controller);
    return controller;
  }

  untrack(messageId: string): void {
    this.running.delete(messageId);
  }

  abortAll(reason: unknown): void {
    for (const controller of this.running.values()) controller.abort(reason);
  }

  /** True when the reply runs here and was aborted; otherwise the request goes to the other instances. */
  async cancel(messageId: string): Promise<boolean> {
    const local = this.running.get(messageId);
    if (local) {
      local.abort();
      return true;
    }
    return (await this.redis.client.publish(this.channel, messageId)) > 0;
  }
}
