import { estimateTokens, fitRecentHistory } from './token-budget';

describe('token budget', () => {
  it('estimates ceil(characters / 4)', () => {
    expect([estimateTokens(''), estimateTokens('abcd'), estimateTokens('abcde')]).toEqual([0, 1, 2]);
  });

  it('keeps the newest whole turns that fit', () => {
    const history = [
      { role: 'user' as const, content: 'a'.repeat(8) }, // 2 + 4 overhead
      { role: 'assistant' as const, content: 'b'.repeat(8) },
      { role: 'user' as const, content: 'c'.repeat(8) },
    ];
    expect(fitRecentHistory(history, 13)).toEqual({ kept: history.slice(1), dropped: 1 });
    expect(fitRecentHistory(history, 18)).toEqual({ kept: history, dropped: 0 });
    expect(fitRecentHistory(history, 0)).toEqual({ kept: [], dropped: 3 });
  });
});
