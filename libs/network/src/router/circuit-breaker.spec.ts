import { CircuitBreaker } from './circuit-breaker';

describe('CircuitBreaker', () => {
  const t0 = 1_000_000;

  it('stays closed through two failures and opens on the third in a row', () => {
    const breaker = new CircuitBreaker();
    breaker.failed('n', t0);
    breaker.failed('n', t0);
    expect(breaker.allows('n', t0)).toBe(true);
    breaker.failed('n', t0);
    expect(breaker.allows('n', t0)).toBe(false);
  });

  it('forgets failures after a success: only consecutive failures open it', () => {
    const breaker = new CircuitBreaker();
    breaker.failed('n', t0);
    breaker.failed('n', t0);
    breaker.succeeded('n');
    breaker.failed('n', t0);
    breaker.failed('n', t0);
    expect(breaker.state('n', t0)).toBe('closed');
  });

  it('lets one trial through 10 s after opening; its success closes the circuit', () => {
    const breaker = new CircuitBreaker();
    for (let i = 0; i < 3; i += 1) breaker.failed('n', t0);
    expect(breaker.allows('n', t0 + 9_999)).toBe(false);
    expect(breaker.allows('n', t0 + 10_000)).toBe(true);
    breaker.claim('n', t0 + 10_000);
    expect(breaker.allows('n', t0 + 10_001)).toBe(false);
    breaker.succeeded('n');
    expect(breaker.state('n', t0 + 10_002)).toBe('closed');
  });

  it('reopens for another 10 s when the trial fails', () => {
    const breaker = new CircuitBreaker();
    for (let i = 0; i < 3; i += 1) breaker.failed('n', t0);
    breaker.claim('n', t0 + 10_000);
    breaker.failed('n', t0 + 10_500);
    expect(breaker.allows('n', t0 + 20_000)).toBe(false);
    expect(breaker.allows('n', t0 + 20_500)).toBe(true);
  });

  it('frees the trial when it ended without telling anything (a cancel)', () => {
    const breaker = new CircuitBreaker();
    for (let i = 0; i < 3; i += 1) breaker.failed('n', t0);
    breaker.claim('n', t0 + 10_000);
    breaker.released('n');
    expect(breaker.allows('n', t0 + 10_001)).toBe(true);
  });

  it('opens at once when tripped (nothing listens at the node), with the same half-open trial after 10 s', () => {
    const breaker = new CircuitBreaker();
    breaker.tripped('n', t0);
    expect(breaker.allows('n', t0 + 1)).toBe(false);
    expect(breaker.allows('n', t0 + 10_000)).toBe(true);
  });

  it('isOpen reads without moving on: open until 10 s, then not, and the half-open trial is still free', () => {
    const breaker = new CircuitBreaker();
    breaker.failed('n', t0);
    expect(breaker.isOpen('n', t0)).toBe(false);
    breaker.tripped('n', t0);
    expect(breaker.isOpen('n', t0 + 9_999)).toBe(true);
    expect(breaker.isOpen('n', t0 + 10_000)).toBe(false);
    expect(breaker.isOpen('other', t0)).toBe(false);
    expect(breaker.allows('n', t0 + 10_000)).toBe(true);
    breaker.claim('n', t0 + 10_000);
    expect(breaker.isOpen('n', t0 + 10_001)).toBe(false);
  });

  it('keeps nodes apart', () => {
    const breaker = new CircuitBreaker();
    for (let i = 0; i < 3; i += 1) breaker.failed('a', t0);
    expect(breaker.allows('b', t0)).toBe(true);
  });
});
