import {
  CANONICAL_MEMORY_HEADER,
  LORE_SECTION_HEADER,
  MEMORY_SECTION_HEADER,
  PERSONA_NAME_PREFIX,
  SECTION_ITEM_PREFIX,
} from '@app/inference';
// The line formats of the system message. The embedded model parses them, so they are a contract: the shared
// prefixes come from @app/inference (persona-prompt-format.ts), and parsePromptSections must stay in step.
export const NAME_PREFIX = PERSONA_NAME_PREFIX;
export { CANONICAL_MEMORY_HEADER };
export const USER_FACTS_HEADER = MEMORY_SECTION_HEADER;
export const LORE_HEADER = LORE_SECTION_HEADER;
export const SUMMARY_PREFIX = 'Summary of earlier conversation: ';
export const ITEM_PREFIX = SECTION_ITEM_PREFIX;

export const SECTION_SEPARATOR = '\n\n';

/** Items are one line each; a newline inside an item would end it early for the parser. */
export function toSingleLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

export function renderNameLine(name: string): string {
  return `${NAME_PREFIX}${toSingleLine(name)}`;
}

/** A header followed by `- item` lines, or null when there is nothing to list. */
export function renderListSection(header: string, items: readonly string[]): string | null {
  const lines = items.map(toSingleLine).filter((item) => item.length > 0);
  if (lines.length === 0) return null;
  return [header, ...lines.map((line) => `${ITEM_PREFIX}${line}`)].join('\n');
}

export function renderSummaryLine(summary: string | null): string | null {
  const text = summary === null ? '' : toSingleLine(summary);
  return text.length > 0 ? `${SUMMARY_PREFIX}${text}` : null;
}

export interface PromptSections {
  name: string | null;
  canonicalMemory: string[];
  userFacts: string[];
  lore: string[];
  summary: string | null;
}

type ListKey = 'canonicalMemory' | 'userFacts' | 'lore';

const LIST_HEADERS: ReadonlyMap<string, ListKey> = new Map<string, ListKey>([
  [CANONICAL_MEMORY_HEADER, 'canonicalMemory'],
  [USER_FACTS_HEADER, 'userFacts'],
  [LORE_HEADER, 'lore'],
]);

/** Reads the sections back out of a system message; the inverse of the render functions above. */
export function parsePromptSections(system: string): PromptSections {
  const sections: PromptSections = {
    name: null,
    canonicalMemory: [],
    userFacts: [],
    lore: [],
    summary: null,
  };
  let list: ListKey | null = null;
  for (const line of system.split('\n')) {
    const header = LIST_HEADERS.get(line);
    if (header !== undefined) {
      list = header;
    } else if (list !== null && line.startsWith(ITEM_PREFIX)) {
      sections[list].push(line.slice(ITEM_PREFIX.length));
    } else {
      list = null;
      if (sections.name === null && line.startsWith(NAME_PREFIX))
        sections.name = line.slice(NAME_PREFIX.length);
      if (line.startsWith(SUMMARY_PREFIX)) sections.summary = line.slice(SUMMARY_PREFIX.length);
    }
  }
  return sections;
}
