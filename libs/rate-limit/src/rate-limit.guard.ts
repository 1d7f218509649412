import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { RateLimitedError } from './rate-limit.errors';
import { RateLimiter } from './rate-limiter';

const RATE_LIMIT_BUCKET = 'twinproof:rateLimitBucket';
type Bucket = 'api' | 'signup';

/** A stricter bucket than the default per-key limit, or 'none' (health checks must work when Redis does not). */
export const RateLimit = (bucket: Bucket | 'none'): MethodDecorator => SetMetadata(RATE_LIMIT_BUCKET, bucket);

/** Runs after the auth guard: counts per user when there is one, per client address otherwise (and for sign-up). */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly reflector: Reflector,
  ) {}

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
    const response = context.switchToHttp().getResponse<Response>();
    const limit = this.limiter.rules[bucket].limit;
    // A Redis outage should not turn every request into an error: the request goes through, logged loudly. Not a
    // sign-up: each one mints a key, and uncounted, one address could open any number of accounts.
    const whenDown = bucket === 'signup' ? 'refuse' : 'allow';
    const verdict = await this.limiter.enforce(bucket, subject, whenDown).catch((error: unknown) => {
      if (error instanceof RateLimitedError) {
        response.setHeader('X-RateLimit-Limit', limit);
        response.setHeader('X-RateLimit-Remaining', 0);
        response.setHeader('Retry-After', Math.ceil(error.retryAfterMs / 1000));
      }
      throw error;
    });
    if (verdict) {
      response.setHeader('X-RateLimit-Limit', limit);
      response.setHeader('X-RateLimit-Remaining', verdict.remaining);
    }
    return true;
  }
}
