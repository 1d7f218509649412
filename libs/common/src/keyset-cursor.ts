import { ValidationError } from './domain-error';

/**
 * Where a keyset page ended: the last row's (createdAt, id). Stable under inserts, unlike an offset, and any row is
 * reached with an index seek. Cursors go to clients base64url-encoded, opaque, and come back as untrusted input.
 */
export interface KeysetPosition {
  createdAt: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// What Date.toISOString gives for years 0000–9999, all of which PostgreSQL's timestamp can hold.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Exactly as toISOString wrote it: Date.parse alone accepts 31 February, which PostgreSQL refuses. */
function isIsoInstant(text: string): boolean {
  if (!ISO_INSTANT.test(text)) return false;
  const date = new Date(text);
  return !Number.isNaN(date.getTime()) && date.toISOString() === text;
}

/** A decoded cursor's fields, checked before they reach SQL. */
export function isKeysetPosition(value: Record<string, unknown>): boolean {
  return (
    typeof value.createdAt === 'string' &&
    isIsoInstant(value.createdAt) &&
    typeof value.id === 'string' &&
    UUID.test(value.id)
  );
}

export function keysetPositionOf(row: { createdAt: Date; id: string }): KeysetPosition {
  return { createdAt: row.createdAt.toISOString(), id: row.id };
}

export function encodeKeysetCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify({ kind: 'keyset', ...position }), 'utf8').toString('base64url');
}

/** A forged or damaged cursor is 400 VALIDATION_FAILED, never a 500 from SQL. */
export function decodeKeysetCursor(raw: string): KeysetPosition {
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (value.kind === 'keyset' && isKeysetPosition(value))
      return { createdAt: value.createdAt as string, id: value.id as string };
  } catch {
    // fall through to the error below
  }
  throw new ValidationError(
    'cursor is not one this API issued: pass nextCursor from the previous page unchanged',
  );
}
