import { ValidationError } from '@app/common';
import { decodeCursor, encodeCursor, MAX_SEARCH_OFFSET } from './search-cursor';

describe('search cursors', () => {
  it('round-trip both kinds', () => {
    const keyset = {
      kind: 'keyset' as const,
      createdAt: '2026-01-01T00:00:00.000Z',
      id: '0b6f6f3e-8c1a-4f53-9d0e-2a7c3b1e5d44',
    };
    expect(decodeCursor(encodeCursor(keyset))).toEqual(keyset);
    expect(decodeCursor(encodeCursor({ kind: 'offset', offset: 40 }))).toEqual({
      kind: 'offset',
      offset: 40,
    });
  });

  it.each([
    '',
    'garbage',
    Buffer.from('{"kind":"offset","offset":-1}').toString('base64url'),
    Buffer.from('{"kind":"keyset","createdAt":"never"}').toString('base64url'),
  ])('reject %p with a validation error', (raw) => {
    expect(() => decodeCursor(raw)).toThrow(ValidationError);
  });

  const forged = (cursor: object) => Buffer.from(JSON.stringify(cursor)).toString('base64url');
  const uuid = '0b6f6f3e-8c1a-4f53-9d0e-2a7c3b1e5d44';
  it.each([
    ['an offset of 1e300', { kind: 'offset', offset: 1e300 }],
    ['an offset past the deepest page', { kind: 'offset', offset: MAX_SEARCH_OFFSET + 1 }],
    ['a keyset id that is not a UUID', { kind: 'keyset', createdAt: '2026-01-01T00:00:00.000Z', id: 'abc' }],
    ['a date PostgreSQL cannot hold', { kind: 'keyset', createdAt: '-271821-04-20T00:00:00.000Z', id: uuid }],
    ['a date that does not exist', { kind: 'keyset', createdAt: '2026-02-31T00:00:00.000Z', id: uuid }],
  ])('reject a forged cursor with %s', (_what, cursor) => {
    expect(() => decodeCursor(forged(cursor))).toThrow(ValidationError);
  });
});
