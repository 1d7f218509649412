import { isUnreachableError } from './chain-rpc';

describe('isUnreachableError', () => {
  const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

  it('recognises refused, reset and timed-out connections, however deep the cause', () => {
    expect(isUnreachableError(withCode('ECONNREFUSED'))).toBe(true);
    expect(isUnreachableError(withCode('ECONNRESET', 'socket hang up'))).toBe(true);
    expect(isUnreachableError(new TypeError('fetch failed', { cause: withCode('UND_ERR_SOCKET') }))).toBe(
      true,
    );
    expect(isUnreachableError(withCode('TIMEOUT', 'request timeout'))).toBe(true);
    expect(isUnreachableError(new DOMException('The operation timed out.', 'TimeoutError'))).toBe(true);
  });

  it('leaves the node’s own answers alone, so a revert is not retried as if the chain were down', () => {
    expect(isUnreachableError(withCode('CALL_EXCEPTION', 'execution reverted'))).toBe(false);
    expect(isUnreachableError(withCode('NONCE_EXPIRED'))).toBe(false);
    expect(isUnreachableError(new Error('anything'))).toBe(false);
    expect(isUnreachableError('ECONNREFUSED')).toBe(false);
  });
});
