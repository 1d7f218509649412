import { ValidationError } from '@app/common';
import { decodeCursor, encodeCursor } from './search-cursor';

describe('search cursors', () => {
  it('round-trip both kinds', () => {
    const keyset = { kind: 'keyset' as const, createdAt: '2026-01-01T00:00:00.000Z', id: 'abc' };
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
});
