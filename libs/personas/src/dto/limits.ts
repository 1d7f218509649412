// Limits that keep one persona within what a prompt, a card and a database row can reasonably hold.
export const PERSONA_LIMITS = {
  nameChars: 200,
  textChars: 65_536,
  shortTextChars: 1_000,
  tags: 64,
  tagChars: 64,
  greetings: 64,
  lorebookEntries: 1_000,
  keysPerEntry: 64,
  keyChars: 200,
} as const;
