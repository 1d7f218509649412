import { CanActivate, ExecutionContext, Injectable, Logger, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '@app/config';
import type { Request, Response } from 'express';
import { RateLimitedError } from './rate-limit.errors';
import { RateLimiter, RateLimitRule } from './rate-limiter';

const RATE_LIMIT_BUCKET = 'twinproof:rateLimitBucket';
type Bucket = 'api' | 'signup';

/**
 * Puts a route under a stricter bucket than the default per-key limit (sign-up: per address, per hour), or,
 * with 'none', under no limit (health checks must work when Redis does not).
 */
export const RateLimit = (bucket: Bucket | 'none'): MethodDecorator => SetMetadata(RATE_LIMIT_BUCKET, bucket);

/** Runs after the auth guard: counts per user when there is one, per client address otherwise (and for sign-up). */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly logger = new Logger(RateLimitGuard.name);
  private readonly rules: Record<Bucket, RateLimitRule>;

  constructor(
    private readonly limiter: RateLimiter,
    private readonly reflector: Reflector,
    config: AppConfig,
  ) {
    this.rules = {
      api: { bucket: 'api', limit: config.limits.requestsPerMinute, windowMs: 60_000 },
      signup: { bucket: 'signup', limit: config.limits.signupsPerHour, windowMs: 3_600_000 },
    };
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request & { user?: { id: string } }>();
    const bucket =
      this.reflector.get<Bucket | 'none' | undefined>(RATE_LIMIT_BUCKET, context.getHandler()) ?? 'api';
    if (bucket === 'none') return true;
    // Sign-up is counted by address even when a key is sent: every sign-up mints a new key, so counting per
    // user would let each new account open the next one. req.ip honours TRUST_PROXY (app's 'trust proxy').
    const subject =
      request.user && bucket !== 'signup' ? `user:${request.user.id}` : `ip:${request.ip ?? 'unknown'}`;
    let verdict;
    try {
      verdict = await this.limiter.hit(this.rules[bucket], subject);
    } catch (error) {
      // Fail open: a Redis outage should not turn every request into an error; it is logged loudly instead.
      this.logger.warn(`Rate limit not enforced, Redis unavailable: ${String(error)}`);
      return true;
    }
    const response = context.switchToHttp().getResponse<Response>();
    response.setHeader('X-RateLimit-Limit', this.rules[bucket].limit);
    response.setHeader('X-RateLimit-Remaining', verdict.remaining);
    if (!verdict.allowed) {
      response.setHeader('Retry-After', Math.ceil(verdict.retryAfterMs / 1000));
      throw new RateLimitedError(verdict.retryAfterMs);
    }
    return true;
  }
}
