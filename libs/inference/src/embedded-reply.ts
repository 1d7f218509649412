import { ChatMessage } from './chat-message';
import { bestMatch, contentWords, isQuestion, toSecondPerson } from './fact-recall';
import { parsePersonaPrompt, PersonaPrompt } from './persona-prompt-format';

// The embedded model's whole "brain": a reply composed from the persona's prompt and the last user
// message, with every free choice drawn from a hash of the full input, so the same input gives the same bytes.

const OPENERS_NAMED = ['{name} here!', 'Ah, hello! {name} speaking.', 'Hi, it is {name}.'];
const OPENERS = ['Hello!', 'Ah, hello!', 'Hi there!'];
const RECALLS = ['I remember: {fact}.', 'If memory serves, {fact}.', 'Of course I know that: {fact}.'];
const UNKNOWNS = [
  "I don't think you have told me that yet.",
  'Hmm, that is something I do not know yet. Will you tell me?',
  'You have not told me that, I am afraid.',
];
const LORES = ['Here is what I know: {lore}.', 'As the old tales go: {lore}.'];
const CHATS = [
  'Tell me more about {topic}.',
  '{Topic}? I could talk about that all day.',
  'I have been thinking about {topic} too.',
  'That is interesting, {topic} is close to my heart.',
  'Go on, I want to hear more about {topic}.',
];
const CLOSERS = ['Stay {trait}!', 'That is my {trait} take on it.', 'Said in my usual {trait} way.'];

// FNV-1a: tiny, dependency-free and stable across Node versions (receipts rely on the same bytes).
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

// mulberry32: successive choices from one seed, so adding a choice does not reuse the same bits.
function chooser(seed: number): <T>(options: readonly T[]) => T {
  let state = seed;
  return (options) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return options[((t ^ (t >>> 14)) >>> 0) % options.length];
  };
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = values[key.toLowerCase()] ?? '';
    return key[0] === key[0].toUpperCase() ? value.charAt(0).toUpperCase() + value.slice(1) : value;
  });
}

function traitOf(persona: PersonaPrompt): string | undefined {
  return persona.personality
    ?.toLowerCase()
    .split(/[^\p{L}-]+/u)
    .find((word) => word.length > 2);
}

function topicOf(text: string): string {
  const words = [...contentWords(text)];
  return words.reduce((longest, word) => (word.length > longest.length ? word : longest), '') || 'that';
}

// "My name is Ada" becomes "Your name is Ada", which reads wrong mid-sentence; other capitals are names.
function recalled(fact: string): string {
  const said = toSecondPerson(strip(fact));
  return /^You(r|rs|rself|'\w+)?\b/.test(said) ? said.charAt(0).toLowerCase() + said.slice(1) : said;
}

function strip(sentence: string): string {
  return sentence.trim().replace(/[.!?]+$/, '');
}

export function composeReply(messages: readonly ChatMessage[]): string {
  const system = messages
    .filter((message) => message.role === 'system')
    .map((message) => message.content)
    .join('\n');
  const persona = parsePersonaPrompt(system);
  const userTurns = messages.filter((message) => message.role === 'user').map((message) => message.content);
  const userText = userTurns.at(-1) ?? '';
  const choose = chooser(fnv1a(JSON.stringify(messages)));

  const parts = [persona.name ? fill(choose(OPENERS_NAMED), { name: persona.name }) : choose(OPENERS)];
  // Remembered facts first, then what the user said earlier in this conversation, the latest first.
  const fact = bestMatch(userText, [...persona.facts, ...statementsIn(userTurns.slice(0, -1).reverse())]);
  // The persona's own memories and world lore are woven in the same way: said as written, not rewritten.
  const lore = bestMatch(userText, [...persona.canonical, ...persona.lore]);
  if (isQuestion(userText) && fact) parts.push(fill(choose(RECALLS), { fact: recalled(fact) }));
  else if (lore) parts.push(fill(choose(LORES), { lore: strip(lore) }));
  else if (isQuestion(userText)) parts.push(choose(UNKNOWNS));
  else parts.push(fill(choose(CHATS), { topic: topicOf(userText) }));

  const trait = traitOf(persona);
  if (trait) parts.push(fill(choose(CLOSERS), { trait }));
  return parts.join(' ');
}

/** The sentences of earlier user turns that state something ("My cat is called Tomasino."), not questions. */
function statementsIn(turns: readonly string[]): string[] {
  return turns
    .flatMap((turn) => [...turn.split(/(?<=[.!?])\s+/)].reverse())
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence !== '' && !isQuestion(sentence));
}

/**
 * What the embedded model streams after `prefix`, the start of a reply another node delivered before it died
 * (takeover, docs/network.md). The model is deterministic, so for the same messages `prefix` is normally the start of
 * its own reply, and the rest of that reply follows: together they are byte for byte what one node would have sent.
 * A prefix it would not have written (another model, another version) is continued with its own whole reply after a
 * space: it cannot extend arbitrary text, and repeating part of the prefix or inventing words would be worse.
 */
export function continueReply(reply: string, prefix: string): string {
  if (reply.startsWith(prefix)) return reply.slice(prefix.length);
  return prefix === '' || /\s$/.test(prefix) ? reply : ` ${reply}`;
}

/** Word-level tokens: each is a word plus the whitespace after it, so joining them gives the text back. */
export function splitTokens(text: string): string[] {
  const tokens = text.match(/\s*\S+\s*/g) ?? [];
  // Only whitespace (a continuation can start or be left with just that) is one token, not nothing.
  return tokens.length === 0 && text !== '' ? [text] : tokens;
}
