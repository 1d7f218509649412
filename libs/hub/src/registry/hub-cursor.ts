import { ValidationError } from '@app/common';

/**
 * Search pages by offset into the ranking, not by keyset: results are ordered by relevance, which no column holds.
 * A model published between two pages can shift the later ones by a place (docs/hub.md).
 */
// Deep pages cost the whole ranking up to them; nobody reads past the thousandth result of a search.
export const MAX_SEARCH_OFFSET = 1_000;

export function encodeOffsetCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ kind: 'offset', offset }), 'utf8').toString('base64url');
}

export function decodeOffsetCursor(raw: string): number {
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Record<string, unknown>;
    const { offset } = value;
    if (
      value.kind === 'offset' &&
      Number.isInteger(offset) &&
      (offset as number) >= 0 &&
      (offset as number) <= MAX_SEARCH_OFFSET
    )
      return offset as number;
  } catch {
    // fall through to the error below
  }
  throw new ValidationError(
    'cursor is not one this API issued: pass nextCursor from the previous page unchanged',
  );
}
