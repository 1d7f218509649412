import { DomainError, ErrorCode } from '@app/common';
import { ModelError } from '@app/inference';
import { replyFailure, SERVER_STOPPING } from './reply-failure';
import { ModelStalledError } from './reply-stream';

const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });

describe('replyFailure', () => {
  it('tells a client whose reply the stopping server cut off to send again, and stores it as failed', () => {
    expect(replyFailure(abort, SERVER_STOPPING)).toMatchObject({
      cancelled: false,
      error: { code: ErrorCode.SERVER_STOPPING },
    });
  });

  it('treats an abort without a reason as the client’s cancel', () => {
    expect(replyFailure(abort, undefined)).toEqual({
      cancelled: true,
      error: { code: ErrorCode.CANCELLED, message: 'The reply was cancelled.' },
    });
  });

  it('reports a stall and a model error as MODEL_FAILED with their message, a domain error with its code', () => {
    expect(replyFailure(new ModelStalledError(), undefined)).toEqual({
      cancelled: false,
      error: { code: ErrorCode.MODEL_FAILED, message: 'The model stopped responding; try again.' },
    });
    expect(replyFailure(new ModelError('upstream said 500', true, 500), undefined).error).toEqual({
      code: ErrorCode.MODEL_FAILED,
      message: 'The model failed to answer (its server answered 500); try again.',
    });
    expect(replyFailure(new DomainError(ErrorCode.UNAVAILABLE, 'later'), undefined).error.code).toBe(
      ErrorCode.UNAVAILABLE,
    );
  });

  it('never shows a model provider’s own error text, which can quote keys and hosts', () => {
    const upstream = new ModelError(
      'Model provider ext failed: 401 Incorrect API key provided: sk-SECRET at 10.1.2.3',
      false,
      401,
    );
    expect(replyFailure(upstream, undefined).error.message).not.toMatch(/SECRET|10\.1\.2\.3|Incorrect/);
  });

  it('never shows an unexpected error’s message to the client', () => {
    expect(replyFailure(new Error('password=hunter2 at db.internal'), undefined).error).toEqual({
      code: ErrorCode.MODEL_FAILED,
      message: 'The model failed to answer; try again.',
    });
  });
});
