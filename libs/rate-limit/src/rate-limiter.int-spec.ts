import { INestApplicationContext } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ErrorCode } from '@app/common';
import { RedisService } from '@app/redis';
import { createContext } from '@app/testing';
import { RateLimiter } from './rate-limiter';

const bucket = (): string => `test-${randomBytes(4).toString('hex')}`;

describe('RateLimiter (Redis)', () => {
  let context: INestApplicationContext;
  let limiter: RateLimiter;
  beforeAll(async () => {
    context = await createContext([], [RateLimiter], { CHAT_SENDS_PER_MINUTE: '2' });
    limiter = context.get(RateLimiter);
  });
  afterAll(() => context.close());

  it('allows the limit, refuses the next hit with the time to wait, and counts subjects apart', async () => {
    const rule = { bucket: bucket(), limit: 3, windowMs: 10_000 };
    const verdicts = [];
    for (let i = 0; i < 4; i++) verdicts.push(await limiter.hit(rule, 'alice'));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false]);
    expect(verdicts.map((v) => v.remaining)).toEqual([2, 1, 0, 0]);
    expect(verdicts[3].retryAfterMs).toBeGreaterThan(0);
    expect(verdicts[3].retryAfterMs).toBeLessThanOrEqual(10_000);
    expect((await limiter.hit(rule, 'bob')).allowed).toBe(true);
  });

  it('opens a new window once the old one expires', async () => {
    const rule = { bucket: bucket(), limit: 1, windowMs: 1_000 };
    expect((await limiter.hit(rule, 'carol')).allowed).toBe(true);
    expect((await limiter.hit(rule, 'carol')).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await limiter.hit(rule, 'carol')).allowed).toBe(true);
  });

  it("keeps its counters under the deployment's prefix, so deployments and test runs sharing a server count apart", async () => {
    const rule = { bucket: bucket(), limit: 5, windowMs: 60_000 };
    await limiter.hit(rule, 'dave');
    const redis = context.get(RedisService);
    const key = redis.key('ratelimit', rule.bucket, 'dave');
    expect(await redis.client.get(key)).toBe('1');
    expect(await redis.client.pttl(key)).toBeGreaterThan(55_000);
  });

  it('enforces a shared rule by name: RATE_LIMITED with the seconds to wait once over it', async () => {
    const subject = bucket();
    await limiter.enforce('chatSend', subject);
    await limiter.enforce('chatSend', subject);
    await expect(limiter.enforce('chatSend', subject)).rejects.toMatchObject({
      code: ErrorCode.RATE_LIMITED,
      details: { retryAfterSeconds: expect.any(Number) },
    });
  });

  it('refuses windows the store cannot keep, instead of counters that never expire', async () => {
    await expect(limiter.hit({ bucket: bucket(), limit: 1, windowMs: 200 }, 'erin')).rejects.toThrow(
      'whole seconds',
    );
  });
});
