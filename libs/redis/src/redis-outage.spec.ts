import { ReplyError as IoRedisReplyError } from 'ioredis';
import { isRedisOutage } from './redis-outage';

// What ioredis rejects with when Redis answers a command with an error (its typings say only `any`).
const ReplyError = IoRedisReplyError as new (message: string) => Error;

describe('isRedisOutage', () => {
  it('takes a refused command (a reply error, e.g. an index out of range) for a bug, not an outage', () => {
    expect(isRedisOutage(new ReplyError('ERR value is not an integer or out of range'))).toBe(false);
    expect(
      isRedisOutage(new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value')),
    ).toBe(false);
  });

  it("takes connection failures, and Redis's own 'not now' replies, for an outage the client may retry", () => {
    expect(isRedisOutage(new Error('Connection is closed.'))).toBe(true);
    expect(isRedisOutage(new ReplyError('LOADING Redis is loading the dataset in memory'))).toBe(true);
    expect(isRedisOutage(new ReplyError("READONLY You can't write against a read only replica."))).toBe(true);
  });
});
