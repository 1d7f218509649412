// Function words carry no topic; left in, every two questions that start "what is my" would look alike.
const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have he her hers him his how i ' +
    'if im in into is it its me my myself no not of on or our ours she so than that the their them then there ' +
    'these they this to too us was we were what whats when where which who whom why will with would you your ' +
    'yours ive am'
  ).split(' '),
);

/** Lower case, accents and apostrophes gone ("Café's" -> "cafe"), split on anything but letters and digits. */
export function tokenize(text: string): string[] {
  const plain = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['’]s\b/g, '')
    .replace(/['’]/g, '');
  return plain.split(/[^\p{L}\p{N}]+/u).filter((token) => token.length > 0);
}

/** Tokens without function words, unless nothing else is left (a question such as "who are you?"). */
export function contentTokens(tokens: readonly string[]): string[] {
  const content = tokens.filter((token) => !STOPWORDS.has(token));
  return content.length > 0 ? content : [...tokens];
}

export interface FeatureGroups {
  words: Map<string, number>;
  bigrams: Map<string, number>;
  /** Character trigrams of each word with boundary marks: they survive typos and inflections. */
  trigrams: Map<string, number>;
}

export function extractFeatures(text: string): FeatureGroups {
  const tokens = contentTokens(tokenize(text));
  const groups: FeatureGroups = { words: new Map(), bigrams: new Map(), trigrams: new Map() };
  tokens.forEach((token, i) => {
    count(groups.words, token);
    const next = tokens[i + 1];
    if (next !== undefined) count(groups.bigrams, `${token} ${next}`);
    const marked = `#${token}#`;
    for (let j = 0; j + 3 <= marked.length; j++) count(groups.trigrams, marked.slice(j, j + 3));
  });
  return groups;
}

function count(counts: Map<string, number>, feature: string): void {
  counts.set(feature, (counts.get(feature) ?? 0) + 1);
}
