import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { GatewayDirectory, parseGateways, resolveGatewayUrl } from './gateway-directory';

describe('resolveGatewayUrl', () => {
  it("keeps an absolute URL, and puts a relative one under the api's URL, path prefix included", () => {
    expect(resolveGatewayUrl('https://node-1.example/ohttp', 'http://api:3000')?.href).toBe(
      'https://node-1.example/ohttp',
    );
    expect(resolveGatewayUrl('/v1/privacy/ohttp', 'http://api:3000')?.href).toBe(
      'http://api:3000/v1/privacy/ohttp',
    );
    expect(resolveGatewayUrl('/v1/privacy/ohttp', 'https://x.example/api/')?.href).toBe(
      'https://x.example/api/v1/privacy/ohttp',
    );
    expect(resolveGatewayUrl('file:///etc/passwd', 'http://api:3000')).toBeUndefined();
    for (const url of [
      'http://127.0.0.1:9000/admin/exec?x=/ohttp',
      'http://node.example/ohttp?',
      'http://node.example/ohttp#x',
      'http://user:pass@node.example/ohttp',
      '/v1/privacy/ohttp?x=1',
    ])
      expect([url, resolveGatewayUrl(url, 'http://api:3000')]).toEqual([url, undefined]);
  });

  it('skips malformed entries and refuses an answer without data', () => {
    const gateways = parseGateways(
      {
        data: [
          { nodeId: 'n1', gatewayUrl: '/v1/privacy/ohttp' },
          { nodeId: 'n2', gatewayUrl: 'javascript:alert(1)' },
          { nodeId: 3, gatewayUrl: 'http://x' },
          null,
        ],
      },
      'http://api',
    );
    expect([...gateways.keys()]).toEqual(['n1']);
    expect(() => parseGateways({ nodes: [] }, 'http://api')).toThrow(/data/);
  });
});

describe('GatewayDirectory', () => {
  let api: Server;
  let apiUrl: string;
  let reads = 0;
  let entries: { nodeId: string; gatewayUrl: string }[] = [];
  let directory: GatewayDirectory | undefined;

  beforeAll(async () => {
    api = createServer((req, res) => {
      reads += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: entries }));
    });
    api.listen(0, '127.0.0.1');
    await once(api, 'listening');
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });
  afterEach(() => directory?.stop());
  afterAll(() => api.close());

  it('finds a node added since the last read, but reads again on a miss at most once per interval', async () => {
    let now = 0;
    reads = 0;
    entries = [{ nodeId: 'n1', gatewayUrl: 'http://node-1/ohttp' }];
    directory = new GatewayDirectory({
      apiUrl,
      logger: pino({ level: 'silent' }),
      missRefreshMs: 5_000,
      now: () => now,
    });
    await directory.start();
    expect(reads).toBe(1);
    expect(await directory.lookup('n1')).toEqual({ kind: 'found', url: new URL('http://node-1/ohttp') });

    entries.push({ nodeId: 'n2', gatewayUrl: 'http://node-2/ohttp' });
    now = 1_000;
    // Too soon after the last read: unknown ids cannot make the relay hammer the api.
    for (let i = 0; i < 20; i += 1) expect(await directory.lookup(`bogus-${i}`)).toEqual({ kind: 'unknown' });
    expect(await directory.lookup('n2')).toEqual({ kind: 'unknown' });
    expect(reads).toBe(1);
    now = 6_000;
    expect((await directory.lookup('n2')).kind).toBe('found');
    expect(reads).toBe(2);
  });

  it('says unavailable while the api has never answered, and keeps the last list when it stops answering', async () => {
    let now = 0;
    const down = new GatewayDirectory({
      apiUrl: 'http://127.0.0.1:1',
      logger: pino({ level: 'silent' }),
      now: () => now,
    });
    await down.start();
    expect(await down.lookup('n1')).toEqual({ kind: 'unavailable' });
    down.stop();

    entries = [{ nodeId: 'n1', gatewayUrl: 'http://node-1/ohttp' }];
    directory = new GatewayDirectory({ apiUrl, logger: pino({ level: 'silent' }), now: () => now });
    await directory.start();
    entries = null as never; // the api now answers without a list
    now = 60_000;
    await directory.refresh();
    expect((await directory.lookup('n1')).kind).toBe('found');
  });
});
