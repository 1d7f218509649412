import { RemoteNodeError } from '@app/network';
import { NodeReceiptError } from '@app/node-protocol';
import { failureCategory, logDetail } from './checker-failure';

const uncut = { reason: undefined, idleMs: 400, totalMs: 2_900 };
const remote = (message: string, status?: number) =>
  new RemoteNodeError(`Node n-1: ${message}`, true, false, status);

describe('failureCategory', () => {
  it('names the kind of failure in fixed words, whatever the node wrote', () => {
    expect(failureCategory(remote('answered 502 <html>IP 10.0.0.5</html>', 502), uncut)).toBe(
      'refused (HTTP 5xx)',
    );
    expect(failureCategory(remote('answered 401', 401), uncut)).toBe('refused (HTTP 4xx)');
    expect(failureCategory(remote('unreachable (connect ECONNREFUSED 10.0.0.5:8080)'), uncut)).toBe(
      'unreachable',
    );
    expect(failureCategory(remote('the stream broke (socket hang up)'), uncut)).toBe('broken stream');
    expect(failureCategory(remote('the stream ended without a receipt'), uncut)).toBe('no receipt');
    expect(failureCategory(remote('MODEL_FAILED: see https://evil.example'), uncut)).toBe(
      'sent an error event',
    );
    expect(failureCategory(new NodeReceiptError('signed by 0xevil'), uncut)).toBe('bad receipt');
    expect(failureCategory(new Error('anything'), uncut)).toBe('failed');
  });

  it('says the guard cut the call before anything the aborted call threw', () => {
    const abort = new DOMException('aborted', 'AbortError');
    expect(failureCategory(abort, { ...uncut, reason: 'stalled' })).toBe('stalled (no token for 400 ms)');
    expect(failureCategory(abort, { ...uncut, reason: 'too slow' })).toBe(
      'too slow (no whole reply within 2900 ms)',
    );
  });
});

describe('logDetail', () => {
  it('keeps one line of at most 200 characters', () => {
    const detail = logDetail(new Error(`forged\nWARN line ${'A'.repeat(1_000)}`));
    expect(detail).not.toContain('\n');
    expect(detail.length).toBeLessThanOrEqual(201);
  });
});
