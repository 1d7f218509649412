import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { Emitter } from '@socket.io/redis-emitter';
import Redis from 'ioredis';
import type { ProofUpdateEvent } from './proof-update';

// Must match the api's socket.io Redis adapter (apps/api/src/redis-io.adapter.ts) and the gateway's rooms.
const CHAT_NAMESPACE = '/chat';
const conversationRoom = (id: string): string => `conversation:${id}`;

/**
 * Lets the worker reach chat clients without holding a socket.io server: it publishes through the same Redis
 * channel the api instances' adapter listens on. Fire and forget: a client that misses an update reads the
 * inference's status over HTTP.
 */
@Injectable()
export class ProofEvents implements OnModuleDestroy {
  private readonly redis: Redis;
  private readonly emitter: Emitter;
  private closed = false;

  constructor(config: AppConfig) {
    this.redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2 });
    this.emitter = new Emitter(this.redis, { key: `${config.redisPrefix}:socket.io` });
  }

  update(event: ProofUpdateEvent): void {
    // A job finishing while the worker shuts down has no one left to tell; its status is in Postgres.
    if (this.closed) return;
    this.emitter.of(CHAT_NAMESPACE).to(conversationRoom(event.conversationId)).emit('proof:update', event);
  }

  onModuleDestroy(): void {
    this.closed = true;
    this.redis.disconnect();
  }
}
