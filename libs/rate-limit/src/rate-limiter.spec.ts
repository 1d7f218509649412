import { Test } from '@nestjs/testing';
import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { RedisService } from '@app/redis';
import { ReplyError as IoRedisReplyError } from 'ioredis';
import { RateLimiter } from './rate-limiter';

// What ioredis rejects with when Redis answers a command with an error (its typings say only `any`).
const ReplyError = IoRedisReplyError as new (message: string) => Error;

/** The shared ioredis client as rate-limiter-flexible uses it: one script command, answered by `answer`. */
function redisAnswering(answer: () => Promise<unknown>): Pick<RedisService, 'key'> & { client: object } {
  return {
    client: { defineCommand: () => undefined, rlflxIncr: answer },
    key: (...parts: string[]) => ['test', ...parts].join(':'),
  };
}

async function limiterOver(redis: ReturnType<typeof redisAnswering>): Promise<RateLimiter> {
  const module = await Test.createTestingModule({
    providers: [
      RateLimiter,
      { provide: RedisService, useValue: redis },
      { provide: AppConfig, useValue: AppConfig.fromProcessEnv({ CHAT_SENDS_PER_MINUTE: '2' }) },
    ],
  }).compile();
  return module.get(RateLimiter);
}

describe('RateLimiter.enforce', () => {
  const down = () => Promise.reject(new Error('Connection is closed.'));

  it('refuses with RATE_LIMITED and the seconds to wait once a subject is over the rule', async () => {
    const limiter = await limiterOver(redisAnswering(() => Promise.resolve([3, 4_200])));
    await expect(limiter.enforce('chatSend', 'alice')).rejects.toMatchObject({
      code: ErrorCode.RATE_LIMITED,
      details: { retryAfterSeconds: 5 },
    });
  });

  it('returns the verdict of a hit within the rule', async () => {
    const limiter = await limiterOver(redisAnswering(() => Promise.resolve([1, 60_000])));
    await expect(limiter.enforce('chatSend', 'alice')).resolves.toEqual({
      allowed: true,
      remaining: 1,
      retryAfterMs: 60_000,
    });
  });

  it('refuses with a retryable UNAVAILABLE when Redis cannot count, by default', async () => {
    const limiter = await limiterOver(redisAnswering(down));
    await expect(limiter.enforce('chatSend', 'alice')).rejects.toMatchObject({
      code: ErrorCode.UNAVAILABLE,
      message: expect.stringContaining('again'),
    });
  });

  it("lets the hit through uncounted when Redis cannot count and the limit says 'allow'", async () => {
    const limiter = await limiterOver(redisAnswering(down));
    await expect(limiter.enforce('api', 'ip:10.0.0.1', 'allow')).resolves.toBeUndefined();
  });

  it('reports a command Redis refused as the bug it is, not as an outage', async () => {
    const bug = new ReplyError('ERR value is not an integer or out of range');
    const limiter = await limiterOver(redisAnswering(() => Promise.reject(bug)));
    await expect(limiter.enforce('chatSend', 'alice')).rejects.toBe(bug);
  });
});
