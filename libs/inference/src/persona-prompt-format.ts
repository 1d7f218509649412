// The system-prompt lines the prompt builder writes and the embedded model reads. They match
// libs/prompt's prompt-sections.ts byte for byte (that lib depends on this one, not the reverse).
// Blocks are separated by a blank line; list items are one line each.

export const PERSONA_NAME_PREFIX = 'Name: ';
export const PERSONALITY_PREFIX = 'Personality: ';
export const CANONICAL_MEMORY_HEADER = 'Canonical memory:';
export const MEMORY_SECTION_HEADER = 'Known facts about the user:';
export const LORE_SECTION_HEADER = 'Lore:';
export const SECTION_ITEM_PREFIX = '- ';

// Also accepts SillyTavern's "{{char}}'s personality: …" once the macro is substituted ("Mira's personality: …").
const PERSONALITY_LINE = /^(?:\S.*'s )?personality:\s*(.+)$/i;

export interface PersonaPrompt {
  name?: string;
  personality?: string;
  /** The persona's own canonical memories, in its first person. */
  canonical: string[];
  /** What the persona knows about the user, in the user's first person ("my dog is called Rex"). */
  facts: string[];
  lore: string[];
}

// A newline inside an item would end its section early for the parser.
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

export function formatPersonaName(name: string): string {
  return PERSONA_NAME_PREFIX + oneLine(name);
}

export function formatPersonality(personality: string): string {
  return PERSONALITY_PREFIX + oneLine(personality);
}

function formatSection(header: string, items: readonly string[]): string {
  const lines = items.map(oneLine).filter((item) => item.length > 0);
  return lines.length === 0 ? '' : [header, ...lines.map((item) => SECTION_ITEM_PREFIX + item)].join('\n');
}

/** Returns '' for no facts: an empty header would only cost tokens. */
export function formatMemorySection(facts: readonly string[]): string {
  return formatSection(MEMORY_SECTION_HEADER, facts);
}

export function formatCanonicalMemorySection(memories: readonly string[]): string {
  return formatSection(CANONICAL_MEMORY_HEADER, memories);
}

export function formatLoreSection(entries: readonly string[]): string {
  return formatSection(LORE_SECTION_HEADER, entries);
}

type ListKey = 'canonical' | 'facts' | 'lore';

const LIST_HEADERS: ReadonlyMap<string, ListKey> = new Map<string, ListKey>([
  [CANONICAL_MEMORY_HEADER, 'canonical'],
  [MEMORY_SECTION_HEADER, 'facts'],
  [LORE_SECTION_HEADER, 'lore'],
]);

export function parsePersonaPrompt(systemText: string): PersonaPrompt {
  const prompt: PersonaPrompt = { canonical: [], facts: [], lore: [] };
  let list: ListKey | undefined;
  for (const raw of systemText.split('\n')) {
    const line = raw.trim();
    if (list && line.startsWith(SECTION_ITEM_PREFIX)) {
      prompt[list].push(line.slice(SECTION_ITEM_PREFIX.length).trim());
      continue;
    }
    list = LIST_HEADERS.get(line);
    if (list) continue;
    if (prompt.name === undefined && line.startsWith(PERSONA_NAME_PREFIX)) {
      prompt.name = line.slice(PERSONA_NAME_PREFIX.length).trim();
    } else if (prompt.personality === undefined) {
      prompt.personality = PERSONALITY_LINE.exec(line)?.[1].trim();
    }
  }
  return prompt;
}
