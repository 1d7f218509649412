import { Injectable } from '@nestjs/common';
import { RedisService } from '@app/redis';

export interface RateLimitRule {
  /** Names the counter, e.g. "api" or "signup". */
  bucket: string;
  limit: number;
  windowMs: number;
}

export interface RateLimitVerdict {
  allowed: boolean;
  remaining: number;
  retryAfterMs: number;
}

// One round trip: count the hit and (on the first hit of a window) set its expiry.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }
`;

/**
 * Fixed-window counters in Redis, so every api instance shares the same limits. Fixed windows allow a burst of
 * up to twice the limit across a window edge; that is acceptable for abuse control and costs one call.
 */
@Injectable()
export class RateLimiter {
  constructor(private readonly redis: RedisService) {}

  async hit(rule: RateLimitRule, subject: string): Promise<RateLimitVerdict> {
    const key = this.redis.key('ratelimit', rule.bucket, subject);
    const [count, ttl] = (await this.redis.client.eval(HIT_SCRIPT, 1, key, String(rule.windowMs))) as [
      number,
      number,
    ];
    const retryAfterMs = ttl > 0 ? ttl : rule.windowMs;
    return { allowed: count <= rule.limit, remaining: Math.max(0, rule.limit - count), retryAfterMs };
  }
}
