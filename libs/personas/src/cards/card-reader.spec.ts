import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { DomainError, ErrorCode } from '@app/common';
import { fullPersonaCard } from './__fixtures__/full-persona-card';
import { UNKNOWN_FIELDS_KEY } from './card-extensions';
import { CardErrorDetails } from './card-issues';
import { MAX_LOREBOOK_ENTRIES, MAX_PNG_BYTES } from './card-limits';
import { ReadCardInput, readCard } from './card-reader';
import { toCardV2, toCardV3, toPngCard } from './card-writer';
import { renderAvatarPng } from './png-avatar';
import { encodePngChunk, replaceTextChunks } from './png-chunks';

const fixture = (name: string): Buffer => readFileSync(join(__dirname, '__fixtures__', name));
const fixtureJson = (name: string): unknown => JSON.parse(fixture(name).toString('utf8'));

function failure(input: ReadCardInput): DomainError {
  try {
    readCard(input);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('readCard accepted the card');
}

const issuePaths = (error: DomainError): string[] =>
  (error.details as CardErrorDetails).issues.map((issue) => issue.path);

function v2(data: Record<string, unknown>): Record<string, unknown> {
  return { spec: 'chara_card_v2', spec_version: '2.0', data: { name: 'Test', ...data } };
}

/** A PNG whose card chunks hold exactly this text. */
function pngWith(chunks: Array<{ keyword: string; text: string }>): Buffer {
  return replaceTextChunks(renderAvatarPng('x', 4), [], chunks);
}

describe('readCard: cards written by other tools', () => {
  it('imports a SillyTavern V3 export with its lorebook, keeping what ST wrote verbatim', () => {
    const read = readCard({ json: fixtureJson('st-v3-world-narrator.json') });
    expect(read).toMatchObject({ spec: 'v3', from: 'json', warnings: [] });
    const { card } = read;
    expect(card.name).toBe('World_Narrator');
    expect(
      card.description.startsWith('[ WORLD STATE DATABASE - Modern Setting 2025 ]\r\n\r\nPhysical Reality:'),
    ).toBe(true);
    // The root-level copy of `description` (a V1 mirror that differs) is not what gets imported.
    expect(card.description).not.toContain('Time and Date');
    expect(card.tags).toEqual(['narrator', 'modern', 'group chat', 'world building']);
    expect(card.creatorNotes).toMatch(/^Generic modern world narrator/);
    expect(card.characterVersion).toBe('1.0');
    expect(card.extensions).toMatchObject({
      fav: false,
      talkativeness: '0.5',
      depth_prompt: { depth: 2, role: 'system' },
    });
    expect(card.lorebookSettings).toMatchObject({
      name: 'Modern World NPCs and Environments',
      scanDepth: null,
      extensions: {},
    });
    expect(card.lorebook).toHaveLength(5);
    expect(card.lorebook[0]).toMatchObject({
      keys: expect.arrayContaining(['barista', 'coffee']) as unknown,
      position: 'after_char',
      useRegex: true,
      insertionOrder: 100,
      priority: 10,
      name: '',
    });
    expect(card.lorebook[0].content).toContain('→ Supervisor for exceptions');
    expect(card.lorebook[3].extensions).toMatchObject({
      display_index: 3,
      sticky: null,
      [UNKNOWN_FIELDS_KEY]: { id: 3 },
    });
  });

  it('reads the same card from the PNG SillyTavern writes (ccv3 preferred, chara alongside)', () => {
    const fromPng = readCard({ png: fixture('st-v3-world-narrator.png') });
    expect(fromPng.from).toBe('png:ccv3');
    expect(fromPng.card).toStrictEqual(readCard({ json: fixtureJson('st-v3-world-narrator.json') }).card);
  });

  it("reads an older SillyTavern PNG that only has a 'chara' chunk", () => {
    const read = readCard({ png: fixture('st-v2-chara.png') });
    expect(read).toMatchObject({ spec: 'v2', from: 'png:chara' });
    expect(read.card).toMatchObject({
      name: 'Mary',
      postHistoryInstructions: 'Your message must start with the word "Sweetie".',
      alternateGreetings: ['Heeeey!'],
      tags: ['female', 'oc'],
      creator: 'darkpriest',
    });
  });

  it('reads a V1 card (flat fields, no spec) and fills in the spec defaults', () => {
    const read = readCard({ json: fixtureJson('ccu-v1-john.json') });
    expect(read.spec).toBe('v1');
    expect(read.card).toMatchObject({
      name: 'John',
      description: '{{char}} is a man.',
      personality: 'cruel',
      firstMessage: 'Hi!',
      alternateGreetings: [],
      tags: [],
      lorebook: [],
      extensions: {},
      assets: [],
    });
  });

  it('reads V1 field names from older tools (char_name, char_persona, char_greeting)', () => {
    const { card } = readCard({
      json: { char_name: 'Old', char_persona: 'persona', char_greeting: 'hey', talkativeness: '0.5' },
    });
    expect(card).toMatchObject({ name: 'Old', description: 'persona', firstMessage: 'hey' });
    expect(card.extensions[UNKNOWN_FIELDS_KEY]).toEqual({ talkativeness: '0.5' });
  });

  it('reads a V2 card that carries V1 mirrors at the root (as character-card-utils backfills them)', () => {
    const read = readCard({ json: fixtureJson('ccu-v2-mary-backfilled.json') });
    expect(read.spec).toBe('v2');
    expect(read.card).toMatchObject({ name: 'Mary', creatorNotes: 'My first card.', extensions: {} });
  });

  it('reads a RisuAI-style V3 card: nickname, assets, dates, multilingual notes, entry flags', () => {
    const read = readCard({ json: fixtureJson('risu-v3-shape.json') });
    expect(read.createdAt).toEqual(new Date(1718000000 * 1000));
    expect(read.updatedAt).toEqual(new Date(1718003600 * 1000));
    expect(read.card).toMatchObject({
      nickname: 'Ari',
      groupOnlyGreetings: ['*Aria counts the visitors twice.* More of you than usual tonight.'],
      creatorNotesMultilingual: { ja: '長いコンテキストで最もよく動作します。' },
      assets: [
        { type: 'icon', uri: 'ccdefault:', name: 'main', ext: 'png' },
        { type: 'emotion', uri: 'embeded://assets/emotion/image/1.png', name: 'happy', ext: 'png' },
      ],
      // " Fantasy " and "" normalised away: trimmed, empty dropped, duplicates ignoring case removed.
      tags: ['fantasy', 'library'],
    });
    expect(read.card.lorebook[1]).toMatchObject({
      secondaryKeys: ['missing', 'stolen'],
      selective: true,
      caseSensitive: true,
    });
    expect(read.card.lorebookSettings.extensions).toEqual({ risu_fullWordMatching: false });
    expect((read.card.extensions.risuai as Record<string, unknown>).backgroundHTML).toBe(
      '<div class="archive-bg"></div>',
    );
  });
});

describe('readCard: PNG chunk precedence', () => {
  const named = (name: string) => Buffer.from(JSON.stringify(v2({ name })), 'utf8').toString('base64');

  it('prefers ccv3 over chara when both are valid', () => {
    const read = readCard({
      png: pngWith([
        { keyword: 'chara', text: named('From chara') },
        { keyword: 'ccv3', text: named('From ccv3') },
      ]),
    });
    expect(read).toMatchObject({ from: 'png:ccv3', card: { name: 'From ccv3' }, warnings: [] });
  });

  it('falls back to chara when ccv3 is broken, and says so', () => {
    const read = readCard({
      png: pngWith([
        { keyword: 'chara', text: named('From chara') },
        { keyword: 'ccv3', text: '!!!' },
      ]),
    });
    expect(read).toMatchObject({ from: 'png:chara', card: { name: 'From chara' } });
    expect(read.warnings).toEqual([expect.stringContaining("'ccv3' chunk could not be read")]);
  });

  it('matches chunk keywords case-insensitively, as SillyTavern does', () => {
    expect(readCard({ png: pngWith([{ keyword: 'Chara', text: named('Caps') }]) }).card.name).toBe('Caps');
  });

  it('reads a card stored in a zTXt chunk (compressed), as some sites ship them', () => {
    const body = Buffer.concat([
      Buffer.from('chara\0\0', 'latin1'),
      deflateSync(Buffer.from(named('Zipped'), 'latin1')),
    ]);
    const png = insertBeforeIend(renderAvatarPng('z', 4), encodePngChunk('zTXt', body));
    expect(readCard({ png }).card.name).toBe('Zipped');
  });

  it('reads a card stored in an uncompressed iTXt chunk', () => {
    const body = Buffer.concat([
      Buffer.from('ccv3\0\0\0\0\0', 'latin1'),
      Buffer.from(named('International'), 'utf8'),
    ]);
    const png = insertBeforeIend(renderAvatarPng('i', 4), encodePngChunk('iTXt', body));
    expect(readCard({ png }).card.name).toBe('International');
  });
});

describe('readCard: hostile and broken input', () => {
  const validPng = () => toPngCard(fullPersonaCard());

  it('refuses a file without the PNG signature', () => {
    const error = failure({ png: Buffer.from('GIF89a not a png at all') });
    expect(error.code).toBe(ErrorCode.INVALID_CARD);
    expect(error.message).toBe('This file is not a PNG: it does not start with the PNG signature.');
  });

  it('refuses a truncated PNG, saying which chunk was cut short', () => {
    const png = validPng();
    const error = failure({ png: png.subarray(0, png.length - 200) });
    expect(error.code).toBe(ErrorCode.INVALID_CARD);
    expect(error.message).toMatch(
      /^The PNG is truncated: its chunk 'tEXt' at byte \d+ declares \d+ bytes of data but only \d+ remain\.$/,
    );
  });

  it('refuses a chunk with a bad CRC, naming the chunk and where it is', () => {
    const png = Buffer.from(validPng());
    const offset = png.indexOf('tEXt') - 4;
    png[offset + 10] ^= 0xff; // flip a byte of the first text chunk's data
    const error = failure({ png });
    expect(error.code).toBe(ErrorCode.INVALID_CARD);
    expect(error.message).toMatch(
      new RegExp(
        `^The PNG's chunk 'tEXt' at byte ${offset} has a bad CRC \\(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\\)`,
      ),
    );
  });

  it('refuses garbage where a chunk should start', () => {
    const png = Buffer.concat([
      renderAvatarPng('g', 4).subarray(0, 33),
      Buffer.from([0, 0, 0, 1, 0x00, 0xff, 0x13, 0x37, 1, 2, 3, 4, 5]),
    ]);
    expect(failure({ png }).message).toMatch(/^The PNG has garbage at byte 33 where a chunk should start/);
  });

  it("refuses a 'chara' chunk that is not base64", () => {
    const error = failure({ png: pngWith([{ keyword: 'chara', text: 'eyJuYW1lIjoi*bad*' }]) });
    expect(error.code).toBe(ErrorCode.INVALID_CARD);
    expect(error.message).toBe(
      `The PNG's 'chara' chunk is not valid base64 (unexpected "*" at position 12); it should hold base64-encoded card JSON.`,
    );
  });

  it("refuses a 'chara' chunk whose base64 does not decode to JSON", () => {
    const error = failure({
      png: pngWith([{ keyword: 'chara', text: Buffer.from('hello, not json').toString('base64') }]),
    });
    expect(error.code).toBe(ErrorCode.INVALID_CARD);
    expect(error.message).toMatch(/^The PNG's 'chara' chunk does not hold JSON \(.+\)\.$/);
  });

  it("refuses a 'chara' chunk whose bytes are not UTF-8", () => {
    const error = failure({
      png: pngWith([{ keyword: 'chara', text: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64') }]),
    });
    expect(error.message).toBe("The PNG's 'chara' chunk is not UTF-8 text; card JSON must be UTF-8.");
  });

  it('refuses a PNG without a card chunk', () => {
    const error = failure({ png: renderAvatarPng('plain') });
    expect(error.code).toBe(ErrorCode.INVALID_CARD);
    expect(error.message).toBe("This PNG has no character card: no tEXt chunk named 'chara' or 'ccv3'.");
  });

  it('refuses a PNG over the size limit before parsing it', () => {
    const error = failure({ png: Buffer.alloc(MAX_PNG_BYTES + 1) });
    expect(error.code).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
    expect(error.message).toBe('The PNG is 8.0 MiB; the limit is 8 MiB.');
  });

  it('refuses a compressed chunk that inflates past the card limit (zip bomb)', () => {
    const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024, 0x41));
    const png = insertBeforeIend(
      renderAvatarPng('b', 4),
      encodePngChunk('zTXt', Buffer.concat([Buffer.from('chara\0\0', 'latin1'), bomb])),
    );
    const error = failure({ png });
    expect(error.code).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
    expect(error.message).toMatch(/zTXt chunk at byte \d+ holds more than the .* of text a card may use/);
  });

  it('lists every field of the wrong type, with its path', () => {
    const error = failure({
      json: v2({
        name: 42,
        description: ['not', 'a', 'string'],
        alternate_greetings: ['ok', 7],
        tags: 'fine, as a string',
        extensions: 'nope',
        character_book: {
          entries: [{ keys: 'solo', content: 1, enabled: 'yes', position: 'middle' }, 'not an entry'],
        },
        assets: [{ uri: 'ccdefault:' }],
      }),
    });
    expect(error.code).toBe(ErrorCode.INVALID_CARD);
    expect(issuePaths(error)).toEqual(
      expect.arrayContaining([
        'data.name',
        'data.description',
        'data.alternate_greetings[1]',
        'data.extensions',
        'data.character_book.entries[0].keys',
        'data.character_book.entries[0].content',
        'data.character_book.entries[0].enabled',
        'data.character_book.entries[0].position',
        'data.character_book.entries[1]',
        'data.assets[0].type',
      ]),
    );
    expect(issuePaths(error)).not.toContain('data.tags');
    expect(error.message).toMatch(/^This character card is invalid: data\.\S+ must be /);
  });

  it('refuses unsafe or broken regex lorebook keys, naming each, and keeps plain keys of regex entries', () => {
    const error = failure({
      json: v2({
        character_book: {
          entries: [
            {
              keys: ['C++', '/dragon(s)?/i'],
              content: 'fine: C++ is matched as plain text',
              use_regex: true,
            },
            { keys: ['(a+)+$'], content: 'x', use_regex: false },
            { keys: ['ok', '/(a+)+$/'], secondary_keys: '/[unclosed/, fine', content: 'x', use_regex: true },
          ],
        },
      }),
    });
    expect(error.code).toBe(ErrorCode.INVALID_CARD);
    expect(issuePaths(error)).toEqual([
      'data.character_book.entries[2].keys[1]',
      'data.character_book.entries[2].secondary_keys',
    ]);
    expect(error.message).toMatch(
      /^This character card is invalid: data\.character_book\.entries\[2\]\.keys\[1\] "\/\(a\+\)\+\$\/" is an unsafe regular expression: /,
    );
    expect(error.message).toContain(
      '"/[unclosed/" is not a valid regular expression: Unterminated character class',
    );
  });

  it('refuses a card without a name', () => {
    const error = failure({
      json: { spec: 'chara_card_v3', spec_version: '3.0', data: { description: 'nameless' } },
    });
    expect(error.code).toBe(ErrorCode.INVALID_CARD);
    expect(error.message).toBe(
      'This character card is invalid: data.name is missing: a character card needs a name.',
    );
  });

  it('refuses JSON that is not a card: an array, a lorebook, an unknown spec, data without spec', () => {
    expect(failure({ json: [1, 2] }).message).toBe(
      'This is not a character card: expected a JSON object, got an array.',
    );
    expect(failure({ json: { spec: 'lorebook_v3', data: {} } }).message).toMatch(/lorebook/);
    expect(failure({ json: { spec: 'chara_card_v9', data: { name: 'x' } } }).message).toMatch(
      /spec is "chara_card_v9"/,
    );
    expect(failure({ json: { data: { name: 'x' } } }).message).toMatch(/spec is missing/);
    expect(failure({ json: { spec: 'chara_card_v2', data: 'x' } }).message).toMatch(/data must be an object/);
    expect(failure({ json: '{"name": ' }).message).toMatch(/^The card file does not hold JSON/);
  });

  it(`refuses a lorebook of ${MAX_LOREBOOK_ENTRIES + 1} entries`, () => {
    const entries = Array.from({ length: MAX_LOREBOOK_ENTRIES + 1 }, (_, i) => ({
      keys: [`k${i}`],
      content: 'c',
    }));
    const error = failure({ json: v2({ character_book: { entries, extensions: {} } }) });
    expect(error.code).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
    expect(error.message).toBe(
      'This character card is too large: data.character_book.entries has 1001 entries; the limit is 1000.',
    );
  });

  it('accepts exactly the limit of lorebook entries', () => {
    const entries = Array.from({ length: MAX_LOREBOOK_ENTRIES }, (_, i) => ({
      keys: [`k${i}`],
      content: 'c',
    }));
    expect(readCard({ json: v2({ character_book: { entries } }) }).card.lorebook).toHaveLength(
      MAX_LOREBOOK_ENTRIES,
    );
  });

  it('refuses a 5 MB description, naming the field', () => {
    const error = failure({ json: v2({ description: 'x'.repeat(5 * 1024 * 1024) }) });
    expect(error.code).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
    expect(error.message).toMatch(
      /^This character card is too large: data\.description is 5 MiB; the limit is 64 KiB/,
    );
  });

  it('refuses a 5 MB description inside a PNG before decoding the whole card', () => {
    const card = toCardV2({ ...fullPersonaCard(), description: 'x'.repeat(5 * 1024 * 1024) });
    const error = failure({
      png: pngWith([{ keyword: 'chara', text: Buffer.from(JSON.stringify(card)).toString('base64') }]),
    });
    expect(error.code).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
    expect(error.message).toMatch(
      /^The PNG's tEXt chunk at byte \d+ holds 6\.\d MiB, over the 2\.\d MiB of text a card may use\.$/,
    );
  });

  it('refuses a 5 MB card sent as text before parsing it', () => {
    const error = failure({ json: JSON.stringify(v2({ description: 'x'.repeat(5 * 1024 * 1024) })) });
    expect(error.code).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
    expect(error.message).toBe('The card file is 5.0 MiB of JSON; the limit is 2 MiB.');
  });

  it('refuses too many tags, a tag too long, and a name too long', () => {
    const tags = Array.from({ length: 65 }, (_, i) => `tag${i}`);
    expect(failure({ json: v2({ tags }) }).message).toMatch(/data\.tags has 65 tags; the limit is 64/);
    expect(failure({ json: v2({ tags: ['y'.repeat(65)] }) }).message).toMatch(/has a tag of 65 characters/);
    expect(failure({ json: v2({ name: 'n'.repeat(201) }) }).message).toMatch(
      /data\.name is 201 characters; the limit is 200/,
    );
    expect(readCard({ json: v2({ name: '🦊'.repeat(200) }) }).card.name).toHaveLength(400);
  });

  it('stores <script> and other markup verbatim: not stripped, escaped or altered', () => {
    const script = '<script>alert(document.cookie)</script><img src=x onerror="alert(1)">&amp;';
    const { card } = readCard({
      json: v2({
        name: `<b>${script}</b>`,
        description: script,
        first_mes: script,
        alternate_greetings: [script],
        character_book: { entries: [{ keys: [script], content: script }] },
        extensions: { html: script },
      }),
    });
    expect(card.name).toBe(`<b>${script}</b>`);
    expect(card.description).toBe(script);
    expect(card.firstMessage).toBe(script);
    expect(card.alternateGreetings).toEqual([script]);
    expect(card.lorebook[0]).toMatchObject({ keys: [script], content: script });
    expect(card.extensions.html).toBe(script);
  });

  it('refuses NUL bytes anywhere, including inside extensions', () => {
    const inText = failure({ json: v2({ description: 'before\u0000after' }) });
    expect(inText.code).toBe(ErrorCode.INVALID_CARD);
    expect(inText.message).toBe(
      'This character card is invalid: data.description contains a NUL character (\\u0000), which cannot be stored.',
    );
    const inExtension = failure({ json: v2({ extensions: { tool: { note: 'a\u0000b' } } }) });
    expect(issuePaths(inExtension)).toEqual(['data.extensions.tool.note']);
  });

  it('refuses unpaired surrogates', () => {
    const error = failure({ json: v2({ personality: 'broken \ud83e emoji' }) });
    expect(error.message).toMatch(/data\.personality contains an unpaired UTF-16 surrogate/);
  });

  it('keeps a "__proto__" key in extensions as plain data without touching any prototype', () => {
    const text = JSON.stringify(v2({ extensions: {} }));
    const json: unknown = JSON.parse(
      text.replace('"extensions":{}', '"extensions":{"__proto__":{"polluted":true}}'),
    );
    const { card } = readCard({ json });
    expect(Object.getPrototypeOf(card.extensions)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(card.extensions, '__proto__')?.value).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses extensions nested deeper than the limit', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100; i += 1) deep = { d: deep };
    const error = failure({ json: v2({ extensions: { deep } }) });
    expect(error.code).toBe(ErrorCode.INVALID_CARD);
    expect(error.message).toMatch(/nests deeper than 64 levels/);
  });

  it('refuses both or neither of json and png', () => {
    expect(failure({}).code).toBe(ErrorCode.INVALID_CARD);
    expect(failure({ json: {}, png: Buffer.alloc(0) }).message).toMatch(/exactly one/);
  });

  it('round-trips what it accepts: a V3 card read and written back reads the same', () => {
    const card = readCard({ json: fixtureJson('risu-v3-shape.json') }).card;
    expect(readCard({ json: toCardV3(card) }).card).toStrictEqual(card);
    expect(readCard({ json: toCardV2(card) }).card).toStrictEqual(card);
  });
});

function insertBeforeIend(png: Buffer, chunk: Buffer): Buffer {
  const iend = png.length - 12;
  return Buffer.concat([png.subarray(0, iend), chunk, png.subarray(iend)]);
}
