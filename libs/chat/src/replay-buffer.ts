import { Injectable } from '@nestjs/common';
import { RedisService } from '@app/redis';

const TTL_SECONDS = 15 * 60;

/** In Redis, so a client reconnecting to any instance gets what it missed; index = seq, so "after n" is one LRANGE. */
@Injectable()
export class ReplayBuffer {
  constructor(private readonly redis: RedisService) {}

  async append(messageId: string, deltas: string[]): Promise<void> {
    if (deltas.length === 0) return;
    const key = this.key(messageId);
    await this.redis.client
      .multi()
      .rpush(key, ...deltas)
      .expire(key, TTL_SECONDS)
      .exec();
  }

  async after(messageId: string, afterSeq: number): Promise<string[]> {
    return this.redis.client.lrange(this.key(messageId), afterSeq + 1, -1);
  }

  private key(messageId: string): string {
    return this.redis.key('chat', 'replay', messageId);
  }
}
