import type { RedisService } from '@app/redis';
import type { ReplayCheck } from '../gateway/seen-requests';

/**
 * Replay protection shared by every process of one api (API_PROCESSES > 1 hold the same derived gateway key, so a
 * copy sent to another process must be refused there too). Each `enc` is remembered until its key is retired.
 */
export class RedisSeenRequests implements ReplayCheck {
  constructor(
    private readonly redis: RedisService,
    private readonly rememberMs: number,
  ) {}

  async firstTime(keyId: number, enc: Uint8Array): Promise<boolean> {
    const key = this.redis.key('ohttp', 'seen', String(keyId), Buffer.from(enc).toString('base64url'));
    return (await this.redis.client.set(key, '1', 'PX', this.rememberMs, 'NX')) === 'OK';
  }
}
