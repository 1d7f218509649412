import { crc32, inflateSync } from 'node:zlib';
import { DomainError } from '@app/common';
import { cardTooLarge, invalidCard } from './card-issues';
import { formatBytes, MAX_PNG_CHUNKS } from './card-limits';

// PNG chunk layout (https://www.w3.org/TR/png/#5Chunk-layout): 4-byte big-endian length, 4-byte type, data,
// 4-byte CRC-32 over type + data. We keep every chunk's bytes as they are and only add or drop text chunks,
// so a card's image (and any other metadata, like RisuAI's embedded assets) survives our edits untouched.

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const MAX_CHUNK_LENGTH = 0x7fffffff;
const TEXT_CHUNK_TYPES = new Set(['tEXt', 'zTXt', 'iTXt']);

export interface PngChunk {
  type: string;
  data: Buffer;
  /** Where the chunk starts in the file (its length field), for messages a person can act on. */
  offset: number;
}

export interface PngText {
  keyword: string;
  text: string;
}

/**
 * Checks the signature, every length and CRC, IHDR first and IEND last (anything after is ignored, as viewers do);
 * past `maxChunks` it stops before the next chunk, so work stays bounded whatever the file holds.
 */
export function readPngChunks(png: Buffer, maxChunks: number = MAX_PNG_CHUNKS): PngChunk[] {
  if (png.length < PNG_SIGNATURE.length || !png.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
    throw pngError('This file is not a PNG: it does not start with the PNG signature.');
  }
  const chunks: PngChunk[] = [];
  let offset = PNG_SIGNATURE.length;
  for (;;) {
    if (chunks.length >= maxChunks) {
      throw pngError(
        `The PNG has more than ${maxChunks} chunks (at byte ${offset}, before IEND); a card may have at most ${maxChunks}.`,
      );
    }
    if (offset + 8 > png.length) {
      throw pngError(`The PNG is truncated: it ends at byte ${png.length} without an IEND chunk.`);
    }
    const length = png.readUInt32BE(offset);
    const typeBytes = png.subarray(offset + 4, offset + 8);
    const type = typeBytes.toString('latin1');
    if (!/^[A-Za-z]{4}$/.test(type)) {
      throw pngError(
        `The PNG has garbage at byte ${offset} where a chunk should start (type bytes 0x${typeBytes.toString('hex')}).`,
      );
    }
    const label = `chunk '${type}' at byte ${offset}`;
    if (length > MAX_CHUNK_LENGTH)
      throw pngError(`The PNG's ${label} declares an impossible length (${length} bytes).`);
    const end = offset + 12 + length;
    if (end > png.length) {
      throw pngError(
        `The PNG is truncated: its ${label} declares ${length} bytes of data but only ${Math.max(0, png.length - offset - 12)} remain.`,
      );
    }
    const data = png.subarray(offset + 8, offset + 8 + length);
    const stored = png.readUInt32BE(offset + 8 + length);
    const computed = crc32(data, crc32(typeBytes));
    if (stored !== computed) {
      throw pngError(
        `The PNG's ${label} has a bad CRC (stored 0x${hex32(stored)}, computed 0x${hex32(computed)}): the file is corrupted.`,
      );
    }
    if (chunks.length === 0 && type !== 'IHDR')
      throw pngError(`The PNG's first chunk is '${type}', not 'IHDR'.`);
    chunks.push({ type, data, offset });
    if (type === 'IEND') return chunks;
    offset = end;
  }
}

export function encodePngChunk(type: string, data: Buffer): Buffer {
  const typeBytes = Buffer.from(type, 'latin1');
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  typeBytes.copy(chunk, 4);
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(data, crc32(typeBytes)), 8 + data.length);
  return chunk;
}

export function encodePng(chunks: ReadonlyArray<Pick<PngChunk, 'type' | 'data'>>): Buffer {
  return Buffer.concat([PNG_SIGNATURE, ...chunks.map((chunk) => encodePngChunk(chunk.type, chunk.data))]);
}

/** A `tEXt` chunk: Latin-1 keyword (1–79 bytes), NUL, Latin-1 text. */
export function encodeTextChunk(keyword: string, text: string): Buffer {
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(keyword))
    throw new Error(`'${keyword}' is not a valid tEXt keyword`);
  // Scans without copies: a card's text is megabytes of base64.
  if (/[\u0100-\uffff]/.test(text) || text.includes('\0'))
    throw new Error('tEXt text must be Latin-1 without NUL');
  return encodePngChunk(
    'tEXt',
    Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]),
  );
}

