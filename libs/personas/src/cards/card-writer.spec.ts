import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fullPersonaCard } from './__fixtures__/full-persona-card';
import { UNKNOWN_FIELDS_KEY, V3_FIELDS_KEY } from './card-extensions';
import { readCard } from './card-reader';
import { toCardV2, toCardV3, toPngCard } from './card-writer';
import { readPngChunks, readTextChunk, textChunkKeyword } from './png-chunks';

const fixture = (name: string): Buffer => readFileSync(join(__dirname, '__fixtures__', name));
const meta = { createdAt: new Date('2024-06-10T06:13:20Z'), updatedAt: new Date('2024-06-11T00:00:00Z') };

function pngText(png: Buffer, keyword: string): unknown {
  const chunk = readPngChunks(png).find((candidate) => textChunkKeyword(candidate) === keyword);
  if (!chunk) throw new Error(`no ${keyword} chunk`);
  return JSON.parse(Buffer.from(readTextChunk(chunk, 1 << 24).text, 'base64').toString('utf8')) as unknown;
}

describe('round trips: PersonaCard → export → readCard gives back the same card', () => {
  it('through V3 JSON', () => {
    const card = fullPersonaCard();
    const read = readCard({ json: toCardV3(card, meta) });
    expect(read.card).toStrictEqual(card);
    expect(read).toMatchObject({
      spec: 'v3',
      from: 'json',
      createdAt: meta.createdAt,
      updatedAt: meta.updatedAt,
      warnings: [],
    });
  });

  it('through V2 JSON, where V3-only fields ride in extensions', () => {
    const card = fullPersonaCard();
    const read = readCard({ json: toCardV2(card, meta) });
    expect(read.card).toStrictEqual(card);
    expect(read).toMatchObject({ spec: 'v2', createdAt: meta.createdAt, updatedAt: meta.updatedAt });
  });

  it('through V3 and V2 JSON as text, the way a .json upload arrives', () => {
    const card = fullPersonaCard();
    expect(readCard({ json: JSON.stringify(toCardV3(card)) }).card).toStrictEqual(card);
    expect(readCard({ json: Buffer.from(JSON.stringify(toCardV2(card)), 'utf8') }).card).toStrictEqual(card);
  });

  it('through a PNG with a generated avatar, reading the ccv3 chunk', () => {
    const card = fullPersonaCard();
    const read = readCard({ png: toPngCard(card, undefined, meta) });
    expect(read.card).toStrictEqual(card);
    expect(read).toMatchObject({ spec: 'v3', from: 'png:ccv3', createdAt: meta.createdAt });
  });

  it("through a PNG's chara chunk alone, as a V2-only reader would see it", () => {
    const card = fullPersonaCard();
    const v2 = pngText(toPngCard(card), 'chara');
    expect(readCard({ json: v2 }).card).toStrictEqual(card);
  });

  it('through a card with nothing but a name (defaults survive too)', () => {
    const card = readCard({
      json: { spec: 'chara_card_v2', spec_version: '2.0', data: { name: 'Min' } },
    }).card;
    expect(readCard({ json: toCardV3(card) }).card).toStrictEqual(card);
    expect(readCard({ json: toCardV2(card) }).card).toStrictEqual(card);
    expect(readCard({ png: toPngCard(card) }).card).toStrictEqual(card);
  });

  it('through an imported SillyTavern card: export → import changes nothing', () => {
    const imported = readCard({
      json: JSON.parse(fixture('st-v3-world-narrator.json').toString('utf8')),
    }).card;
    expect(readCard({ json: toCardV3(imported) }).card).toStrictEqual(imported);
    expect(readCard({ json: toCardV2(imported) }).card).toStrictEqual(imported);
  });
});

