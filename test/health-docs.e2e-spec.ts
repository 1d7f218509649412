import { AppConfig } from '@app/config';
import { DEV_CHAIN_ID } from '@app/settlement';
import request from 'supertest';
import { ApiHarness, startApi } from './support/api-harness';

describe('health and OpenAPI (e2e)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('reports PostgreSQL and Redis as up', async () => {
    const response = await request(api.url).get('/health').expect(200);
    expect(response.body).toEqual({ status: 'ok', checks: { postgres: 'up', redis: 'up' } });
  });

  it('serves an OpenAPI document generated from the code, covering the documented routes', async () => {
    const response = await request(api.url).get('/docs-json').expect(200);
    const paths = Object.keys(response.body.paths as object);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/users',
        '/v1/me',
        '/v1/personas',
        '/v1/personas/{idOrSlug}',
        '/v1/personas/{id}',
        '/v1/personas/{id}/versions',
        '/v1/personas/import',
        '/v1/personas/{id}/export',
        '/v1/conversations',
        '/v1/conversations/{id}/messages',
        '/v1/personas/{id}/memories',
        '/v1/memories/{id}',
        '/v1/me/export',
        '/v1/models',
        '/v1/chat/completions',
        '/health',
      ]),
    );
    expect(response.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    await request(api.url).get('/docs').expect(200).expect('Content-Type', /html/);
  });

  it('tags every response with a correlation id, echoing a sane one from the caller', async () => {
    const mine = await request(api.url).get('/health').set('X-Request-Id', 'trace-123').expect(200);
    expect(mine.header['x-request-id']).toBe('trace-123');
    const hostile = await request(api.url)
      .get('/health')
      .set('X-Request-Id', 'a b; DROP TABLE "User"')
      .expect(200);
    expect(hostile.header['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('health when Redis is unreachable (e2e)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ REDIS_URL: 'redis://127.0.0.1:1' });
  });
  afterAll(() => api.close());

  it('answers 503 and says which dependency is down', async () => {
    const response = await request(api.url).get('/health').expect(503);
    expect(response.body).toEqual({ status: 'unavailable', checks: { postgres: 'up', redis: 'down' } });
  });
});

describe('chain facts for verifiers (e2e)', () => {
  const secret = 'provider-key-s3cr3t';
  let api: ApiHarness;
  beforeAll(async () => {
    // A provider URL carrying its key in the path, as hosted RPC providers hand them out; the dev chain ignores it.
    const rpcUrl = new URL(AppConfig.fromProcessEnv().chain.rpcUrl);
    rpcUrl.pathname = `/v3/${secret}`;
    api = await startApi({
      CHAIN_RPC_URL: rpcUrl.toString(),
      CHAIN_PUBLIC_RPC_URL: 'https://rpc.example.org/',
    });
  });
  afterAll(() => api.close());

  it('are public and publish CHAIN_PUBLIC_RPC_URL, never the configured RPC URL with its key', async () => {
    const response = await request(api.url).get('/v1/chain').expect(200);
    expect(response.body).toEqual({
      chainId: DEV_CHAIN_ID,
      rpcUrl: 'https://rpc.example.org/',
      anchorContract: AppConfig.fromProcessEnv().chain.anchorContract,
    });
    expect(response.text).not.toContain(secret);
  });

  it('publish the dev chain URL when CHAIN_PUBLIC_RPC_URL is not set', () => {
    expect(AppConfig.fromProcessEnv({ CHAIN_PUBLIC_RPC_URL: '' }).chain.publicRpcUrl).toBe(
      'http://127.0.0.1:8545',
    );
  });
});