export function textChunkKeyword(chunk: PngChunk): string | undefined {
  if (!TEXT_CHUNK_TYPES.has(chunk.type)) return undefined;
  const nul = chunk.data.indexOf(0);
  if (nul < 1 || nul > 79) return undefined;
  return chunk.data.subarray(0, nul).toString('latin1');
}

/**
 * Card tools write tEXt, but some sites ship zTXt and some readers accept iTXt, so all three are read; compressed
 * text is inflated with a cap, so a small zip bomb cannot expand into gigabytes.
 */
export function readTextChunk(chunk: PngChunk, maxTextBytes: number): PngText {
  const keyword = textChunkKeyword(chunk);
  const label = `The PNG's ${chunk.type} chunk at byte ${chunk.offset}`;
  if (keyword === undefined) throw pngError(`${label} has no keyword.`);
  const rest = chunk.data.subarray(keyword.length + 1);
  switch (chunk.type) {
    case 'tEXt':
      return { keyword, text: capped(rest, maxTextBytes, label).toString('latin1') };
    case 'zTXt':
      return { keyword, text: inflateCapped(rest.subarray(1), maxTextBytes, label).toString('latin1') };
    default:
      return { keyword, text: readInternationalText(rest, maxTextBytes, label) };
  }
}

/** `iTXt` after its keyword: compression flag, method, language tag NUL, translated keyword NUL, UTF-8 text. */
function readInternationalText(rest: Buffer, maxTextBytes: number, label: string): string {
  const compressed = rest[0] === 1;
  const languageEnd = rest.indexOf(0, 2);
  const translatedEnd = languageEnd < 0 ? -1 : rest.indexOf(0, languageEnd + 1);
  if (rest.length < 2 || translatedEnd < 0) throw pngError(`${label} is malformed (iTXt header incomplete).`);
  const body = rest.subarray(translatedEnd + 1);
  const bytes = compressed ? inflateCapped(body, maxTextBytes, label) : capped(body, maxTextBytes, label);
  return bytes.toString('utf8');
}

function capped(bytes: Buffer, maxTextBytes: number, label: string): Buffer {
  if (bytes.length > maxTextBytes) throw tooMuchText(bytes.length, maxTextBytes, label);
  return bytes;
}

function inflateCapped(bytes: Buffer, maxTextBytes: number, label: string): Buffer {
  try {
    return inflateSync(bytes, { maxOutputLength: maxTextBytes });
  } catch (error) {
    // Checked by code, not `instanceof RangeError`: errors from Node internals may come from another realm.
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw tooMuchText(undefined, maxTextBytes, label);
    throw pngError(`${label} holds compressed text that does not decompress (${(error as Error).message}).`);
  }
}

function tooMuchText(bytes: number | undefined, maxTextBytes: number, label: string): DomainError {
  const size = bytes === undefined ? 'more than' : `${formatBytes(bytes)}, over`;
  return cardTooLarge(`${label} holds ${size} the ${formatBytes(maxTextBytes)} of text a card may use.`, [
    { path: 'png', message: 'holds too much text' },
  ]);
}

/** Drops text chunks whose keyword is in `replace` (case-insensitively, as SillyTavern) and adds `add` before IEND. */
export function replaceTextChunks(png: Buffer, replace: readonly string[], add: readonly PngText[]): Buffer {
  const drop = new Set(replace.map((keyword) => keyword.toLowerCase()));
  const kept = readPngChunks(png).filter((chunk) => !drop.has(textChunkKeyword(chunk)?.toLowerCase() ?? ''));
  const iend = kept.pop();
  if (!iend) throw new Error('readPngChunks always ends with IEND');
  return Buffer.concat([
    PNG_SIGNATURE,
    ...kept.map((chunk) => encodePngChunk(chunk.type, chunk.data)),
    ...add.map((text) => encodeTextChunk(text.keyword, text.text)),
    encodePngChunk(iend.type, iend.data),
  ]);
}

function pngError(message: string): DomainError {
  return invalidCard(message, [{ path: 'png', message }]);
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}
