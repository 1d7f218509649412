import { CompletionLimiter, CompletionLimits } from './completion-limiter';

/** Feeds pieces through a limiter as a stream would, and returns what was delivered piece by piece. */
function run(
  pieces: string[],
  limits: CompletionLimits,
): { delivered: string[]; reason: string | undefined } {
  const limiter = new CompletionLimiter(limits);
  const delivered: string[] = [];
  for (const piece of pieces) {
    delivered.push(limiter.push(piece));
    if (limiter.finished) break;
  }
  delivered.push(limiter.end());
  return { delivered, reason: limiter.reason };
}

describe('CompletionLimiter', () => {
  it('ends before a stop sequence split across pieces, never delivering a part of it', () => {
    const { delivered, reason } = run(['Stay', ' ca', 'lm and', ' carry on'], { stop: [' calm'] });
    expect(delivered.join('')).toBe('Stay');
    // The piece that could begin the stop was held back, not delivered and taken back later.
    expect(delivered.every((piece) => !piece.includes(' '))).toBe(true);
    expect(reason).toBe('stop');
  });

  it('delivers a held-back tail that never became a stop sequence', () => {
    const held = run(['Hello wor', 'ld'], { stop: ['world!'] });
    expect(held.delivered.join('')).toBe('Hello world');
    expect(held.reason).toBeUndefined();
    const atEnd = run(['Hello w'], { stop: ['world'] });
    expect(atEnd.delivered.join('')).toBe('Hello w');
  });

  it('ends at the earliest of several stop sequences', () => {
    expect(run(['one, two. three'], { stop: ['.', ','] }).delivered.join('')).toBe('one');
  });

  it('caps the reply at maxTokens in the platform token estimate (4 characters each)', () => {
    const { delivered, reason } = run(['Hello ', 'there, ', 'friend'], { maxTokens: 3 });
    expect(delivered.join('')).toBe('Hello there,');
    expect(reason).toBe('length');
  });

  it('says length only when more came after the cap was reached', () => {
    expect(run(['Hello there,'], { maxTokens: 3 }).reason).toBeUndefined();
    expect(run(['Hello there,', '!'], { maxTokens: 3 }).reason).toBe('length');
  });

  it('prefers whichever limit comes first in the text', () => {
    expect(run(['abcdefgh STOP'], { maxTokens: 1, stop: ['STOP'] })).toMatchObject({ reason: 'length' });
    expect(run(['ab STOP cdefgh'], { maxTokens: 2, stop: ['STOP'] })).toMatchObject({
      delivered: ['ab ', ''],
      reason: 'stop',
    });
  });

  it('never splits a surrogate pair at the cap', () => {
    const { delivered } = run(['abc😀def'], { maxTokens: 1 });
    expect(delivered.join('')).toBe('abc');
  });
});
