// Characters that render (nearly) alike in common fonts, mapped to the Latin letter a reader would take them for.
const CONFUSABLES: Record<string, string> = {
  '0': 'o',
  '1': 'l',
  '5': 's',
  i: 'l',
  // Cyrillic
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  х: 'x',
  у: 'y',
  і: 'l',
  ј: 'j',
  ѕ: 's',
  к: 'k',
  // Greek
  ο: 'o',
  α: 'a',
  ε: 'e',
  ι: 'l',
  κ: 'k',
  ρ: 'p',
  ν: 'v',
};

const SEPARATORS = /[\s\-_.\u200b-\u200d\u2060\ufeff]/gu;

/**
 * The form two model names share when a reader could mistake one for the other: NFKC (full-width and ligature forms
 * fold), lowercase, no spaces, dashes, underscores, dots or zero-width characters, and look-alike characters
 * folded ('i' and '1' both to 'l', since "Resnet-1" and "ResNet-l" and "ResNet-I" are all read alike).
 */
export function normalizeModelName(name: string): string {
  // Then decomposed, without combining marks (accents), invisible format characters (soft hyphens, direction marks
  // and overrides, joiners) and any other space: none of them changes what a reader sees as the name.
  const folded = name
    .normalize('NFKC')
    .normalize('NFD')
    .replace(/[\p{M}\p{Cf}\p{Z}]/gu, '')
    .toLowerCase()
    .replace(SEPARATORS, '');
  let out = '';
  for (const char of folded) out += CONFUSABLES[char] ?? char;
  return out;
}
