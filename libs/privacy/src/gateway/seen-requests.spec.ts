import { SeenRequests } from './seen-requests';

const enc = (fill: number): Uint8Array => new Uint8Array(32).fill(fill);

describe('SeenRequests', () => {
  it('accepts a (key, enc) once and refuses its copy, even as a new array', () => {
    const seen = new SeenRequests();
    expect(seen.firstTime(1, enc(7))).toBe(true);
    expect(seen.firstTime(1, enc(7))).toBe(false);
    expect(seen.firstTime(1, enc(8))).toBe(true);
  });

  it('keeps keys apart: the same enc under another key is not a copy', () => {
    const seen = new SeenRequests();
    expect(seen.firstTime(1, enc(7))).toBe(true);
    expect(seen.firstTime(2, enc(7))).toBe(true);
  });

  it('says when a key holds maxPerKey requests (the gateway then rotates instead of forgetting)', () => {
    const seen = new SeenRequests(3);
    for (const fill of [1, 2]) seen.firstTime(9, enc(fill));
    expect(seen.full(9)).toBe(false);
    seen.firstTime(9, enc(3));
    expect(seen.full(9)).toBe(true);
    expect(seen.full(10)).toBe(false);
    // Full does not mean forgetful: copies are still refused.
    expect(seen.firstTime(9, enc(1))).toBe(false);
  });

  it('forgets only the requests of keys no longer accepted', () => {
    const seen = new SeenRequests();
    seen.firstTime(1, enc(7));
    seen.firstTime(2, enc(7));
    seen.prune((keyId) => keyId === 2);
    expect(seen.firstTime(2, enc(7))).toBe(false);
    // Retired key 1's requests fail decapsulation anyway; its memory is freed.
    expect(seen.firstTime(1, enc(7))).toBe(true);
  });
});
