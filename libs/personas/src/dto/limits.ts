import { MAX_REGEX_KEY_CHARS } from '@app/prompt/lorebook-keys';
import { CARD_LIMITS } from '../cards/card-limits';

// One set of limits for personas made through the API and personas imported from cards, so anything the API
// accepts exports to a card that imports again.
export const PERSONA_LIMITS = {
  nameChars: CARD_LIMITS.maxNameChars,
  textBytes: CARD_LIMITS.maxTextFieldBytes,
  shortTextChars: 1_000,
  tags: CARD_LIMITS.maxTags,
  tagChars: CARD_LIMITS.maxTagChars,
  greetings: 64,
  lorebookEntries: CARD_LIMITS.maxLorebookEntries,
  keysPerEntry: 64,
  /** Keys and secondary keys of all entries together: each one is matched on every chat turn. */
  lorebookKeys: 10_000,
  keyChars: MAX_REGEX_KEY_CHARS,
} as const;
