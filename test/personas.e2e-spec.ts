import request from 'supertest';
import { ApiHarness, signUp, startApi, TestUser, uniqueHandle } from './support/api-harness';

describe('personas (e2e)', () => {
  let api: ApiHarness;
  let creator: TestUser;
  let other: TestUser;
  let consumer: TestUser;

  beforeAll(async () => {
    api = await startApi();
    [creator, other, consumer] = await Promise.all([
      signUp(api.url, 'creator'),
      signUp(api.url, 'creator'),
      signUp(api.url, 'consumer'),
    ]);
  });
  afterAll(() => api.close());

  const create = (user: TestUser, body: Record<string, unknown>) =>
    request(api.url).post('/v1/personas').set(user.auth).send(body);

  it('creates a persona with every card field, a slug and a version hash', async () => {
    const body = {
      name: 'Seraphina',
      description: 'Guardian of the forest glade.',
      personality: 'caring, protective',
      scenario: 'You wake up in her glade.',
      firstMessage: 'You are safe here.',
      exampleDialogues: '<START>\n{{user}}: hi\n{{char}}: hello',
      alternateGreetings: ['Welcome back.'],
      systemPrompt: 'Stay in character.',
      postHistoryInstructions: 'Be kind.',
      creatorNotes: 'A gentle guardian.',
      tags: ['Fantasy', 'forest'],
      lorebook: [{ keys: ['glade'], content: 'The glade is hidden by old magic.' }],
      visibility: 'public',
      modelId: 'embedded',
      verification: 'attested',
    };
    const response = await create(creator, body).expect(201);
    expect(response.body).toMatchObject({
      ...body,
      lorebook: [expect.objectContaining(body.lorebook[0])],
      version: 1,
    });
    expect(response.body.slug).toMatch(/^seraphina/);
    expect(response.body.versionHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(response.body.ownerHandle).toBe(creator.handle);

    const bySlug = await request(api.url).get(`/v1/personas/${response.body.slug}`).expect(200);
    expect(bySlug.body.id).toBe(response.body.id);
  });

  it('makes an immutable new version for every edit and keeps the old ones readable', async () => {
    const created = await create(creator, { name: 'Versioned', description: 'first' }).expect(201);
    const id = created.body.id as string;
    const edited = await request(api.url)
      .patch(`/v1/personas/${id}`)
      .set(creator.auth)
      .send({ description: 'second' })
      .expect(200);
    expect(edited.body).toMatchObject({ version: 2, description: 'second', name: 'Versioned' });
    expect(edited.body.versionHash).not.toBe(created.body.versionHash);

    const versions = await request(api.url).get(`/v1/personas/${id}/versions`).expect(200);
    expect(versions.body.data.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(versions.body.data[1].hash).toBe(created.body.versionHash);

    const first = await request(api.url).get(`/v1/personas/${id}/versions/1`).expect(200);
    expect(first.body.content.description).toBe('first');
  });

  it('keeps minOperators on the persona (1–10, default 1), outside the versioned card', async () => {
    const created = await create(creator, { name: 'Quorum', minOperators: 3 }).expect(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ minOperators: 3, version: 1 });
    expect((await create(creator, { name: 'Default quorum' }).expect(201)).body.minOperators).toBe(1);

    // Changing it alone makes no new version: the card, and the hash receipts commit to, are unchanged.
    const raised = await request(api.url)
      .patch(`/v1/personas/${id}`)
      .set(creator.auth)
      .send({ minOperators: 5 })
      .expect(200);
    expect(raised.body).toMatchObject({ minOperators: 5, version: 1, versionHash: created.body.versionHash });
    // With a card edit it is kept alongside the new version; left out, it stays.
    const edited = await request(api.url)
      .patch(`/v1/personas/${id}`)
      .set(creator.auth)
      .send({ description: 'now with a description' })
      .expect(200);
    expect(edited.body).toMatchObject({ minOperators: 5, version: 2 });
    const versionOne = await request(api.url).get(`/v1/personas/${id}/versions/1`).expect(200);
    expect(versionOne.body.content).not.toHaveProperty('minOperators');
    const listed = await request(api.url).get('/v1/personas').query({ q: 'Quorum' }).expect(200);
    expect(listed.body.data.find((p: { id: string }) => p.id === id)).toMatchObject({ minOperators: 5 });

    for (const minOperators of [0, 11, 2.5, '3', null]) {
      const refused = await create(creator, { name: 'Bad quorum', minOperators }).expect(400);
      expect(refused.body.error.code).toBe('VALIDATION_FAILED');
      expect(refused.body.error.details[0].field).toBe('minOperators');
    }
    await request(api.url).patch(`/v1/personas/${id}`).set(other.auth).send({ minOperators: 1 }).expect(403);
    const nulled = await request(api.url)
      .patch(`/v1/personas/${id}`)
      .set(creator.auth)
      .send({ minOperators: null })
      .expect(400);
    expect(nulled.body.error.details[0].field).toBe('minOperators');
  });

  it('replies only while minOperators independent operators serve the model: else 503 NOT_ENOUGH_OPERATORS', async () => {
    // Here only the api's in-process node serves `embedded`: one operator, the platform.
    const created = await create(creator, { name: 'Needs two', modelId: 'embedded', minOperators: 2 }).expect(
      201,
    );
    const send = () =>
      request(api.url)
        .post('/v1/chat/completions')
        .set(consumer.auth)
        .send({ model: created.body.slug, messages: [{ role: 'user', content: 'hello' }] });
    const refused = await send().expect(503);
    // The reply path carries the code and message (not the details object): the message names both numbers.
    expect(refused.body.error.code).toBe('NOT_ENOUGH_OPERATORS');
    expect(refused.body.error.message).toMatch(/at least 2 independent operators .*\(embedded\); 1 do now/);

    await request(api.url)
      .patch(`/v1/personas/${created.body.id}`)
      .set(creator.auth)
      .send({ minOperators: 1 })
      .expect(200);
    const answered = await send().expect(200);
    expect(answered.body.choices[0].message.content.length).toBeGreaterThan(0);
  });

  it('gives the same content the same hash, so a hash names a version exactly', async () => {
    const a = await create(creator, {
      name: 'Twin',
      description: 'same',
      slug: uniqueHandle('twin-a'),
    }).expect(201);
    const b = await create(other, { name: 'Twin', description: 'same', slug: uniqueHandle('twin-b') }).expect(
      201,
    );
    expect(a.body.versionHash).toBe(b.body.versionHash);
  });

  it('refuses a slug that is taken, and makes a free one when none is given', async () => {
    const slug = uniqueHandle('unique');
    await create(creator, { name: 'First', slug }).expect(201);
    const taken = await create(other, { name: 'Second', slug }).expect(409);
    expect(taken.body.error.code).toBe('SLUG_TAKEN');

    const one = await create(creator, { name: 'Echo Twin' }).expect(201);
    const two = await create(other, { name: 'Echo Twin' }).expect(201);
    expect(two.body.slug).not.toBe(one.body.slug);
  });

  it('refuses a lorebook regex key that could stall the server, naming entry and key, and stores nothing', async () => {
    const mine = () =>
      request(api.url).get('/v1/personas').query({ owner: 'me', limit: 100 }).set(other.auth).expect(200);
    const before = (await mine()).body.data.length;
    const lorebook = [{ keys: ['dragon', '/(a+)+$/'], content: 'Dragons guard the pass.', useRegex: true }];
    const response = await create(other, { name: 'Backtracker', lorebook }).expect(400);
    expect(response.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('lorebook[0].keys[1]: "/(a+)+$/" is an unsafe regular expression'),
      details: [{ field: 'lorebook[0].keys[1]', problems: [expect.stringContaining('exponential time')] }],
    });
    expect((await mine()).body.data.length).toBe(before);

    const safe = await create(other, {
      name: 'Dragon lore',
      lorebook: [{ ...lorebook[0], keys: ['/dragons?/'] }],
    });
    expect(safe.status).toBe(201);
    const edit = await request(api.url)
      .patch(`/v1/personas/${safe.body.id}`)
      .set(other.auth)
      .send({ lorebook: [{ keys: ['/(\\w+\\s?)*$/'], content: 'x', useRegex: true }] })
      .expect(400);
    expect(edit.body.error.code).toBe('VALIDATION_FAILED');
    const still = await request(api.url).get(`/v1/personas/${safe.body.id}`).expect(200);
    expect(still.body).toMatchObject({
      version: 1,
      lorebook: [expect.objectContaining({ keys: ['/dragons?/'] })],
    });
  });

  it('only lets creators create, and only owners change or delete', async () => {
    const denied = await create(consumer, { name: 'Nope' }).expect(403);
    expect(denied.body.error.code).toBe('FORBIDDEN');

    const mine = await create(creator, { name: 'Mine' }).expect(201);
    const patch = await request(api.url)
      .patch(`/v1/personas/${mine.body.id}`)
      .set(other.auth)
      .send({ name: 'Stolen' })
      .expect(403);
    expect(patch.body.error.code).toBe('FORBIDDEN');
    await request(api.url).delete(`/v1/personas/${mine.body.id}`).set(other.auth).expect(403);
    const still = await request(api.url).get(`/v1/personas/${mine.body.id}`).expect(200);
    expect(still.body).toMatchObject({ name: 'Mine', version: 1 });

    await request(api.url).delete(`/v1/personas/${mine.body.id}`).set(creator.auth).expect(204);
    const gone = await request(api.url).get(`/v1/personas/${mine.body.id}`).expect(404);
    expect(gone.body.error.code).toBe('NOT_FOUND');
  });

  it('hides private personas from everyone but their creator, and lists unlisted ones nowhere', async () => {
    const tag = uniqueHandle('vis');
    const secret = await create(creator, { name: 'Secret', visibility: 'private', tags: [tag] }).expect(201);
    const hidden = await create(creator, { name: 'Hidden', visibility: 'unlisted', tags: [tag] }).expect(201);
    await create(creator, { name: 'Open', visibility: 'public', tags: [tag] }).expect(201);

    await request(api.url).get(`/v1/personas/${secret.body.id}`).expect(404);
    await request(api.url).get(`/v1/personas/${secret.body.id}`).set(other.auth).expect(404);
    await request(api.url).get(`/v1/personas/${secret.body.id}/versions`).set(other.auth).expect(404);
    await request(api.url)
      .patch(`/v1/personas/${secret.body.id}`)
      .set(other.auth)
      .send({ name: 'x' })
      .expect(404);
    await request(api.url).get(`/v1/personas/${secret.body.id}`).set(creator.auth).expect(200);
    await request(api.url).get(`/v1/personas/${hidden.body.slug}`).expect(200);

    const listed = await request(api.url).get('/v1/personas').query({ tag }).expect(200);
    expect(listed.body.data.map((p: { name: string }) => p.name)).toEqual(['Open']);
    const own = await request(api.url)
      .get('/v1/personas')
      .query({ tag, owner: 'me' })
      .set(creator.auth)
      .expect(200);
    expect(own.body.data.map((p: { name: string }) => p.name).sort()).toEqual(['Hidden', 'Open', 'Secret']);
    const othersView = await request(api.url)
      .get('/v1/personas')
      .query({ tag, owner: 'me' })
      .set(other.auth)
      .expect(200);
    expect(othersView.body.data).toEqual([]);
  });

  it('searches names, tags and descriptions, forgives typos, and pages with a cursor', async () => {
    const tag = uniqueHandle('search');
    await create(creator, {
      name: 'Bartholomew the Brewer',
      description: 'Keeps a tavern by the harbour.',
      tags: [tag],
    }).expect(201);
    await create(creator, {
      name: 'Lighthouse Keeper',
      description: 'Watches the harbour lights at night.',
      tags: [tag, 'Sea'],
    }).expect(201);
    await create(creator, { name: 'Desert Nomad', description: 'Crosses dunes.', tags: [tag] }).expect(201);

    const byText = await request(api.url).get('/v1/personas').query({ q: 'harbour', tag }).expect(200);
    expect(byText.body.data.map((p: { name: string }) => p.name).sort()).toEqual([
      'Bartholomew the Brewer',
      'Lighthouse Keeper',
    ]);

    const typo = await request(api.url).get('/v1/personas').query({ q: 'Bartholomeu', tag }).expect(200);
    expect(typo.body.data[0]?.name).toBe('Bartholomew the Brewer');

    const byTag = await request(api.url).get('/v1/personas').query({ tag: 'sea' }).expect(200);
    expect(byTag.body.data.map((p: { name: string }) => p.name)).toContain('Lighthouse Keeper');

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page: request.Response = await request(api.url)
        .get('/v1/personas')
        .query({ tag, limit: 2, ...(cursor ? { cursor } : {}) })
        .expect(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((p: { name: string }) => p.name));
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.sort()).toEqual(['Bartholomew the Brewer', 'Desert Nomad', 'Lighthouse Keeper']);

    const ranked: string[] = [];
    cursor = undefined;
    do {
      const page: request.Response = await request(api.url)
        .get('/v1/personas')
        .query({ q: 'harbour', tag, limit: 1, ...(cursor ? { cursor } : {}) })
        .expect(200);
      ranked.push(...page.body.data.map((p: { name: string }) => p.name));
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    expect(ranked.sort()).toEqual(['Bartholomew the Brewer', 'Lighthouse Keeper']);

    const bad = await request(api.url).get('/v1/personas').query({ cursor: 'garbage' }).expect(400);
    expect(bad.body.error.message).toContain('cursor');
  });
});
