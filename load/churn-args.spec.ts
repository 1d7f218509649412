import { UsageError } from './args';
import { killSchedule, parseChurnArgs } from './churn-args';
import { takeoverOutcomes } from './churn-report';

describe('node-churn options', () => {
  it('defaults to issue 11’s benchmark: 20 chats/s for 60 s, one message each, a paced model, 3 nodes, 10 s', () => {
    const options = parseChurnArgs([]);
    expect(options.load).toMatchObject({ rate: 20, durationS: 60, turns: 1, modelId: 'embedded:local' });
    expect(options).toMatchObject({ nodes: 3, killEveryS: 10, modelId: 'embedded:local' });
  });

  it('finds the api as chat-load and verify do (PUBLIC_URL, else HOST:PORT)', () => {
    expect(parseChurnArgs([], { PORT: '3500' }).load.url).toBe('http://localhost:3500');
    expect(parseChurnArgs([], { PUBLIC_URL: 'http://api.test:8080' }).load.url).toBe('http://api.test:8080');
  });

  it('lets the user override chat-load’s options and its own, and refuses bad ones', () => {
    const options = parseChurnArgs([
      '--rate',
      '5',
      '--nodes=4',
      '--kill-every',
      '2.5',
      '--model-id',
      'embedded',
    ]);
    expect(options.load.rate).toBe(5);
    expect(options.start).toBe(false);
    expect(parseChurnArgs(['--start', '--rate', '5']).start).toBe(true);
    expect(options).toMatchObject({ nodes: 4, killEveryS: 2.5, modelId: 'embedded' });
    expect(() => parseChurnArgs(['--nodes', '0'])).toThrow(UsageError);
    expect(() => parseChurnArgs(['--kill-every', '-1'])).toThrow(UsageError);
    expect(() => parseChurnArgs(['--bogus', '1'])).toThrow(UsageError);
  });

  it('kills one node every interval of the window, round robin, none at its very end', () => {
    expect(killSchedule(parseChurnArgs([]))).toEqual([
      { atS: 0, node: 0 },
      { atS: 10, node: 1 },
      { atS: 20, node: 2 },
      { atS: 30, node: 0 },
      { atS: 40, node: 1 },
      { atS: 50, node: 2 },
    ]);
    expect(killSchedule(parseChurnArgs(['--kill-every', '0']))).toEqual([]);
    expect(killSchedule(parseChurnArgs(['--duration', '25', '--nodes', '2']))).toEqual([
      { atS: 0, node: 0 },
      { atS: 10, node: 1 },
      { atS: 20, node: 0 },
    ]);
  });
});

describe('takeover outcomes', () => {
  it('counts every reply a takeover hit, and how the measured ones ended', () => {
    const outcomes = new Map<string, string | undefined>([
      ['a', undefined],
      ['b', 'MODEL_FAILED'],
      ['c', undefined],
    ]);
    // 'w' was a warm-up reply: seen, but not among the measured outcomes.
    expect(takeoverOutcomes(new Set(['a', 'b', 'w']), outcomes)).toEqual({
      seen: 3,
      measured: 2,
      completed: 1,
      failed: { MODEL_FAILED: 1 },
    });
  });
});
