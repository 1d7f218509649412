import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { readPngChunks, readTextChunk, textChunkKeyword } from '@app/personas';
import { fullPersonaCard } from '@app/personas/cards/__fixtures__/full-persona-card';
import { ApiHarness, signUp, startApi, TestUser } from './support/api-harness';

const FIXTURES = join(__dirname, '../libs/personas/src/cards/__fixtures__');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

/** Reads a binary response body as a Buffer (supertest leaves image/png unparsed otherwise). */
function binary(res: request.Response, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

type ExportFormat = 'ccv2' | 'ccv3' | 'png';

/** The description in every card an export carries: the one JSON card, or a PNG's `chara` and `ccv3`. */
function descriptionsIn(format: ExportFormat, bytes: Buffer): string[] {
  const cards: unknown[] =
    format === 'png'
      ? readPngChunks(bytes).flatMap((chunk) => {
          const keyword = textChunkKeyword(chunk);
          if (keyword !== 'chara' && keyword !== 'ccv3') return [];
          const { text } = readTextChunk(chunk, bytes.length);
          return [JSON.parse(Buffer.from(text, 'base64').toString('utf8'))];
        })
      : [JSON.parse(bytes.toString('utf8'))];
  return cards.map((card) => (card as { data: { description: string } }).data.description);
}

describe('Character Card import and export (e2e)', () => {
  let api: ApiHarness;
  let creator: TestUser;
  let other: TestUser;

  beforeAll(async () => {
    api = await startApi();
    [creator, other] = await Promise.all([signUp(api.url, 'creator'), signUp(api.url, 'creator')]);
  });
  afterAll(() => api.close());

  it('imports a V3 card exported by SillyTavern, sent as JSON', async () => {
    const card = JSON.parse(fixture('st-v3-world-narrator.json').toString('utf8'));
    const response = await request(api.url)
      .post('/v1/personas/import')
      .set(creator.auth)
      .send(card)
      .expect(201);
    expect(response.body).toMatchObject({
      name: card.data.name,
      description: card.data.description,
      firstMessage: card.data.first_mes,
      version: 1,
      imported: { spec: 'v3', from: 'json' },
    });
    expect(response.body.lorebook).toHaveLength(card.data.character_book.entries.length);
    expect(response.body.lorebook[0].content).toBe(card.data.character_book.entries[0].content);
  });

  it('imports PNG cards written the way SillyTavern writes them (chara only, and chara + ccv3)', async () => {
    const v2 = await request(api.url)
      .post('/v1/personas/import')
      .set(creator.auth)
      .attach('file', fixture('st-v2-chara.png'), 'mary.png')
      .expect(201);
    expect(v2.body.imported).toMatchObject({ spec: 'v2', from: 'png:chara' });
    expect(v2.body.name).toBe('Mary');

    const v3 = await request(api.url)
      .post('/v1/personas/import')
      .query({ visibility: 'unlisted', verification: 'attested' })
      .set(creator.auth)
      .attach('file', fixture('st-v3-world-narrator.png'), 'narrator.png')
      .expect(201);
    expect(v3.body).toMatchObject({
      visibility: 'unlisted',
      verification: 'attested',
      imported: { from: 'png:ccv3' },
    });
  });

  it.each(['ccv2', 'ccv3', 'png'] as const)(
    'round-trips every field through %s export → import',
    async (format) => {
      const original = fullPersonaCard();
      const created = await request(api.url)
        .post('/v1/personas')
        .set(creator.auth)
        .send(original)
        .expect(201);
      const exported = await request(api.url)
        .get(`/v1/personas/${created.body.id}/export`)
        .query({ format })
        .buffer(true)
        .parse(binary)
        .expect(200);
      expect(exported.header['content-disposition']).toContain(`${created.body.slug}`);
      const reimport = request(api.url).post('/v1/personas/import').set(creator.auth);
      const imported =
        format === 'png'
          ? await reimport.attach('file', exported.body as Buffer, 'card.png').expect(201)
          : await reimport.send(JSON.parse((exported.body as Buffer).toString('utf8'))).expect(201);
      for (const [field, value] of Object.entries(original)) {
        expect({ field, value: imported.body[field] }).toEqual({ field, value });
      }
      // Same card, same settings: the imported version is byte-for-byte the same content.
      expect(imported.body.versionHash).toBe(created.body.versionHash);
    },
  );

  it('exports a card whose JSON follows the V3 spec layout', async () => {
    const created = await request(api.url)
      .post('/v1/personas')
      .set(creator.auth)
      .send({ name: 'Spec Check', tags: ['a'] })
      .expect(201);
    const exported = await request(api.url)
      .get(`/v1/personas/${created.body.id}/export?format=ccv3`)
      .expect(200);
    expect(exported.body).toMatchObject({
      spec: 'chara_card_v3',
      spec_version: '3.0',
      data: { name: 'Spec Check', tags: ['a'], first_mes: '' },
    });
    const v2 = await request(api.url).get(`/v1/personas/${created.body.id}/export?format=ccv2`).expect(200);
    expect(v2.body).toMatchObject({
      spec: 'chara_card_v2',
      spec_version: '2.0',
      data: { name: 'Spec Check' },
    });
  });

  describe('hostile and broken cards get a clear error and store nothing', () => {
    let before: number;
    beforeEach(async () => {
      const mine = await request(api.url)
        .get('/v1/personas')
        .query({ owner: 'me', limit: 100 })
        .set(other.auth)
        .expect(200);
      before = mine.body.data.length;
    });
    afterEach(async () => {
      const mine = await request(api.url)
        .get('/v1/personas')
        .query({ owner: 'me', limit: 100 })
        .set(other.auth)
        .expect(200);
      expect(mine.body.data.length).toBe(before);
    });
    const importAs = () => request(api.url).post('/v1/personas/import').set(other.auth);

    it('a PNG with no card chunk', async () => {
      const png = fixture('st-v2-chara.png');
      const text = png.indexOf('chara');
      const noCard = Buffer.from(png);
      noCard.write('xxxxx', text, 'latin1'); // rename the chunk keyword; the CRC now fails too
      const response = await importAs().attach('file', noCard, 'broken.png').expect(400);
      expect(response.body.error.code).toBe('INVALID_CARD');
    });

    it('a file that is not a card at all', async () => {
      const response = await importAs()
        .attach('file', Buffer.from('hello, I am not JSON'), 'x.json')
        .expect(400);
      expect(response.body.error.code).toBe('INVALID_CARD');
    });

    it('a card of the wrong shape, naming the fields', async () => {
      const response = await importAs()
        .send({ spec: 'chara_card_v2', spec_version: '2.0', data: { name: 42, tags: 'x' } })
        .expect(400);
      expect(response.body.error.code).toBe('INVALID_CARD');
      expect(JSON.stringify(response.body.error.details)).toContain('name');
    });

    it('a lorebook regex key that could stall the server, naming the entry and key', async () => {
      const entry = { keys: ['/(a|a)*b/'], content: 'x', enabled: true, insertion_order: 0, extensions: {} };
      const card = {
        spec: 'chara_card_v2',
        spec_version: '2.0',
        data: { name: 'ReDoS', character_book: { entries: [{ ...entry, use_regex: true }], extensions: {} } },
      };
      const response = await importAs().send(card).expect(400);
      expect(response.body.error).toMatchObject({
        code: 'INVALID_CARD',
        message: expect.stringContaining(
          'data.character_book.entries[0].keys[0] "/(a|a)*b/" is an unsafe regular expression',
        ),
        details: { issues: [{ path: 'data.character_book.entries[0].keys[0]' }] },
      });
    });

    it('a huge lorebook', async () => {
      const entries = Array.from({ length: 1001 }, (_, i) => ({
        keys: [`k${i}`],
        content: 'c',
        enabled: true,
        insertion_order: i,
        extensions: {},
      }));
      const card = {
        spec: 'chara_card_v2',
        spec_version: '2.0',
        data: { name: 'Big', character_book: { entries, extensions: {} } },
      };
      const response = await importAs().send(card).expect(413);
      expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('an upload over the PNG limit', async () => {
      const response = await importAs()
        .attach('file', Buffer.alloc(8 * 1024 * 1024 + 1), 'huge.png')
        .expect(413);
      expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('an empty request', async () => {
      const response = await importAs().expect(400);
      expect(response.body.error.message).toContain('multipart/form-data');
    });
  });

  describe('rendered exports are kept, but only ever served as the persona is now, to whoever may read it', () => {
    const exportOf = (id: string, format: ExportFormat, auth: Record<string, string> = {}) =>
      request(api.url)
        .get(`/v1/personas/${id}/export`)
        .query({ format })
        .set(auth)
        .buffer(true)
        .parse(binary);
    const edit = (id: string, fields: Record<string, unknown>) =>
      request(api.url).patch(`/v1/personas/${id}`).set(creator.auth).send(fields).expect(200);

    it.each(['ccv2', 'ccv3', 'png'] as const)(
      'a %s export after an edit carries the new version, never bytes rendered for an earlier one',
      async (format) => {
        const created = await request(api.url)
          .post('/v1/personas')
          .set(creator.auth)
          .send({ name: 'Changing', description: 'first' })
          .expect(201);
        const id = created.body.id as string;
        const cards = format === 'png' ? 2 : 1;
        const first = await exportOf(id, format).expect(200);
        expect(descriptionsIn(format, first.body)).toEqual(Array(cards).fill('first'));
        // Asked again, the same bytes (kept, or rendered again: the client cannot tell).
        expect((await exportOf(id, format).expect(200)).body).toEqual(first.body);

        await edit(id, { description: 'second' });
        const second = await exportOf(id, format).expect(200);
        expect(descriptionsIn(format, second.body)).toEqual(Array(cards).fill('second'));
        await edit(id, { description: 'first' });
        const third = await exportOf(id, format).expect(200);
        expect(descriptionsIn(format, third.body)).toEqual(Array(cards).fill('first'));
      },
    );

    it.each(['ccv2', 'ccv3', 'png'] as const)(
      'a %s export its owner made is never served to anyone the persona is private to, nor once it is gone',
      async (format) => {
        const secret = await request(api.url)
          .post('/v1/personas')
          .set(creator.auth)
          .send({ name: 'Secret', description: 'for my eyes', visibility: 'private' })
          .expect(201);
        const id = secret.body.id as string;
        await exportOf(id, format, creator.auth).expect(200);
        await exportOf(id, format, creator.auth).expect(200);
        for (const auth of [{}, other.auth]) {
          const refused = await request(api.url)
            .get(`/v1/personas/${id}/export`)
            .query({ format })
            .set(auth)
            .expect(404);
          expect(refused.body.error.code).toBe('NOT_FOUND');
          expect(JSON.stringify(refused.body)).not.toContain('for my eyes');
        }

        // Public and exported by anyone, then made private: the kept export goes no further.
        const shared = await request(api.url)
          .post('/v1/personas')
          .set(creator.auth)
          .send({ name: 'Shared', description: 'soon private' })
          .expect(201);
        await exportOf(shared.body.id, format).expect(200);
        await edit(shared.body.id, { visibility: 'private' });
        await exportOf(shared.body.id, format).expect(404);
        await exportOf(shared.body.id, format, other.auth).expect(404);
        await request(api.url).delete(`/v1/personas/${shared.body.id}`).set(creator.auth).expect(204);
        await exportOf(shared.body.id, format, creator.auth).expect(404);
      },
    );
  });

  it('only creators import, and private personas do not export to others', async () => {
    const consumer = await signUp(api.url, 'consumer');
    await request(api.url).post('/v1/personas/import').set(consumer.auth).send({ name: 'x' }).expect(403);
    const secret = await request(api.url)
      .post('/v1/personas')
      .set(creator.auth)
      .send({ name: 'Secret', visibility: 'private' })
      .expect(201);
    await request(api.url).get(`/v1/personas/${secret.body.id}/export`).set(other.auth).expect(404);
    await request(api.url)
      .get(`/v1/personas/${secret.body.id}/export?format=ccv3`)
      .set(creator.auth)
      .expect(200);
    const bad = await request(api.url)
      .get(`/v1/personas/${secret.body.id}/export?format=docx`)
      .set(creator.auth)
      .expect(400);
    expect(bad.body.error.message).toContain('format must be one of ccv2, ccv3, png');
  });
});
