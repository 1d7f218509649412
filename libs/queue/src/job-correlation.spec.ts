import { currentLogContext, runInLogContext } from '@app/common/log-context';
import type { Job } from 'bullmq';
import { correlated, runInJobContext } from './job-correlation';

describe('job correlation', () => {
  it('copies the ids of the current context into a payload, and leaves one made outside a context as it is', () => {
    const payload = { inferenceId: 'i-1' };
    expect(correlated(payload)).toBe(payload);
    const inside = runInLogContext(
      { requestId: 'r-1', messageId: 'm-1', jobId: 'j-0', queue: 'proofs' },
      () => correlated(payload),
    );
    expect(inside).toEqual({ inferenceId: 'i-1', correlation: { requestId: 'r-1', messageId: 'm-1' } });
  });

  it('runs a job in the context its payload carries, with its own id and queue', async () => {
    const job = {
      id: 'attest-i-1',
      queueName: 'proofs',
      data: { inferenceId: 'i-1', correlation: { requestId: 'r-1', messageId: 'm-1', inferenceId: 7 } },
    } as unknown as Job;
    const seen = await runInJobContext(job, async () => {
      await Promise.resolve();
      return { ...currentLogContext(), next: correlated({}) };
    });
    expect(seen).toEqual({
      requestId: 'r-1',
      messageId: 'm-1',
      jobId: 'attest-i-1',
      queue: 'proofs',
      next: { correlation: { requestId: 'r-1', messageId: 'm-1' } },
    });
  });

  it('runs a job without correlation ids in a context of its own id only', () => {
    const job = { id: '42', queueName: 'system', data: { sentAt: 1 } } as unknown as Job;
    expect(runInJobContext(job, () => currentLogContext())).toEqual({ jobId: '42', queue: 'system' });
  });
});
