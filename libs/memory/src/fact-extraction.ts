/**
 * Rule-based, deterministic and cheap, so the memory job needs no model. Only first-person statements, never
 * questions, so what the persona said (or recalled) is never stored as something the user said.
 */
export interface ExtractedFact {
  content: string;
  /** Facts with the same key describe the same thing: a newer one supersedes an older one. Null: no supersession. */
  key: string | null;
  importance: number;
}

interface Rule {
  pattern: RegExp;
  key: (match: RegExpExecArray) => string | null;
  importance: number;
}

const RULES: Rule[] = [
  // "my dog is called Rex", "my favourite colour is green", "my name is Ada"
  {
    pattern: /^my ([a-z][a-z' -]{0,40}?)(?:'s name)? (?:is|are|was|were)\b(?: called| named)? \S/i,
    key: (m) => `my ${normalise(m[1] ?? '')}`,
    importance: 0.7,
  },
  { pattern: /^i(?: am|'m) (?:called|named) \S/i, key: () => 'my name', importance: 0.9 },
  { pattern: /^i live in \S/i, key: () => 'i live in', importance: 0.6 },
  { pattern: /^i(?:'ve| have) (?:a|an|two|three|\d+) \S/i, key: () => null, importance: 0.5 },
  { pattern: /^i work (?:as|at|for|in) \S/i, key: () => 'i work', importance: 0.6 },
  { pattern: /^i(?: am|'m) (?:a|an) \S/i, key: () => 'i am a', importance: 0.6 },
  { pattern: /^i(?: am|'m) (?:allergic|vegetarian|vegan)\b/i, key: () => null, importance: 0.9 },
  { pattern: /^i (?:really )?(?:like|love|enjoy|hate|prefer)\b \S/i, key: () => null, importance: 0.4 },
  { pattern: /^i(?: was|'m| am) born\b/i, key: () => 'i was born', importance: 0.7 },
];

const QUESTION_START =
  /^(?:what|who|where|when|why|how|which|do|does|did|is|are|can|could|would|should|will)\b/i;

export function extractFacts(text: string): ExtractedFact[] {
  const facts: ExtractedFact[] = [];
  const seen = new Set<string>();
  for (const raw of splitSentences(text)) {
    const sentence = stripLeadIn(raw);
    if (!sentence || raw.trim().endsWith('?') || QUESTION_START.test(sentence)) continue;
    for (const rule of RULES) {
      const match = rule.pattern.exec(sentence);
      if (!match) continue;
      const content = sentence.replace(/[.!\s]+$/, '');
      if (content.length > 300 || seen.has(content.toLowerCase())) break;
      seen.add(content.toLowerCase());
      facts.push({ content, key: rule.key(match), importance: rule.importance });
      break;
    }
  }
  return facts;
}

export function factKey(content: string): string | null {
  return extractFacts(content)[0]?.key ?? null;
}

export function sameFact(a: string, b: string): boolean {
  return normalise(a) === normalise(b);
}

function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

// "Oh, and by the way, my dog is called Rex" → "my dog is called Rex"
function stripLeadIn(sentence: string): string {
  return sentence
    .replace(/^(?:(?:oh|well|so|also|and|btw|by the way|actually|yes|no|hi|hello|hey)\b[,!]?\s*)+/i, '')
    .trim();
}

function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
