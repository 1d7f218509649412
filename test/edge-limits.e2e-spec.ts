import { brotliCompressSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { MAX_JSON_DEPTH } from '@app/common';
import { MAX_EXTENSION_DEPTH, PERSONA_LIMITS } from '@app/personas';
import { ApiHarness, createPersona, signUp, startApi, TestUser, uniqueHandle } from './support/api-harness';

/** `{ "x": { "x": … } }`, `levels` objects deep. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < levels; i += 1) value = { x: value };
  return value;
}

function cursor(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function v2Card(fields: Record<string, unknown>): Record<string, unknown> {
  return { spec: 'chara_card_v2', spec_version: '2.0', data: { name: 'Carded', ...fields } };
}

/** Entries whose keys and secondary keys add up to `total`, each entry within the per-entry limit. */
function lorebookWithKeys(total: number): { keys: string[]; secondaryKeys: string[]; content: string }[] {
  const entries = [];
  for (let made = 0; made < total;) {
    const count = Math.min(PERSONA_LIMITS.keysPerEntry, total - made);
    const keys = Array.from({ length: count }, (_, i) => `k${made + i}`);
    entries.push({ keys, secondaryKeys: [], content: 'lore' });
    made += count;
  }
  return entries;
}

function expectValidationError(body: unknown, mentions: string | RegExp): void {
  const error = (body as { error: { code: string; message: string } }).error;
  expect(error.code).toBe('VALIDATION_FAILED');
  expect(error.message).toMatch(mentions);
}

describe('edge limits: bad input is a 400, never a 500 (e2e)', () => {
  let api: ApiHarness;
  let creator: TestUser;

  beforeAll(async () => {
    api = await startApi();
    creator = await signUp(api.url, 'creator');
  });
  afterAll(() => api.close());

  describe('search cursors', () => {
    it.each([
      ['an offset of 1e300', { q: 'dragon', cursor: cursor({ kind: 'offset', offset: 1e300 }) }],
      ['a negative offset', { q: 'dragon', cursor: cursor({ kind: 'offset', offset: -5 }) }],
      [
        'a keyset id that is not a UUID',
        { cursor: cursor({ kind: 'keyset', createdAt: '2026-01-01T00:00:00.000Z', id: 'not-a-uuid' }) },
      ],
      [
        'a keyset date PostgreSQL cannot hold',
        {
          cursor: cursor({
            kind: 'keyset',
            createdAt: '2026-02-31T00:00:00.000Z',
            id: '0b6f6f3e-8c1a-4f53-9d0e-2a7c3b1e5d44',
          }),
        },
      ],
    ])('refuses a forged cursor with %s', async (_what, query) => {
      const response = await request(api.url).get('/v1/personas').query(query).expect(400);
      expectValidationError(response.body, /cursor is not one this API issued/);
    });
  });

  describe('nesting depth', () => {
    it('refuses a deeply nested body with 400 naming the limit, on any JSON route', async () => {
      // Written as text: JSON.stringify itself overflows the stack on values this deep, as the api used to.
      const deep = `${'{"x":'.repeat(5_000)}{}${'}'.repeat(5_000)}`;
      const send = (path: string, body: string) =>
        request(api.url).post(path).set(creator.auth).set('Content-Type', 'application/json').send(body);

      const created = await send('/v1/personas', `{"name":"Deep","extensions":${deep}}`).expect(400);
      expectValidationError(created.body, `deeper than ${MAX_JSON_DEPTH} levels`);
      const imported = await send(
        '/v1/personas/import',
        `{"spec":"chara_card_v2","data":{"name":"Deep","extensions":${deep}}}`,
      ).expect(400);
      expectValidationError(imported.body, `deeper than ${MAX_JSON_DEPTH} levels`);
      // A deep card inside an uploaded file is read as text too.
      const file = await request(api.url)
        .post('/v1/personas/import')
        .set(creator.auth)
        .attach(
          'file',
          Buffer.from(`{"spec":"chara_card_v2","data":{"name":"Deep","extensions":${deep}}}`),
          'deep.json',
        )
        .expect(400);
      expect(file.body.error).toMatchObject({ code: 'INVALID_CARD' });
      expect(file.body.error.message).toContain(`deeper than ${MAX_JSON_DEPTH} levels`);
    });

    it(`accepts extensions ${MAX_EXTENSION_DEPTH} levels deep and refuses one more, through the API and card import alike`, async () => {
      const deepest = nested(MAX_EXTENSION_DEPTH);
      const created = await request(api.url)
        .post('/v1/personas')
        .set(creator.auth)
        .send({
          name: 'Deepest',
          extensions: deepest,
          lorebook: [{ keys: ['a'], content: 'b', extensions: deepest }],
        })
        .expect(201);
      expect(created.body.extensions).toEqual(deepest);
      await request(api.url)
        .post('/v1/personas/import')
        .set(creator.auth)
        .send(v2Card({ extensions: deepest }))
        .expect(201);
      // What the API accepted exports to a card that imports again.
      const exported = await request(api.url).get(`/v1/personas/${created.body.id}/export`).expect(200);
      await request(api.url).post('/v1/personas/import').set(creator.auth).send(exported.body).expect(201);

      const tooDeep = nested(MAX_EXTENSION_DEPTH + 1);
      const viaApi = await request(api.url)
        .post('/v1/personas')
        .set(creator.auth)
        .send({ name: 'Too deep', extensions: tooDeep })
        .expect(400);
      expectValidationError(viaApi.body, `extensions nests deeper than ${MAX_EXTENSION_DEPTH} levels`);
      const viaEntry = await request(api.url)
        .patch(`/v1/personas/${created.body.id}`)
        .set(creator.auth)
        .send({ lorebook: [{ keys: ['a'], content: 'b', extensions: tooDeep }] })
        .expect(400);
      expectValidationError(viaEntry.body, `deeper than ${MAX_EXTENSION_DEPTH} levels`);
      const viaCard = await request(api.url)
        .post('/v1/personas/import')
        .set(creator.auth)
        .send(v2Card({ extensions: tooDeep }))
        .expect(400);
      expect(viaCard.body.error.code).toBe('INVALID_CARD');
      expect(viaCard.body.error.message).toContain(`deeper than ${MAX_EXTENSION_DEPTH} levels`);
    });
  });

  it('refuses creator notes in other languages that are not text, as card import does', async () => {
    const notes = { en: 'fine', fr: { nested: 'not text' } };
    const viaApi = await request(api.url)
      .post('/v1/personas')
      .set(creator.auth)
      .send({ name: 'Notes', creatorNotesMultilingual: notes })
      .expect(400);
    expectValidationError(viaApi.body, /creatorNotesMultilingual must be an object whose values are strings/);
    const viaCard = await request(api.url)
      .post('/v1/personas/import')
      .set(creator.auth)
      .send(v2Card({ creator_notes_multilingual: notes }))
      .expect(400);
    expect(viaCard.body.error.code).toBe('INVALID_CARD');
    await request(api.url)
      .post('/v1/personas')
      .set(creator.auth)
      .send({ name: 'Notes', creatorNotesMultilingual: { en: 'fine', fr: 'bien' } })
      .expect(201);
  });

  describe('version numbers in the path', () => {
    it.each(['99999999999999999999', '2147483648', '0', '-1', '1.5', 'abc'])(
      'refuses version %s with 400 naming the range, never a 500',
      async (version) => {
        const persona = await createPersona(api.url, creator, { name: 'Versioned' });
        const response = await request(api.url)
          .get(`/v1/personas/${persona.id}/versions/${version}`)
          .expect(400);
        expectValidationError(response.body, /version must be a whole number from 1 to 2147483647/);
        expect(response.body.error.details).toEqual({ param: 'version' });
      },
    );

    it('answers the largest version number with 404 when there is no such version, and version 1 with its content', async () => {
      const persona = await createPersona(api.url, creator, { name: 'Versioned' });
      const missing = await request(api.url)
        .get(`/v1/personas/${persona.id}/versions/2147483647`)
        .expect(404);
      expect(missing.body.error.code).toBe('NOT_FOUND');
      const first = await request(api.url).get(`/v1/personas/${persona.id}/versions/1`).expect(200);
      expect(first.body).toMatchObject({ version: 1, content: { name: 'Versioned' } });
    });
  });

  describe('compressed bodies', () => {
    // fetch, as supertest would serialise a Buffer as JSON rather than send its bytes.
    const post = async (encoding: string, body: Buffer) => {
      const response = await fetch(`${api.url}/v1/personas`, {
        method: 'POST',
        headers: { ...creator.auth, 'Content-Type': 'application/json', 'Content-Encoding': encoding },
        body,
      });
      return { status: response.status, body: (await response.json()) as Record<string, never> };
    };

    it('reads a gzip or brotli body that is what it says', async () => {
      const json = Buffer.from(JSON.stringify({ name: 'Zipped' }));
      expect(await post('gzip', gzipSync(json))).toMatchObject({ status: 201, body: { name: 'Zipped' } });
      expect(await post('br', brotliCompressSync(json))).toMatchObject({
        status: 201,
        body: { name: 'Zipped' },
      });
    });

    it.each([
      ['gzip', Buffer.from('not gzip at all')],
      ['gzip', gzipSync(Buffer.from('{"name":"Cut short"}')).subarray(0, 12)],
      ['deflate', Buffer.from('xx')],
      ['br', Buffer.from('xx')],
    ])('refuses a %s body that does not decompress with 400 MALFORMED_JSON', async (encoding, body) => {
      expect(await post(encoding, body)).toMatchObject({
        status: 400,
        body: {
          error: { code: 'MALFORMED_JSON', message: expect.stringContaining('check its Content-Encoding') },
        },
      });
    });

    it('refuses an encoding it does not support with 415 naming it', async () => {
      expect(await post('compress', Buffer.from('{}'))).toMatchObject({
        status: 415,
        body: {
          error: {
            code: 'UNSUPPORTED_MEDIA_TYPE',
            message: expect.stringContaining("Content-Encoding 'compress' is not supported"),
          },
        },
      });
    });
  });

  describe('slugs', () => {
    it('gives concurrent creates of one name each their own slug, all succeeding', async () => {
      const name = uniqueHandle('Twin Name');
      const responses = await Promise.all(
        Array.from({ length: 6 }, () =>
          request(api.url).post('/v1/personas').set(creator.auth).send({ name }),
        ),
      );
      expect(responses.map((response) => response.status)).toEqual(Array(6).fill(201));
      const slugs = responses.map((response) => response.body.slug as string);
      expect(new Set(slugs).size).toBe(6);
    });
  });

  describe('modelId', () => {
    it('refuses a model the platform does not run when a persona is created, edited or imported', async () => {
      const created = await request(api.url)
        .post('/v1/personas')
        .set(creator.auth)
        .send({ name: 'Modelled', modelId: 'gpt-nonexistent' })
        .expect(400);
      expectValidationError(created.body, /modelId "gpt-nonexistent" is not a model this platform runs/);
      expect(created.body.error.details).toEqual([
        { field: 'modelId', problems: [expect.stringContaining('embedded')] },
      ]);

      const persona = await createPersona(api.url, creator, { name: 'Modelled', modelId: 'embedded' });
      const edited = await request(api.url)
        .patch(`/v1/personas/${persona.id}`)
        .set(creator.auth)
        .send({ modelId: 'gpt-nonexistent' })
        .expect(400);
      expectValidationError(edited.body, /gpt-nonexistent/);
      const unchanged = await request(api.url).get(`/v1/personas/${persona.id}`).expect(200);
      expect(unchanged.body).toMatchObject({ modelId: 'embedded', version: 1 });

      const imported = await request(api.url)
        .post('/v1/personas/import')
        .query({ modelId: 'gpt-nonexistent' })
        .set(creator.auth)
        .send(v2Card({}))
        .expect(400);
      expectValidationError(imported.body, /gpt-nonexistent/);
    });
  });

  describe('lorebook keys', () => {
    const limit = PERSONA_LIMITS.lorebookKeys;

    it(`refuses more than ${limit} keys in one lorebook on create, edit and import, naming the limit`, async () => {
      const tooMany = lorebookWithKeys(limit + 1);
      const created = await request(api.url)
        .post('/v1/personas')
        .set(creator.auth)
        .send({ name: 'Keyed', lorebook: tooMany })
        .expect(400);
      expectValidationError(created.body, `the limit is ${limit}`);

      const persona = await createPersona(api.url, creator, {
        name: 'Keyed',
        lorebook: lorebookWithKeys(limit),
      });
      const edited = await request(api.url)
        .patch(`/v1/personas/${persona.id}`)
        .set(creator.auth)
        .send({ lorebook: tooMany })
        .expect(400);
      expectValidationError(edited.body, `the limit is ${limit}`);

      const entries = tooMany.map((entry) => ({
        ...entry,
        secondary_keys: [],
        enabled: true,
        insertion_order: 0,
      }));
      const imported = await request(api.url)
        .post('/v1/personas/import')
        .set(creator.auth)
        .send(v2Card({ character_book: { entries } }))
        .expect(400);
      expectValidationError(imported.body, `the limit is ${limit}`);
    });
  });
});
