import { INestApplicationContext } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { createContext } from '@app/testing';
import { RateLimiter } from './rate-limiter';

describe('RateLimiter (Redis)', () => {
  let context: INestApplicationContext;
  let limiter: RateLimiter;
  beforeAll(async () => {
    context = await createContext([], [RateLimiter]);
    limiter = context.get(RateLimiter);
  });
  afterAll(() => context.close());

  it('allows the limit, refuses the next hit with the time to wait, and counts subjects apart', async () => {
    const rule = { bucket: `test-${randomBytes(4).toString('hex')}`, limit: 3, windowMs: 10_000 };
    const verdicts = [];
    for (let i = 0; i < 4; i++) verdicts.push(await limiter.hit(rule, 'alice'));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false]);
    expect(verdicts[3].retryAfterMs).toBeGreaterThan(0);
    expect(verdicts[3].retryAfterMs).toBeLessThanOrEqual(10_000);
    expect((await limiter.hit(rule, 'bob')).allowed).toBe(true);
  });

  it('opens a new window once the old one expires', async () => {
    const rule = { bucket: `test-${randomBytes(4).toString('hex')}`, limit: 1, windowMs: 200 };
    expect((await limiter.hit(rule, 'carol')).allowed).toBe(true);
    expect((await limiter.hit(rule, 'carol')).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await limiter.hit(rule, 'carol')).allowed).toBe(true);
  });
});
