import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { DomainError, ErrorCode } from '@app/common';
import {
  PNG_SIGNATURE,
  encodePng,
  encodePngChunk,
  encodeTextChunk,
  readPngChunks,
  readTextChunk,
  replaceTextChunks,
  textChunkKeyword,
} from './png-chunks';
import { MAX_PNG_CHUNKS } from './card-limits';

const fixture = (name: string): Buffer => readFileSync(join(__dirname, '__fixtures__', name));

function errorOf(action: () => unknown): DomainError {
  try {
    action();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

const ihdr = () => readPngChunks(fixture('st-v2-chara.png'))[0];

describe('readPngChunks', () => {
  it('lists the chunks of a PNG written by another tool, with their byte offsets', () => {
    const chunks = readPngChunks(fixture('st-v2-chara.png'));
    expect(chunks.map((chunk) => chunk.type)).toEqual(['IHDR', 'tEXt', 'IDAT', 'tEXt', 'IEND']);
    expect(chunks[0]).toMatchObject({ offset: 8 });
    expect(chunks[1].offset).toBe(8 + 12 + 13);
  });

  it('ignores bytes after IEND, as image viewers do', () => {
    const png = Buffer.concat([fixture('st-v2-chara.png'), Buffer.from('trailing junk')]);
    expect(readPngChunks(png).at(-1)?.type).toBe('IEND');
  });

  it('refuses a PNG that ends without IEND', () => {
    const png = encodePng([ihdr()]);
    const error = errorOf(() => readPngChunks(png));
    expect(error.code).toBe(ErrorCode.INVALID_CARD);
    expect(error.message).toBe(`The PNG is truncated: it ends at byte ${png.length} without an IEND chunk.`);
  });

  it('refuses a PNG whose first chunk is not IHDR', () => {
    const png = encodePng([{ type: 'IEND', data: Buffer.alloc(0) }]);
    expect(errorOf(() => readPngChunks(png)).message).toBe("The PNG's first chunk is 'IEND', not 'IHDR'.");
  });

  it('refuses an impossible chunk length', () => {
    const png = Buffer.concat([
      PNG_SIGNATURE,
      Buffer.from([0xff, 0xff, 0xff, 0xff]),
      Buffer.from('IHDR'),
      Buffer.alloc(8),
    ]);
    expect(errorOf(() => readPngChunks(png)).message).toBe(
      "The PNG's chunk 'IHDR' at byte 8 declares an impossible length (4294967295 bytes).",
    );
  });

  describe(`at most ${MAX_PNG_CHUNKS} chunks`, () => {
    /** IHDR, `count - 2` empty ancillary chunks, IEND: the cheapest way to make many chunks. */
    const pngOfChunks = (count: number): Buffer =>
      encodePng([
        ihdr(),
        ...Array.from({ length: count - 2 }, () => ({ type: 'prVt', data: Buffer.alloc(0) })),
        { type: 'IEND', data: Buffer.alloc(0) },
      ]);

    it(`reads a PNG of exactly ${MAX_PNG_CHUNKS} chunks`, () => {
      const chunks = readPngChunks(pngOfChunks(MAX_PNG_CHUNKS));
      expect(chunks).toHaveLength(MAX_PNG_CHUNKS);
      expect(chunks.at(-1)?.type).toBe('IEND');
    });

    it('refuses one chunk more as INVALID_CARD naming the limit, before reading the rest', () => {
      const png = pngOfChunks(MAX_PNG_CHUNKS + 1);
      const error = errorOf(() => readPngChunks(png));
      expect(error.code).toBe(ErrorCode.INVALID_CARD);
      // 8 (signature) + 25 (IHDR) + 12 per empty chunk: where chunk number MAX_PNG_CHUNKS + 1 starts.
      const offset = 8 + 25 + 12 * (MAX_PNG_CHUNKS - 1);
      expect(error.message).toBe(
        `The PNG has more than ${MAX_PNG_CHUNKS} chunks (at byte ${offset}, before IEND); a card may have at most ${MAX_PNG_CHUNKS}.`,
      );
      expect(error.details).toEqual({ issues: [{ path: 'png', message: error.message }] });
    });

    it('refuses hundreds of thousands of chunks without reading them all', () => {
      // Corrupt CRCs past the limit: read, they would fail as corrupted; refused first, they are never looked at.
      const png = pngOfChunks(500_000);
      png.fill(0xff, 8 + 25 + 12 * (MAX_PNG_CHUNKS + 10), png.length - 12);
      expect(errorOf(() => readPngChunks(png)).message).toMatch(`more than ${MAX_PNG_CHUNKS} chunks`);
    });
  });

  it('refuses an empty buffer as not a PNG', () => {
    expect(errorOf(() => readPngChunks(Buffer.alloc(0))).message).toMatch(/not a PNG/);
  });
});

describe('text chunks', () => {
  it('encodes tEXt as keyword, NUL, Latin-1 text, with a correct CRC', () => {
    const chunk = encodeTextChunk('chara', 'eyJ9');
    expect(chunk.subarray(4, 8).toString('latin1')).toBe('tEXt');
    expect(chunk.subarray(8, chunk.length - 4).toString('latin1')).toBe('chara\0eyJ9');
    const png = encodePng([
      ihdr(),
      { type: 'tEXt', data: chunk.subarray(8, chunk.length - 4) },
      { type: 'IEND', data: Buffer.alloc(0) },
    ]);
    const text = readPngChunks(png)[1];
    expect(readTextChunk(text, 100)).toEqual({ keyword: 'chara', text: 'eyJ9' });
  });

  it('refuses keywords and text tEXt cannot hold', () => {
    expect(() => encodeTextChunk('', 'x')).toThrow(/not a valid tEXt keyword/);
    expect(() => encodeTextChunk('k'.repeat(80), 'x')).toThrow(/not a valid tEXt keyword/);
    expect(() => encodeTextChunk('chara', 'snowman ☃')).toThrow(/Latin-1/);
  });

  it('reads compressed iTXt text as UTF-8', () => {
    const body = Buffer.concat([
      Buffer.from('Comment\0\x01\x00en\0\0', 'latin1'),
      deflateSync(Buffer.from('naïve ☃', 'utf8')),
    ]);
    const chunk = { type: 'iTXt', data: body, offset: 0 };
    expect(textChunkKeyword(chunk)).toBe('Comment');
    expect(readTextChunk(chunk, 100)).toEqual({ keyword: 'Comment', text: 'naïve ☃' });
  });

  it('refuses compressed text that is not zlib data', () => {
    const chunk = { type: 'zTXt', data: Buffer.from('chara\0\0not zlib', 'latin1'), offset: 99 };
    expect(errorOf(() => readTextChunk(chunk, 100)).message).toMatch(
      /^The PNG's zTXt chunk at byte 99 holds compressed text that does not decompress/,
    );
  });

  it('caps uncompressed text too', () => {
    const chunk = { type: 'tEXt', data: Buffer.from(`chara\0${'A'.repeat(2048)}`, 'latin1'), offset: 40 };
    const error = errorOf(() => readTextChunk(chunk, 1024));
    expect(error.code).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
    expect(error.message).toBe(
      "The PNG's tEXt chunk at byte 40 holds 2 KiB, over the 1 KiB of text a card may use.",
    );
  });
});

describe('replaceTextChunks', () => {
  it('drops matching text chunks of every kind, case-insensitively, and adds the new ones before IEND', () => {
    const base = fixture('st-v2-chara.png');
    const chunks = readPngChunks(base);
    const zText = encodePngChunk(
      'zTXt',
      Buffer.concat([Buffer.from('CCV3\0\0', 'latin1'), deflateSync(Buffer.from('stale'))]),
    );
    const withStale = Buffer.concat([
      base.subarray(0, chunks[4].offset),
      zText,
      base.subarray(chunks[4].offset),
    ]);

    const replaced = replaceTextChunks(
      withStale,
      ['chara', 'ccv3'],
      [
        { keyword: 'chara', text: 'bmV3' },
        { keyword: 'ccv3', text: 'djM=' },
      ],
    );

    const after = readPngChunks(replaced);
    expect(after.map((chunk) => textChunkKeyword(chunk) ?? chunk.type)).toEqual([
      'IHDR',
      'Software',
      'IDAT',
      'chara',
      'ccv3',
      'IEND',
    ]);
    expect(readTextChunk(after[3], 100).text).toBe('bmV3');
    expect(after[2].data).toEqual(chunks[2].data);
  });
});
