import { Injectable } from '@nestjs/common';
import { RedisService } from '@app/redis';

/** A reply with no heartbeat for this long, and at least this old, was abandoned by an api that died. */
export const REPLY_DEAD_AFTER_MS = 15_000;
const BEAT_EVERY_MS = 5_000;

/**
 * A killed api cannot mark its replies failed, and the lock is no proof either way (it outlives the api for
 * minutes, and a Redis restart frees it under a live reply), so each reply beats while it streams.
 */
@Injectable()
export class ReplyHeartbeat {
  constructor(private readonly redis: RedisService) {}

  /** Beats now and every few seconds until the returned function is called. Never throws: it is a hint. */
  start(messageId: string): () => void {
    const beat = (): void => {
      this.redis.client.set(this.key(messageId), '1', 'PX', REPLY_DEAD_AFTER_MS).catch(() => undefined);
    };
    beat();
    const timer = setInterval(beat, BEAT_EVERY_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  async isAlive(messageId: string): Promise<boolean> {
    return (await this.redis.client.exists(this.key(messageId))) === 1;
  }

  private key(messageId: string): string {
    return this.redis.key('chat', 'alive', messageId);
  }
}
