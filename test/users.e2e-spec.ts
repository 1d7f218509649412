import request from 'supertest';
import { AppConfig } from '@app/config';
import { ApiHarness, signUp, startApi, uniqueHandle } from './support/api-harness';

describe('accounts and API keys (e2e)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('signs up a creator, shows the key once, and authenticates with it', async () => {
    const handle = uniqueHandle('ada');
    const response = await request(api.url).post('/v1/users').send({ handle, role: 'creator' }).expect(201);
    expect(response.body).toMatchObject({ handle, role: 'creator' });
    expect(response.body.apiKey).toMatch(/^tp_[A-Za-z0-9_-]{43}$/);

    const me = await request(api.url)
      .get('/v1/me')
      .set('Authorization', `Bearer ${response.body.apiKey}`)
      .expect(200);
    expect(me.body).toEqual({ id: response.body.id, handle, role: 'creator' });

    const keys = await request(api.url)
      .get('/v1/me/keys')
      .set('Authorization', `Bearer ${response.body.apiKey}`)
      .expect(200);
    expect(keys.body.data).toHaveLength(1);
    expect(JSON.stringify(keys.body)).not.toContain(response.body.apiKey);
  });

  it('refuses a taken handle with 409 and keeps the first account working', async () => {
    const first = await signUp(api.url, 'consumer');
    const again = await request(api.url)
      .post('/v1/users')
      .send({ handle: first.handle, role: 'creator' })
      .expect(409);
    expect(again.body.error.code).toBe('HANDLE_TAKEN');
    await request(api.url).get('/v1/me').set(first.auth).expect(200);
  });

  it('does not let anyone sign up as admin', async () => {
    const response = await request(api.url)
      .post('/v1/users')
      .send({ handle: uniqueHandle(), role: 'admin' })
      .expect(400);
    expect(response.body.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(response.body.error.details[0].field).toBe('role');
  });

  it('answers 401 in the documented shape for missing, malformed, unknown and revoked keys', async () => {
    const missing = await request(api.url).get('/v1/me').expect(401);
    expect(missing.body.error.code).toBe('UNAUTHENTICATED');
    expect(missing.body.error.message).toContain('Authorization: Bearer');

    await request(api.url).get('/v1/me').set('Authorization', 'Bearer not-a-key').expect(401);
    await request(api.url)
      .get('/v1/me')
      .set('Authorization', `Bearer tp_${'x'.repeat(43)}`)
      .expect(401);

    const user = await signUp(api.url, 'creator');
    const second = await request(api.url)
      .post('/v1/me/keys')
      .set(user.auth)
      .send({ name: 'laptop' })
      .expect(201);
    await request(api.url).get('/v1/me').set('Authorization', `Bearer ${second.body.apiKey}`).expect(200);
    await request(api.url).delete(`/v1/me/keys/${second.body.id}`).set(user.auth).expect(204);
    const revoked = await request(api.url)
      .get('/v1/me')
      .set('Authorization', `Bearer ${second.body.apiKey}`)
      .expect(401);
    expect(revoked.body.error.message).toContain('revoked');
    await request(api.url).get('/v1/me').set(user.auth).expect(200);
  });

  it("cannot revoke someone else's key", async () => {
    const alice = await signUp(api.url, 'creator');
    const bob = await signUp(api.url, 'creator');
    const aliceKeys = await request(api.url).get('/v1/me/keys').set(alice.auth).expect(200);
    await request(api.url).delete(`/v1/me/keys/${aliceKeys.body.data[0].id}`).set(bob.auth).expect(404);
    await request(api.url).get('/v1/me').set(alice.auth).expect(200);
  });
});

describe('sign-up switched off (e2e)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ SIGNUP_OPEN: 'false' });
  });
  afterAll(() => api.close());

  it('refuses open sign-up with a message saying what to do', async () => {
    const response = await request(api.url)
      .post('/v1/users')
      .send({ handle: uniqueHandle(), role: 'consumer' })
      .expect(403);
    expect(response.body.error.code).toBe('SIGNUP_DISABLED');
  });
});

describe('the sign-up limit (e2e)', () => {
  // An api with its own Redis prefix, so its per-address counters start at zero whatever else this run signed up.
  async function limitedApi(env: Record<string, string>): Promise<ApiHarness> {
    return startApi({
      ...env,
      REDIS_PREFIX: `${AppConfig.fromProcessEnv().redisPrefix}-${uniqueHandle('signup')}`,
    });
  }
  const signUpAs = (api: ApiHarness, headers: Record<string, string> = {}) =>
    request(api.url).post('/v1/users').set(headers).send({ handle: uniqueHandle(), role: 'consumer' });

  it('counts every sign-up by client address, whatever key it sends, and ignores X-Forwarded-For from an untrusted peer', async () => {
    const api = await limitedApi({ SIGNUP_RATE_LIMIT_PER_HOUR: '2' });
    try {
      const first = await signUpAs(api).expect(201);
      // Each new account's key would open the next account if sign-ups were counted per key.
      const second = await signUpAs(api, { Authorization: `Bearer ${first.body.apiKey}` }).expect(201);
      const third = await signUpAs(api, { Authorization: `Bearer ${second.body.apiKey}` }).expect(429);
      expect(third.body.error).toMatchObject({
        code: 'RATE_LIMITED',
        details: { retryAfterSeconds: expect.any(Number) },
      });
      expect(third.headers['retry-after']).toBeDefined();
      await signUpAs(api, { 'X-Forwarded-For': '203.0.113.9' }).expect(429);
    } finally {
      await api.close();
    }
  });

  it('behind TRUST_PROXY=1 counts the address the proxy forwarded, so clients behind it are counted apart', async () => {
    const api = await limitedApi({ SIGNUP_RATE_LIMIT_PER_HOUR: '1', TRUST_PROXY: '1' });
    try {
      await signUpAs(api, { 'X-Forwarded-For': '203.0.113.1' }).expect(201);
      await signUpAs(api, { 'X-Forwarded-For': '203.0.113.1' }).expect(429);
      // A client cannot pick its address: only the hop the proxy appended (the last) is believed.
      await signUpAs(api, { 'X-Forwarded-For': '198.51.100.7, 203.0.113.1' }).expect(429);
      await signUpAs(api, { 'X-Forwarded-For': '203.0.113.2' }).expect(201);
    } finally {
      await api.close();
    }
  });
});
