import { foldIntoSummary, SUMMARY_MAX_CHARS } from './rolling-summary';

describe('foldIntoSummary', () => {
  it('keeps the first sentence of each folded user message, after what was there', () => {
    const first = foldIntoSummary(null, ['I am planning a trip to Japan. Any tips?', 'We leave in May.']);
    expect(first).toBe('Earlier, the user said: I am planning a trip to Japan. | We leave in May.');
    expect(foldIntoSummary(first, ['My budget is small.'])).toBe(
      'Earlier, the user said: I am planning a trip to Japan. | We leave in May. | My budget is small.',
    );
  });

  it('stays within its size, dropping the oldest points first', () => {
    const long = Array.from({ length: 100 }, (_, i) => `Point number ${i} is here.`);
    const summary = foldIntoSummary(null, long);
    expect(summary.length).toBeLessThanOrEqual(SUMMARY_MAX_CHARS);
    expect(summary).toContain('Point number 99');
    expect(summary).not.toContain('Point number 0 ');
  });
});
