import { StallGuard } from './stall-guard';

describe('StallGuard', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('aborts as stalled when nothing arrives for idleMs; each touch starts the silence again', () => {
    const guard = new StallGuard(100, 10_000);
    jest.advanceTimersByTime(90);
    guard.touch();
    jest.advanceTimersByTime(90);
    expect(guard.signal.aborted).toBe(false);
    jest.advanceTimersByTime(10);
    expect(guard.signal.aborted).toBe(true);
    expect(guard.reason).toBe('stalled');
  });

  it('aborts as too slow at totalMs however often something arrives', () => {
    const guard = new StallGuard(100, 1_000);
    for (let i = 0; i < 10; i += 1) {
      jest.advanceTimersByTime(99);
      guard.touch();
    }
    expect(guard.signal.aborted).toBe(false);
    jest.advanceTimersByTime(10);
    expect(guard.signal.aborted).toBe(true);
    expect(guard.reason).toBe('too slow');
  });

  it('never aborts once disposed, and says nothing of a call that failed by itself', () => {
    const guard = new StallGuard(100, 1_000);
    guard.dispose();
    jest.advanceTimersByTime(5_000);
    expect(guard.signal.aborted).toBe(false);
    expect(guard.reason).toBeUndefined();
  });
});
