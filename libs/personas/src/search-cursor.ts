import { isKeysetPosition, ValidationError } from '@app/common';

/** Opaque. Listing pages by keyset (createdAt, id); ranked search by offset, as ranks change with the query. */
export type SearchCursor =
  { kind: 'keyset'; createdAt: string; id: string } | { kind: 'offset'; offset: number };

export function encodeCursor(cursor: SearchCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** An offset scan costs every row before it, and a cursor past this can only be forged (100 pages of 100). */
export const MAX_SEARCH_OFFSET = 10_000;

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
    if (value.kind === 'keyset' && isKeysetPosition(value)) {
      return { kind: 'keyset', createdAt: value.createdAt as string, id: value.id as string };
    }
  } catch {
    // fall through to the error below
  }
  throw new ValidationError(
    'cursor is not one this API issued: pass nextCursor from the previous page unchanged',
  );
}
