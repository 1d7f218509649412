import { Injectable } from '@nestjs/common';
import { RedisService } from '@app/redis';
import { randomUUID } from 'node:crypto';

// Release only our own lock: a lock that expired and was taken by another reply must not be freed by us.
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** One reply at a time per conversation, across every api instance. Expires on its own if its holder dies. */
@Injectable()
export class ConversationLock {
  constructor(private readonly redis: RedisService) {}

  async acquire(conversationId: string, ttlMs: number): Promise<string | null> {
    const token = randomUUID();
    const ok = await this.redis.client.set(this.key(conversationId), token, 'PX', ttlMs, 'NX');
    return ok === 'OK' ? token : null;
  }

  async release(conversationId: string, token: string): Promise<void> {
    await this.redis.client.eval(RELEASE, 1, this.key(conversationId), token);
  }

  private key(conversationId: string): string {
    return this.redis.key('chat', 'lock', conversationId);
  }
}
