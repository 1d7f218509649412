import { PrismaService } from '@app/database';
import { dbFactory } from '@app/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { runNodeRoi } from '../scripts/node-roi';
import { ApiHarness, signUp } from './support/api-harness';
import { NetworkFixture, startNetwork } from './support/network-fixture';
import { waitFor } from './support/wait-for';

const HOUR = 3_600_000;
const MONTH_HOURS = 730;

interface Outcome {
  tokens: number;
  revenue: number;
  costs: Record<string, number>;
  profit: number;
  roi: number | null;
  paybackMonths: number | null;
}
interface Report {
  nodeId: string;
  window: string;
  from: string;
  to: string;
  measured: Record<string, number>;
  assumptions: Record<string, number>;
  monthly: Outcome & { requests: number };
  breakEvenPricePer1kTokens: number | null;
  note: string | null;
  scenarios: (Outcome & { name: string; modelShare: number })[];
  sensitivity: { priceMultipliers: number[]; demandMultipliers: number[]; profit: number[][] };
}

describe('GET /v1/nodes/:id/economics: an operator’s figures from known traffic (e2e)', () => {
  let network: NetworkFixture | undefined;
  let api: ApiHarness;
  let prisma: PrismaService;
  // The last complete hour ends here; the api measures complete hours only.
  let to: number;

  beforeAll(async () => {
    // A database of this file's own: the model shares below are of this file's traffic alone.
    network = await startNetwork(
      {
        REDIS_PREFIX: `economics-${randomBytes(4).toString('hex')}`,
        NETWORK_ROLLUP_MS: '200',
        // One heartbeat a minute: 1,440 expected in 24 hours.
        NODE_HEARTBEAT_MS: '60000',
        NODE_PRICE_PER_1K_TOKENS: '0.25',
        NODE_HARDWARE_USD: '1460',
        LOG_LEVEL: 'error',
      },
      { ownDatabase: true },
    );
    ({ api, prisma } = network);
  }, 60_000);

  afterAll(async () => {
    await network?.close();
  });

  const node = (operatorId: string, modelIds: string[], createdAt: Date): Promise<string> =>
    network!.insertNode(operatorId, { modelIds, createdAt });

  const served = (
    nodeId: string,
    count: number,
    at: number,
    promptTokens = 2_000,
    completionTokens = 1_000,
  ) =>
    Array.from({ length: count }, () => ({
      nodeId,
      promptTokens,
      completionTokens,
      createdAt: new Date(at),
    }));

  let n1: string;
  let n4: string;

  it('reports measured traffic, uptime, share, costs, ROI, payback, scenarios and sensitivity exactly', async () => {
    const alice = await signUp(api.url, 'operator');
    const bob = await signUp(api.url, 'operator');
    // The api's hour must be the test's: not started in the last 2 minutes of an hour (the whole file runs in well under that).
    const intoHour = Date.now() % HOUR;
    if (intoHour > HOUR - 120_000)
      await new Promise((resolve) => setTimeout(resolve, HOUR - intoHour + 1_000));
    to = Math.floor(Date.now() / HOUR) * HOUR;
    const tenDaysAgo = new Date(to - 240 * HOUR);
    n1 = await node(alice.id, ['model-e'], tenDaysAgo);
    const n2 = await node(bob.id, ['model-e'], tenDaysAgo);
    const n3 = await node(bob.id, ['model-z'], tenDaysAgo);
    // Registered 3 hours before the last complete hour ended: measured over 3 hours, not diluted over 24.
    n4 = await node(bob.id, ['model-y'], new Date(to - 3 * HOUR));

    // n1: 4 replies of 3,000 tokens in the last 24 hours, one more 30 hours ago; n2 shares model-e; n3 does not.
    await dbFactory.inferenceRecords(prisma, [
      ...served(n1, 2, to - 2 * HOUR + 300_000),
      ...served(n1, 2, to - 20 * HOUR),
      ...served(n1, 1, to - 30 * HOUR),
      ...served(n2, 2, to - 5 * HOUR),
      ...served(n3, 10, to - 4 * HOUR),
      ...served(n4, 1, to - HOUR, 600, 0),
    ]);
    // 1,080 of the 1,440 heartbeats expected in the last 24 hours: uptime 0.75 (none before).
    await prisma.nodeHeartbeat.createMany({
      data: Array.from({ length: 1_080 }, (_, i) => ({
        nodeId: n1,
        at: new Date(to - 24 * HOUR + i * 80_000),
      })),
    });
    // A burst inside one interval (a node heartbeating faster, or a replayed copy) is still one interval heard.
    await prisma.nodeHeartbeat.createMany({
      data: Array.from({ length: 20 }, (_, i) => ({ nodeId: n1, at: new Date(to - 24 * HOUR + 1 + i) })),
    });

    await waitFor(async () => {
      const body = (await request(api.url).get('/v1/network').expect(200)).body as {
        windows: Record<string, { requests: number }>;
      };
      return body.windows['7d']?.requests === 18;
    }, 'the worker to roll the traffic up');

    const assumptions = {
      pricePer1kTokens: 0.5,
      hardwareUsd: 730,
      lifetimeMonths: 10,
      watts: 1000,
      kwhUsd: 0.1,
      bandwidthUsdPerMonth: 3,
      hostingUsdPerMonth: 7,
    };
    const report = (
      await request(api.url)
        .get(`/v1/nodes/${n1}/economics`)
        .query({ window: '24h', ...assumptions })
        .expect(200)
    ).body as Report;

    expect(report).toMatchObject({
      nodeId: n1,
      window: '24h',
      from: new Date(to - 24 * HOUR).toISOString(),
      to: new Date(to).toISOString(),
      assumptions,
    });
    expect(report.measured).toEqual({
      hours: 24,
      requests: 4,
      promptTokens: 8_000,
      completionTokens: 4_000,
      heartbeats: 1_080,
      expectedHeartbeats: 1_440,
      uptime: 0.75,
      modelShare: 12_000 / 18_000,
    });
    // A month is 730 / 24 of the window: 365,000 tokens at $0.50 per 1k.
    const m = report.monthly;
    expect(m.requests).toBeCloseTo((4 * MONTH_HOURS) / 24, 9);
    expect(m.tokens).toBeCloseTo(365_000, 6);
    expect(m.revenue).toBeCloseTo(182.5, 9);
    expect(m.costs.depreciation).toBeCloseTo(73, 9); // 730 / 10
    expect(m.costs.power).toBeCloseTo(54.75, 9); // 1 kW × 730 h × 0.75 × $0.10
    expect(m.costs.bandwidth).toBe(3);
    expect(m.costs.hosting).toBe(7);
    expect(m.costs.total).toBeCloseTo(137.75, 9);
    expect(m.profit).toBeCloseTo(44.75, 9);
    expect(m.roi).toBeCloseTo((44.75 * 10) / 730, 9);
    expect(m.paybackMonths).toBeCloseTo(730 / (182.5 - 64.75), 9);
    expect(report.breakEvenPricePer1kTokens).toBeCloseTo(137.75 / 365, 9);

    const by = Object.fromEntries(report.scenarios.map((s) => [s.name, s]));
    expect(by.demandHalved.profit).toBeCloseTo(91.25 - 137.75, 9);
    expect(by.operatorsDoubled).toMatchObject({ modelShare: 1 / 3 });
    expect(by.operatorsDoubled.revenue).toBeCloseTo(91.25, 9);
    expect(by.priceHalved.revenue).toBeCloseTo(91.25, 9);
    expect(by.priceHalved.paybackMonths).toBeCloseTo(730 / (91.25 - 64.75), 9);
    // Idle: up as measured, so it pays the measured month's every cost and earns nothing.
    expect(by.idle.costs).toEqual(m.costs);
    expect(by.idle.profit).toBeCloseTo(-137.75, 9);
    expect(by.idle.paybackMonths).toBeNull();
    const { priceMultipliers, demandMultipliers, profit } = report.sensitivity;
    demandMultipliers.forEach((d, i) =>
      priceMultipliers.forEach((p, j) => expect(profit[i][j]).toBeCloseTo(182.5 * d * p - 137.75, 9)),
    );

    // 7 days: the reply 30 hours ago counts, the heartbeats cover 24 of 168 hours.
    const week = (await request(api.url).get(`/v1/nodes/${n1}/economics`).query({ window: '7d' }).expect(200))
      .body as Report;
    expect(week.measured).toMatchObject({
      hours: 168,
      requests: 5,
      promptTokens: 10_000,
      expectedHeartbeats: 10_080,
    });
    expect(week.measured.uptime).toBeCloseTo(1_080 / 10_080, 12);
    // Without assumptions in the query, the NODE_* settings apply.
    expect(week.assumptions).toMatchObject({ pricePer1kTokens: 0.25, hardwareUsd: 1460, lifetimeMonths: 36 });
    expect(week.monthly.revenue).toBeCloseTo(((15_000 * MONTH_HOURS) / 168 / 1000) * 0.25, 9);

    // A node younger than the window is measured since it registered.
    const young = (
      await request(api.url).get(`/v1/nodes/${n4}/economics`).query({ window: '24h' }).expect(200)
    ).body as Report;
    expect(young.measured).toMatchObject({ hours: 3, requests: 1, promptTokens: 600, modelShare: 1 });
    expect(young.from).toBe(new Date(to - 3 * HOUR).toISOString());
    expect(young.monthly.tokens).toBeCloseTo((600 * MONTH_HOURS) / 3, 9);
    expect(report.note).toBeNull();
    expect(young.note).toBeNull();
  }, 240_000);

  it('is public: another user and an anonymous caller read the same figures', async () => {
    const stranger = await signUp(api.url, 'consumer');
    const path = `/v1/nodes/${n1}/economics?window=24h`;
    const anonymous = (await request(api.url).get(path).expect(200)).body as Report;
    const other = (await request(api.url).get(path).set(stranger.auth).expect(200)).body as Report;
    expect(other).toEqual(anonymous);
    expect(other.measured.requests).toBe(4);

    // The api's in-process node lists no models (it serves what the api runs): its share is of all nodes' tokens.
    const nodes = (await request(api.url).get('/v1/nodes').expect(200)).body as {
      data: { id: string; operator: string | null }[];
    };
    const platform = nodes.data.find((n) => n.operator === null);
    if (!platform) throw new Error('no in-process node');
    const own = (await request(api.url).get(`/v1/nodes/${platform.id}/economics`).expect(200)).body as Report;
    expect(own.measured).toMatchObject({ requests: 0, modelShare: 0 });
  });

  it.each([
    ['window=1y', 'window'],
    ['pricePer1kTokens=-1', 'pricePer1kTokens'],
    ['hardwareUsd=abc', 'hardwareUsd'],
    ['lifetimeMonths=0', 'lifetimeMonths'],
    ['kwhUsd=1e400', 'kwhUsd'],
    ['watts=', 'watts'],
    ['hostingUsdPerMonth=%20', 'hostingUsdPerMonth'],
    ['surprise=1', 'surprise'],
  ])('refuses %s with a 400 naming the field', async (query, field) => {
    const response = await request(api.url).get(`/v1/nodes/${n1}/economics?${query}`).expect(400);
    const body = response.body as { error: { code: string; details: { field: string }[] } };
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details.map((d) => d.field)).toContain(field);
  });

  it('npm run node:roi prints the same figures as text, and the api’s refusal', async () => {
    const out: string[] = [];
    const flags = ['--api', api.url, '--node', n1, '--window', '24h', '--price-per-1k-tokens', '0.5'];
    const args = [...flags, '--hardware-usd', '730', '--lifetime-months', '10', '--watts', '1000'];
    const more = ['--kwh-usd', '0.1', '--bandwidth-usd', '3', '--hosting-usd', '7'];
    expect(await runNodeRoi([...args, ...more], (text) => out.push(text))).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('uptime               75.0% (1,080 of 1,440 heartbeats)');
    expect(text).toContain('revenue              $182.50');
    expect(text).toContain('profit               $44.75');
    expect(text).toContain('(24.0 h measured)');
    expect(text).toMatch(/idle\s+0\.0%\s+\$0\.00\s+\$137\.75\s+-\$137\.75 {2}never/);

    const refused: string[] = [];
    const code = await runNodeRoi(['--api', api.url, '--node', n1, '--watts=-5'], (t) => refused.push(t));
    expect(code).toBe(1);
    expect(refused.join('')).toMatch(/^400: .*watts/);
  });

  it('a node registered in the current hour: nothing measured yet, said plainly by the api and by node:roi', async () => {
    const carol = await signUp(api.url, 'operator');
    const fresh = await node(carol.id, ['model-f'], new Date(to + 60_000));
    const next = new Date(to + HOUR).toISOString().slice(11, 16);
    const report = (await request(api.url).get(`/v1/nodes/${fresh}/economics`).expect(200)).body as Report;
    expect(report.measured).toMatchObject({ hours: 0, requests: 0 });
    expect(report.note).toBe(
      `No complete hour measured yet (next at ${next} UTC): the figures are assumptions over zero traffic, not a measurement.`,
    );
    const out: string[] = [];
    expect(await runNodeRoi(['--api', api.url, '--node', fresh], (text) => out.push(text))).toBe(0);
    expect(out.join('\n')).toContain(`no complete hour measured yet (next at ${next} UTC)`);
    expect(out.join('\n')).not.toMatch(/uptime|revenue|profit|Scenarios/);
  });

  it('node:roi names the api it could not reach', async () => {
    const out: string[] = [];
    const dead = 'http://127.0.0.1:9';
    expect(await runNodeRoi(['--api', dead, '--node', n1], (text) => out.push(text))).toBe(2);
    expect(out.join('\n')).toMatch(/Could not reach the api at http:\/\/127\.0\.0\.1:9 /);
  });

  it('404 for an unknown node, 400 for an id that is not one', async () => {
    const missing = await request(api.url).get(`/v1/nodes/${randomUUID()}/economics`).expect(404);
    expect((missing.body as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    await request(api.url).get('/v1/nodes/not-a-uuid/economics').expect(400);
  });
});
