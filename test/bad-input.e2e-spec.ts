import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './support/api-harness';

describe('bad input gets a clear error and loses nothing (e2e)', () => {
  let api: ApiHarness;
  let creator: TestUser;
  let personaId: string;

  beforeAll(async () => {
    api = await startApi({ BODY_LIMIT_BYTES: String(256 * 1024) });
    creator = await signUp(api.url, 'creator');
  });
  // A persona of each test's own, so that every test stands alone.
  beforeEach(async () => {
    personaId = (await createPersona(api.url, creator, { name: 'Steady', description: 'kept' })).id;
  });
  afterAll(() => api.close());

  /** After every bad request the persona is exactly as it was, and the server still answers. */
  afterEach(async () => {
    const persona = await request(api.url).get(`/v1/personas/${personaId}`).expect(200);
    expect(persona.body).toMatchObject({ name: 'Steady', description: 'kept', version: 1 });
  });

  const patch = () => request(api.url).patch(`/v1/personas/${personaId}`).set(creator.auth);

  it('413 for an oversized body', async () => {
    const response = await patch()
      .send({ description: 'x'.repeat(300 * 1024) })
      .expect(413);
    expect(response.body.error).toEqual({
      code: 'PAYLOAD_TOO_LARGE',
      message: expect.stringContaining('262144 bytes'),
    });
  });

  it('400 MALFORMED_JSON for a broken body', async () => {
    const response = await patch()
      .set('Content-Type', 'application/json')
      .send('{"description": "half')
      .expect(400);
    expect(response.body.error.code).toBe('MALFORMED_JSON');
  });

  it('400 naming the field for unknown fields and wrong types', async () => {
    const unknown = await patch().send({ descripton: 'typo' }).expect(400);
    expect(unknown.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'descripton' }],
    });

    const wrongType = await patch()
      .send({ tags: 'not-a-list', lorebook: [{ keys: 'glade' }] })
      .expect(400);
    const fields = (wrongType.body.error.details as { field: string }[]).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['tags', 'lorebook.0.keys', 'lorebook.0.content']));
  });

  it('400 for text PostgreSQL cannot store (NUL, unpaired surrogates) instead of a 500', async () => {
    const nul = await patch().send({ description: 'a\u0000b' }).expect(400);
    expect(nul.body.error.message).toContain('description contains a NUL');
    const surrogate = await patch()
      .set('Content-Type', 'application/json')
      .send('{"description":"\\ud800"}')
      .expect(400);
    expect(surrogate.body.error.message).toContain('surrogate');
  });

  it('400 for a lorebook over the limit', async () => {
    const lorebook = Array.from({ length: 1001 }, () => ({ keys: ['k'], content: 'c' }));
    const response = await patch().send({ lorebook }).expect(400);
    expect(response.body.error.message).toContain('at most 1000 entries');
  });

  it('stores script in text fields verbatim: it is data, and clients escape it', async () => {
    const script = '<script>alert(1)</script>';
    const other = await request(api.url)
      .post('/v1/personas')
      .set(creator.auth)
      .send({ name: script, description: script })
      .expect(201);
    const read = await request(api.url).get(`/v1/personas/${other.body.id}`).expect(200);
    expect(read.body).toMatchObject({ name: script, description: script, slug: 'script-alert-1-script' });
    expect(read.header['content-type']).toContain('application/json');
  });

  it('404 in the documented shape for unknown routes and ids', async () => {
    const route = await request(api.url).get('/v1/nowhere').expect(404);
    expect(route.body.error.code).toBe('NOT_FOUND');
    const id = await request(api.url).get('/v1/personas/00000000-0000-4000-8000-000000000000').expect(404);
    expect(id.body.error.code).toBe('NOT_FOUND');
  });
});

describe('rate limits (e2e)', () => {
  let api: ApiHarness;
  // An api with a Redis prefix of each test's own: no other test's requests, in this file or another, count.
  beforeEach(async () => {
    api = await startApi({
      RATE_LIMIT_PER_MINUTE: '5',
      SIGNUP_RATE_LIMIT_PER_HOUR: '2',
      REDIS_PREFIX: `${process.env.REDIS_PREFIX}-ratelimit-${randomBytes(4).toString('hex')}`,
    });
  });
  afterEach(() => api.close());

  it('429 with Retry-After once a key passes its per-minute budget; other keys are unaffected', async () => {
    const user = await signUp(api.url, 'consumer');
    const other = await signUp(api.url, 'consumer');
    for (let i = 0; i < 5; i++) await request(api.url).get('/v1/me').set(user.auth).expect(200);
    const limited = await request(api.url).get('/v1/me').set(user.auth).expect(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.header['retry-after'])).toBeGreaterThan(0);
    await request(api.url).get('/v1/me').set(other.auth).expect(200);
  });

  it('limits sign-ups per address', async () => {
    await signUp(api.url, 'consumer');
    await signUp(api.url, 'consumer');
    const response = await request(api.url)
      .post('/v1/users')
      .send({ handle: 'one-too-many', role: 'consumer' })
      .expect(429);
    expect(response.body.error.message).toMatch(/try again in \d+ s/);
  });
});
