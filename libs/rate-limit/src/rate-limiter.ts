import { Injectable, Logger } from '@nestjs/common';
import { UnavailableError } from '@app/common';
import { AppConfig } from '@app/config';
import { isRedisOutage, RedisService } from '@app/redis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from './rate-limit.errors';
import { RateLimitName, rateLimitRules, RateLimitRule } from './rate-limit-rules';

const LOST = new Set(['reconnecting', 'close', 'end']);

export interface RateLimitVerdict {
  allowed: boolean;
  remaining: number;
  retryAfterMs: number;
}

/** Without Redis: 'refuse' where the work needs Redis anyway (chat), 'allow' where an outage must not stop it. */
export type WhenRedisDown = 'refuse' | 'allow';

// Fixed windows, shared by every instance: a burst of twice the limit across a window edge is acceptable for abuse
// control, and costs one call. Keys: `<REDIS_PREFIX>:ratelimit:<bucket>:<subject>`.
@Injectable()
export class RateLimiter {
  private readonly logger = new Logger(RateLimiter.name);
  readonly rules: ReturnType<typeof rateLimitRules>;
  private readonly counters = new Map<string, RateLimiterRedis>();

  constructor(
    private readonly redis: RedisService,
    config: AppConfig,
  ) {
    this.rules = rateLimitRules(config.limits, config.network, config.hub);
  }

  async hit(rule: RateLimitRule, subject: string): Promise<RateLimitVerdict> {
    // Decide at once while a lost connection is being retried, instead of queueing behind ioredis's reconnects
    // (2–12 s a request); the first connection at start-up is still waited for.
    if (LOST.has(this.redis.client.status))
      throw new Error(`Redis connection lost (${this.redis.client.status})`);
    const outcome = await this.counter(rule)
      .consume(subject)
      .catch((refused: unknown) => {
        if (refused instanceof RateLimiterRes) return refused;
        throw refused;
      });
    const allowed = outcome.consumedPoints <= rule.limit;
    const retryAfterMs = outcome.msBeforeNext > 0 ? outcome.msBeforeNext : rule.windowMs;
    return { allowed, remaining: outcome.remainingPoints, retryAfterMs };
  }

  /** When Redis cannot count, `whenDown` decides: UnavailableError, or through uncounted (verdict undefined). */
  async enforce(
    rule: RateLimitName | RateLimitRule,
    subject: string,
    whenDown: WhenRedisDown = 'refuse',
  ): Promise<RateLimitVerdict | undefined> {
    const resolved = typeof rule === 'string' ? this.rules[rule] : rule;
    let verdict: RateLimitVerdict;
    try {
      verdict = await this.hit(resolved, subject);
    } catch (error) {
      if (whenDown === 'allow') {
        this.logger.warn(`Limit ${resolved.bucket} not enforced, Redis unavailable: ${String(error)}`);
        return undefined;
      }
      // A reply error to the counting script would be a bug, not an outage: it is reported as one (INTERNAL).
      if (!isRedisOutage(error)) throw error;
      this.logger.warn(`Refused under limit ${resolved.bucket}, Redis unavailable: ${String(error)}`);
      throw new UnavailableError();
    }
    if (!verdict.allowed) throw new RateLimitedError(verdict.retryAfterMs);
    return verdict;
  }

  private counter(rule: RateLimitRule): RateLimiterRedis {
    const id = `${rule.bucket}/${rule.limit}/${rule.windowMs}`;
    let counter = this.counters.get(id);
    if (!counter) {
      // The library counts whole seconds, and a zero duration would never expire.
      if (rule.windowMs < 1000 || rule.windowMs % 1000 !== 0)
        throw new Error(
          `Rate limit ${rule.bucket}: the window must be whole seconds, not ${rule.windowMs} ms`,
        );
      counter = new RateLimiterRedis({
        storeClient: this.redis.client,
        keyPrefix: this.redis.key('ratelimit', rule.bucket),
        points: rule.limit,
        duration: rule.windowMs / 1000,
      });
      this.counters.set(id, counter);
    }
    return counter;
  }
}
