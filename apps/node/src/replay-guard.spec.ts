import { ReplayGuard } from './replay-guard';

describe('ReplayGuard', () => {
  it('accepts an inference id once and forgets the oldest beyond its capacity', () => {
    const guard = new ReplayGuard(2);
    expect(guard.accept('a')).toBe(true);
    expect(guard.accept('a')).toBe(false);
    expect(guard.accept('b')).toBe(true);
    expect(guard.accept('c')).toBe(true);
    expect(guard.accept('b')).toBe(false);
    expect(guard.accept('a')).toBe(true);
  });
});
