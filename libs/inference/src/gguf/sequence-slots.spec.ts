import { ModelError } from '../model-provider';
import { SequenceSlots } from './sequence-slots';

describe('SequenceSlots', () => {
  const never = new AbortController().signal;

  it('grants up to its size at once, then queues in order, then refuses with a retryable error', async () => {
    const slots = new SequenceSlots(2, 1);
    const first = await slots.acquire(never);
    await slots.acquire(never);
    expect(slots.busy).toBe(2);
    let queuedGranted = false;
    const queued = slots.acquire(never).then((release) => {
      queuedGranted = true;
      return release;
    });
    const refused = slots.acquire(never);
    await expect(refused).rejects.toBeInstanceOf(ModelError);
    await expect(refused).rejects.toMatchObject({ retryable: true, status: 503 });
    await Promise.resolve();
    expect(queuedGranted).toBe(false);
    first();
    first(); // a second call gives nothing back twice
    (await queued)();
    expect(queuedGranted).toBe(true);
    expect(slots.busy).toBe(1);
  });

  it('drops a waiter whose request is aborted, with an AbortError', async () => {
    const slots = new SequenceSlots(1, 4);
    const release = await slots.acquire(never);
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    release();
    expect(slots.busy).toBe(0);
  });
});
