import { ValidationError } from '@app/common';

/** Opaque. Listing pages by keyset (createdAt, id); ranked search by offset, as ranks change with the query. */
export type SearchCursor =
  { kind: 'keyset'; createdAt: string; id: string } | { kind: 'offset'; offset: number };

export function encodeCursor(cursor: SearchCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** An offset scan costs every row before it, and a cursor past this can only be forged (100 pages of 100). */
export const MAX_SEARCH_OFFSET = 10_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// What Date.toISOString gives for years 0000–9999, all of which PostgreSQL's timestamp can hold.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Exactly as toISOString wrote it: Date.parse alone accepts 31 February, which PostgreSQL refuses. */
function isIsoInstant(text: string): boolean {
  if (!ISO_INSTANT.test(text)) return false;
  const date = new Date(text);
  return !Number.isNaN(date.getTime()) && date.toISOString() === text;
}

/** Client input like any other: forged cursors are refused here with 400, never passed on to fail in SQL. */
export function decodeCursor(raw: string): SearchCursor {
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<SearchCursor> &
      Record<string, unknown>;
    if (
      value.kind === 'offset' &&
      Number.isSafeInteger(value.offset) &&
      (value.offset as number) >= 0 &&
      (value.offset as number) <= MAX_SEARCH_OFFSET
    ) {
      return { kind: 'offset', offset: value.offset as number };
    }
    if (
      value.kind === 'keyset' &&
      typeof value.createdAt === 'string' &&
      isIsoInstant(value.createdAt) &&
      typeof value.id === 'string' &&
      UUID.test(value.id)
    ) {
      return { kind: 'keyset', createdAt: value.createdAt, id: value.id };
    }
  } catch {
    // fall through to the error below
  }
  throw new ValidationError(
    'cursor is not one this API issued: pass nextCursor from the previous page unchanged',
  );
}
