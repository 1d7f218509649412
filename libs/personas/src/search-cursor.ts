import { ValidationError } from '@app/common';

/**
 * Opaque to clients. Listing pages by keyset (createdAt, id), stable while rows are added; ranked search pages
 * by offset, because ranks change with the query and keysets over floats are fragile.
 */
export type SearchCursor =
  { kind: 'keyset'; createdAt: string; id: string } | { kind: 'offset'; offset: number };

export function encodeCursor(cursor: SearchCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function decodeCursor(raw: string): SearchCursor {
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<SearchCursor> &
      Record<string, unknown>;
    if (value.kind === 'offset' && Number.isInteger(value.offset) && (value.offset as number) >= 0) {
      return { kind: 'offset', offset: value.offset as number };
    }
    if (
      value.kind === 'keyset' &&
      typeof value.createdAt === 'string' &&
      typeof value.id === 'string' &&
      !Number.isNaN(Date.parse(value.createdAt))
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
