// Word-overlap recall for the embedded model: enough to answer "what is my dog called?" from the fact
// "my dog is called Rex", with no embeddings and no randomness.

const STOP_WORDS = new Set(
  (
    'a an the and or but of to in on at by for from with as so is are was were be been am do does did ' +
    'i me my mine myself you your yours we us our it its this that these those there here ' +
    'what whats who whom whose where when which why how can could would will should shall may might ' +
    'have has had not no yes please tell remember know again just about called named call'
  ).split(' '),
);

const QUESTION_START =
  /^(what|who|whom|whose|where|when|which|why|how|do|does|did|is|are|am|can|could|would|will|tell|remember)\b/i;

function stem(word: string): string {
  return word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word;
}

export function contentWords(text: string): Set<string> {
  const words = text
    .toLowerCase()
    .replace(/['’]s\b/g, '') // "dog's" → "dog", "what's" → "what"
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0 && !STOP_WORDS.has(word));
  return new Set(words.map(stem));
}

export function isQuestion(text: string): boolean {
  const trimmed = text.trim();
  return trimmed.endsWith('?') || QUESTION_START.test(trimmed);
}

// Picks the item sharing the most content words with the query; ties go to the item with fewer other words
// (the more specific one), then to the earlier one (retrieval already ranked them). No overlap → undefined.
export function bestMatch(query: string, items: readonly string[]): string | undefined {
  const wanted = contentWords(query);
  let best: { item: string; overlap: number; ratio: number } | undefined;
  for (const item of items) {
    const words = contentWords(item);
    const overlap = [...words].filter((word) => wanted.has(word)).length;
    if (overlap === 0) continue;
    const ratio = overlap / words.size;
    if (!best || overlap > best.overlap || (overlap === best.overlap && ratio > best.ratio)) {
      best = { item, overlap, ratio };
    }
  }
  return best?.item;
}

const SECOND_PERSON: Record<string, string> = {
  i: 'you',
  "i'm": "you're",
  "i've": "you've",
  "i'd": "you'd",
  "i'll": "you'll",
  me: 'you',
  my: 'your',
  mine: 'yours',
  myself: 'yourself',
  am: 'are',
  we: 'you',
  us: 'you',
  our: 'your',
  ours: 'yours',
};

// "I" is capitalised wherever it stands, so only other capitalised words keep their capital.
function matchCase(replacement: string, original: string): string {
  return original[0] === original[0].toUpperCase() && !/^I('|$)/.test(original)
    ? replacement[0].toUpperCase() + replacement.slice(1)
    : replacement;
}

// Memories are stored in the user's words ("my dog is called Rex") or about the user ("The user's dog …");
// the persona says them back to the user: "your dog is called Rex".
export function toSecondPerson(fact: string): string {
  const normalised = fact
    .trim()
    .replace(/[.!]+$/, '')
    .replace(/\bthe user's\b/gi, 'your')
    .replace(/\bthe user\b/gi, 'you')
    .replace(/\bI was\b/g, 'you were');
  return normalised.replace(/[\p{L}']+/gu, (word) => {
    const replacement = SECOND_PERSON[word.toLowerCase()];
    return replacement === undefined ? word : matchCase(replacement, word);
  });
}
