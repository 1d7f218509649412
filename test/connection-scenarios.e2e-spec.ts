import type { IdleFigures } from '../load/connections/idle-report';
import type { ReconnectFigures } from '../load/connections/reconnect-report';
import { idleScenario } from '../load/scenarios/idle';
import { reconnectScenario } from '../load/scenarios/reconnect';
import { ApiHarness, signUp, startApi, TestUser } from './support/api-harness';

// The connection scenarios of `npm run load` (load/README.md) against a real api, at a size a test can afford: the
// figures they report are benchmarks; what is checked here is that they connect, count and resume as they say.
describe('load scenarios idle and reconnect (e2e)', () => {
  let api: ApiHarness;
  let creator: TestUser;

  beforeAll(async () => {
    api = await startApi({ CHAT_CONNECTS_PER_MINUTE: '100000' });
    creator = await signUp(api.url, 'creator');
  });
  afterAll(() => api.close());

  it('idle opens every connection, holds them with none dropped and probes /health meanwhile', async () => {
    const result = await idleScenario.run(
      [
        '--url',
        api.url,
        '--connections',
        '20',
        '--per-user',
        '5',
        '--hold-s',
        '1',
        '--health-every-ms',
        '200',
      ],
      {},
    );
    const figures = result.json as IdleFigures;
    expect(figures.parameters.users).toBe(4);
    expect(figures.open.opened).toBe(20);
    expect(figures.open.failed).toEqual({});
    expect(figures.hold.dropped).toEqual({});
    expect(figures.hold.openAtEnd).toBe(20);
    expect(figures.hold.health.ms?.n).toBeGreaterThan(0);
    // The api runs inside this test process, not as dist/apps/api/src/main.js: its memory is not guessed at.
    expect(figures.api).toBeUndefined();
    expect(result.markdown).toContain('20 of 20 held');
    expect(result.html).toContain('<svg');
  });

  it('reconnect brings every dropped connection back and every streaming reply out whole', async () => {
    const result = await reconnectScenario.run(
      [
        '--url',
        api.url,
        '--users',
        '5',
        '--creator-key',
        creator.apiKey,
        '--model-id',
        'embedded:ttft=100,tps=5',
        '--timeout-s',
        '30',
      ],
      {},
    );
    const figures = result.json as ReconnectFigures;
    expect(figures.storm.dropped).toBe(5);
    expect(figures.storm.reconnected).toBe(5);
    expect(figures.storm.timeTo.find((t) => t.share === 1)?.ms).not.toBeNull();
    const outcomes = Object.entries(figures.replies?.outcomes ?? {});
    expect(outcomes.reduce((sum, [, n]) => sum + n, 0)).toBe(5);
    expect(outcomes.every(([outcome]) => outcome.startsWith('whole'))).toBe(true);
    expect(figures.replies?.duplicateTokensDiffering).toBe(0);
  });
});
