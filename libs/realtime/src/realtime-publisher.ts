import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { watchRedisClient } from '@app/redis';
import { Emitter } from '@socket.io/redis-emitter';
import Redis from 'ioredis';
import { CHAT_NAMESPACE, rooms, socketIoAdapterKey } from './realtime-contract';
import type { ServerToClientEvents } from './realtime-events';

/**
 * The emitter publishes without awaiting: with Redis down each PUBLISH rejects (after its retries) with no one to
 * catch it, an unhandled rejection per event. The outage itself is logged once by watchRedisClient, and a missed event
 * is read over HTTP, so the rejection carries nothing: mark it handled.
 */
function fireAndForget(client: Redis): Redis {
  const publish = client.publish.bind(client) as (...args: unknown[]) => Promise<number>;
  const handled = (...args: unknown[]): Promise<number> => {
    const sent = publish(...args);
    sent.catch(() => undefined);
    return sent;
  };
  return Object.assign(client, { publish: handled });
}

/**
 * Publishes on the Redis channels every api instance's adapter listens on. Fire and forget: a missed event is read
 * over HTTP, and a socket that misses a disconnect is refused at its next handshake.
 */
@Injectable()
export class RealtimePublisher implements OnModuleDestroy {
  private readonly redis: Redis;
  private readonly emitter: Emitter<ServerToClientEvents>;
  private closed = false;

  constructor(config: AppConfig) {
    this.redis = fireAndForget(
      watchRedisClient(new Redis(config.redisUrl, { maxRetriesPerRequest: 2 }), 'realtime publisher'),
    );
    this.emitter = new Emitter<ServerToClientEvents>(this.redis, {
      key: socketIoAdapterKey(config.redisPrefix),
    });
  }

  toConversation<E extends keyof ServerToClientEvents>(
    conversationId: string,
    event: E,
    ...args: Parameters<ServerToClientEvents[E]>
  ): void {
    // A job finishing while the worker shuts down has no one left to tell; its status is in Postgres.
    if (this.closed) return;
    this.emitter
      .of(CHAT_NAMESPACE)
      .to(rooms.conversation(conversationId))
      .emit(event, ...args);
  }

  /** Closes every socket opened with this API key, on every api instance. */
  disconnectApiKey(apiKeyId: string): void {
    if (!this.closed) this.emitter.of(CHAT_NAMESPACE).in(rooms.apiKey(apiKeyId)).disconnectSockets(true);
  }

  disconnectUser(userId: string): void {
    if (!this.closed) this.emitter.of(CHAT_NAMESPACE).in(rooms.user(userId)).disconnectSockets(true);
  }

  onModuleDestroy(): void {
    this.closed = true;
    this.redis.disconnect();
  }
}
