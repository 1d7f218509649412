import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('lets an address burst its minute, then refuses it with the wait for one more, refilling over time', () => {
    let now = 0;
    const limiter = new RateLimiter(3, 100, () => now);
    expect([1, 2, 3].map(() => limiter.take('10.0.0.1').allowed)).toEqual([true, true, true]);
    expect(limiter.take('10.0.0.1')).toEqual({ allowed: false, retryAfterSeconds: 20 });
    // Another address has its own bucket.
    expect(limiter.take('10.0.0.2').allowed).toBe(true);
    now = 19_000;
    expect(limiter.take('10.0.0.1')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now = 20_000;
    expect(limiter.take('10.0.0.1').allowed).toBe(true);
    expect(limiter.take('10.0.0.1').allowed).toBe(false);
  });

  it('holds at most its bound of addresses however many come, dropping idle and then the oldest ones', () => {
    let now = 0;
    const limiter = new RateLimiter(60, 1_000, () => now);
    limiter.take('busy');
    for (let i = 0; i < 10_000; i += 1) {
      limiter.take(`a${i}`);
      expect(limiter.size).toBeLessThanOrEqual(1_000);
    }
    // The oldest addresses were dropped for the newest: a returning one starts with a full bucket.
    now = 1;
    for (let i = 0; i < 60; i += 1) expect(limiter.take('a0').allowed).toBe(true);
    expect(limiter.take('a0').allowed).toBe(false);
  });
});
