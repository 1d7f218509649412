import { Injectable } from '@nestjs/common';
import { RedisService } from '@app/redis';
import { randomUUID } from 'node:crypto';

/** How long a lock outlives a holder that died without releasing it, unless an abandoned reply frees it sooner. */
export const CONVERSATION_LOCK_TTL_MS = 5 * 60_000;

// Release only our own lock: a lock that expired and was taken by another reply must not be freed by us.
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
// Free a lock taken at least ARGV[2] ms ago (its remaining TTL tells its age), whoever holds it.
const RELEASE_OLD = `local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 and ttl <= tonumber(ARGV[1]) - tonumber(ARGV[2]) then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** One reply at a time per conversation, across every api instance. Expires on its own if its holder dies. */
@Injectable()
export class ConversationLock {
  constructor(private readonly redis: RedisService) {}

  async acquire(conversationId: string, ttlMs = CONVERSATION_LOCK_TTL_MS): Promise<string | null> {
    const token = randomUUID();
    const ok = await this.redis.client.set(this.key(conversationId), token, 'PX', ttlMs, 'NX');
    return ok === 'OK' ? token : null;
  }

  async release(conversationId: string, token: string): Promise<void> {
    await this.redis.client.eval(RELEASE, 1, this.key(conversationId), token);
  }

  /** For a holder known dead; a lock younger than `minAgeMs` may be a sender's that has not created its reply yet. */
  async releaseAbandoned(conversationId: string, minAgeMs: number): Promise<boolean> {
    const freed = await this.redis.client.eval(
      RELEASE_OLD,
      1,
      this.key(conversationId),
      String(CONVERSATION_LOCK_TTL_MS),
      String(minAgeMs),
    );
    return freed === 1;
  }

  private key(conversationId: string): string {
    return this.redis.key('chat', 'lock', conversationId);
  }
}
