import { SLUG_PATTERN, slugify } from './slug';

describe('slugify', () => {
  it.each([
    ['Seraphina', 'seraphina'],
    ['Café Owner!', 'cafe-owner'],
    ['  --Ada   Lovelace--  ', 'ada-lovelace'],
    ['進撃の巨人', 'persona'],
    ['<script>alert(1)</script>', 'script-alert-1-script'],
    ['a'.repeat(100), 'a'.repeat(48)],
  ])('%s → %s, a valid slug', (name, slug) => {
    expect(slugify(name)).toBe(slug);
    expect(slugify(name)).toMatch(SLUG_PATTERN);
  });
});
