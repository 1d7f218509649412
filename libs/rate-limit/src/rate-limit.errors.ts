import { DomainError, ErrorCode } from '@app/common';

export class RateLimitedError extends DomainError {
  constructor(readonly retryAfterMs: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super(ErrorCode.RATE_LIMITED, `Too many requests: try again in ${seconds} s.`, {
      retryAfterSeconds: seconds,
    });
  }
}
