import { MacroValues, substituteMacros } from './card-macros';
import {
  CANONICAL_MEMORY_HEADER,
  LORE_HEADER,
  renderListSection,
  renderNameLine,
  renderSummaryLine,
  SECTION_SEPARATOR,
  USER_FACTS_HEADER,
} from './prompt-sections';
import type { PromptCard } from './prompt.types';

/** SillyTavern's default main prompt; a card's systemPrompt replaces it, and may quote it as {{original}}. */
export const DEFAULT_MAIN_PROMPT =
  "Write {{char}}'s next reply in a fictional chat between {{char}} and {{user}}.";

const ORIGINAL_MACRO = /\{\{original\}\}/gi;

/** Laid out like SillyTavern's default story string; empty fields leave no line behind. */
export function renderCharacterBlock(card: PromptCard, macros: MacroValues): string {
  const mainPrompt =
    card.systemPrompt.trim() === ''
      ? DEFAULT_MAIN_PROMPT
      : card.systemPrompt.replace(ORIGINAL_MACRO, () => DEFAULT_MAIN_PROMPT);
  const parts = [
    mainPrompt,
    card.description,
    labelled("{{char}}'s personality: ", card.personality),
    labelled('Scenario: ', card.scenario),
    labelled('Example dialogues:\n', card.exampleDialogues),
  ];
  return parts
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => substituteMacros(part, macros))
    .join('\n');
}

/** The card's post-history instructions, or null; SillyTavern's own default for {{original}} here is empty. */
export function renderPostHistoryInstructions(card: PromptCard, macros: MacroValues): string | null {
  const text = substituteMacros(card.postHistoryInstructions.replace(ORIGINAL_MACRO, ''), macros).trim();
  return text === '' ? null : text;
}

export interface SystemMessageParts {
  name: string;
  characterBlock: string;
  canonicalMemories: readonly string[];
  userFacts: readonly string[];
  lore: readonly string[];
  summary: string | null;
}

/** Name line, character block, then the parsed sections in their fixed order, each block a blank line apart. */
export function renderSystemMessage(parts: SystemMessageParts): string {
  const blocks = [
    `${renderNameLine(parts.name)}\n${parts.characterBlock}`.trimEnd(),
    renderListSection(CANONICAL_MEMORY_HEADER, parts.canonicalMemories),
    renderListSection(USER_FACTS_HEADER, parts.userFacts),
    renderListSection(LORE_HEADER, parts.lore),
    renderSummaryLine(parts.summary),
  ];
  return blocks.filter((block): block is string => block !== null).join(SECTION_SEPARATOR);
}

function labelled(label: string, value: string): string {
  return value.trim() === '' ? '' : `${label}${value.trim()}`;
}