describe('toCardV3', () => {
  it('writes the spec header and V3 fields where SPEC_V3 puts them', () => {
    const v3 = toCardV3(fullPersonaCard(), meta);
    expect(v3.spec).toBe('chara_card_v3');
    expect(v3.spec_version).toBe('3.0');
    expect(v3.data).toMatchObject({
      name: 'Élodie « Lo » Marchand 🦊',
      first_mes: expect.stringContaining('bell over the door') as unknown,
      mes_example: expect.stringContaining('<START>') as unknown,
      nickname: 'Lo',
      group_only_greetings: ['All of you at once? Take a number.'],
      creator_notes_multilingual: { fr: 'Meilleur avec une température de 0,8.', ja: '温度0.8がおすすめ。' },
      creation_date: 1718000000,
      modification_date: Math.floor(meta.updatedAt.getTime() / 1000),
    });
    expect(v3.data.character_book?.entries[0]).toMatchObject({
      use_regex: true,
      case_sensitive: true,
      position: 'after_char',
    });
  });

  it('puts fields kept from another tool back where they were, and never shows our reserved keys', () => {
    const v3 = toCardV3(fullPersonaCard());
    expect(v3.data.x_future_field).toEqual({ version: 4 });
    expect(v3.data.character_book?.x_book_flag).toBe('kept');
    expect(v3.data.character_book?.entries[0]).toMatchObject({ id: 41, folder: 'mysteries' });
    const json = JSON.stringify(v3);
    expect(json).not.toContain(UNKNOWN_FIELDS_KEY);
    expect(json).not.toContain(V3_FIELDS_KEY);
  });

  it('leaves out optional V3 fields that are empty, and the book when there is none', () => {
    const card = readCard({ json: { name: 'Bare' } }).card;
    const data = toCardV3(card).data;
    expect(data).not.toHaveProperty('nickname');
    expect(data).not.toHaveProperty('assets');
    expect(data).not.toHaveProperty('character_book');
    expect(data).not.toHaveProperty('creation_date');
    expect(data.group_only_greetings).toEqual([]);
    expect(data.extensions).toEqual({});
  });
});

describe('toCardV2', () => {
  it('is a plain V2 card with V3-only fields parked under extensions["twinproof/ccv3"]', () => {
    const v2 = toCardV2(fullPersonaCard(), meta);
    expect(v2.spec).toBe('chara_card_v2');
    expect(v2.spec_version).toBe('2.0');
    expect(v2.data).not.toHaveProperty('nickname');
    expect(v2.data).not.toHaveProperty('group_only_greetings');
    expect(v2.data.extensions[V3_FIELDS_KEY]).toMatchObject({
      nickname: 'Lo',
      group_only_greetings: ['All of you at once? Take a number.'],
      source: ['https://example.com/cards/elodie', 'example:elodie'],
      creation_date: Math.floor(meta.createdAt.getTime() / 1000),
    });
    const entry = v2.data.character_book?.entries[0];
    expect(entry).not.toHaveProperty('use_regex');
    expect(entry?.extensions[V3_FIELDS_KEY]).toEqual({ use_regex: true, case_sensitive: true });
    expect(entry?.extensions['other-tool/flags']).toEqual({ sticky: 2, groups: ['a', 'b'] });
  });
});

describe('toPngCard', () => {
  it('writes chara then ccv3 just before IEND, keeping the base image and its other chunks byte for byte', () => {
    const base = fixture('st-v2-chara.png');
    const png = toPngCard(fullPersonaCard(), base);
    const types = readPngChunks(png).map((chunk) => textChunkKeyword(chunk) ?? chunk.type);
    expect(types).toEqual(['IHDR', 'Software', 'IDAT', 'chara', 'ccv3', 'IEND']);
    const idat = (buffer: Buffer) => readPngChunks(buffer).find((chunk) => chunk.type === 'IDAT')?.data;
    expect(idat(png)).toEqual(idat(base));
    expect(pngText(png, 'chara')).toMatchObject({
      spec: 'chara_card_v2',
      data: { name: 'Élodie « Lo » Marchand 🦊' },
    });
    expect(pngText(png, 'ccv3')).toMatchObject({ spec: 'chara_card_v3', data: { nickname: 'Lo' } });
  });

  it("replaces a base image's old card instead of adding a second one", () => {
    const png = toPngCard(fullPersonaCard(), fixture('st-v3-world-narrator.png'));
    const keywords = readPngChunks(png)
      .map((chunk) => textChunkKeyword(chunk))
      .filter(Boolean);
    expect(keywords).toEqual(['Software', 'chara', 'ccv3']);
    expect(readCard({ png }).card.name).toBe('Élodie « Lo » Marchand 🦊');
  });
});
