import { checkDepth, DomainError, MAX_JSON_DEPTH } from '@app/common';
import { cardTooLarge, invalidCard } from './card-issues';
import { MAX_CARD_JSON_BYTES, formatBytes } from './card-limits';

/** Base64 of the largest card JSON we accept, plus room for line breaks some writers insert. */
export const MAX_CARD_BASE64_CHARS = Math.ceil(MAX_CARD_JSON_BYTES / 3) * 4 + 64 * 1024;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Base64 of UTF-8 JSON, as both specs and every known writer produce; `what` names the chunk in messages. */
export function decodeBase64Card(text: string, what: string): unknown {
  const compact = text.replace(/\s+/g, '');
  // A JSON object cannot be base64 ('{' is outside the alphabet), so raw JSON in the chunk is unambiguous.
  if (compact.startsWith('{')) return parseCardJson(Buffer.from(text, 'latin1'), what);
  if (compact === '')
    throw invalidCard(`${capitalise(what)} is empty.`, [{ path: what, message: 'is empty' }]);
  if (!BASE64.test(compact) || compact.length % 4 === 1) {
    const bad = [...compact].findIndex((char) => !/[A-Za-z0-9+/=]/.test(char));
    const where = bad >= 0 ? ` (unexpected ${JSON.stringify(compact[bad])} at position ${bad})` : '';
    const message = `is not valid base64${where}`;
    throw invalidCard(`${capitalise(what)} ${message}; it should hold base64-encoded card JSON.`, [
      { path: what, message },
    ]);
  }
  const bytes = Buffer.from(compact, 'base64');
  return parseCardJson(bytes, what);
}

/** Card JSON from bytes or text: size-checked before anything is parsed, UTF-8 required. */
export function parseCardJson(input: Buffer | Uint8Array | string, what: string): unknown {
  const bytes =
    typeof input === 'string'
      ? Buffer.from(input, 'utf8')
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.length > MAX_CARD_JSON_BYTES) {
    const message = `is ${formatBytes(bytes.length)} of JSON; the limit is ${formatBytes(MAX_CARD_JSON_BYTES)}`;
    throw cardTooLarge(`${capitalise(what)} ${message}.`, [{ path: what, message }]);
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    const message = 'is not UTF-8 text';
    throw invalidCard(`${capitalise(what)} ${message}; card JSON must be UTF-8.`, [{ path: what, message }]);
  }
  try {
    // Checked on the text, before anything walks the parsed value.
    checkDepth(bytes, MAX_JSON_DEPTH);
  } catch (error) {
    const message = `nests deeper than ${MAX_JSON_DEPTH} levels`;
    if (error instanceof DomainError)
      throw invalidCard(`${capitalise(what)} ${message}.`, [{ path: what, message }]);
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = `does not hold JSON (${(error as Error).message})`;
    throw invalidCard(`${capitalise(what)} ${message}.`, [{ path: what, message }]);
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
