import type { ChatMessage } from '@app/inference';
import type { LorebookEntry, PersonaCard } from '@app/personas';
import { MacroValues, substituteMacros } from './card-macros';
import { ITEM_PREFIX } from './prompt-sections';
import { estimateTokens } from './token-budget';

/** SillyTavern's defaults when a lorebook leaves them unset. */
export const DEFAULT_SCAN_DEPTH = 4;
export const DEFAULT_LOREBOOK_TOKEN_BUDGET = 512;

export interface LoreScanWindow {
  /** Oldest first; only the last `scanDepth` turns are scanned. */
  history: readonly ChatMessage[];
  newMessage: string;
}

export interface TriggeredLoreEntry {
  /** Index into card.lorebook. */
  index: number;
  /** With macros substituted, as it goes into the prompt. */
  content: string;
}

/**
 * The lorebook entries to include, in insertion order (then priority, highest first). Constant entries always
 * trigger; others need a primary key in the scan window, and selective ones also a secondary key. When the
 * entries exceed the lorebook budget, constant entries win first, then higher priority.
 */
export function selectLorebookEntries(
  card: PersonaCard,
  window: LoreScanWindow,
  macros: MacroValues,
): TriggeredLoreEntry[] {
  const depth = Math.max(0, card.lorebookSettings.scanDepth ?? DEFAULT_SCAN_DEPTH);
  const recent = depth === 0 ? [] : window.history.slice(-depth);
  const scanText = [...recent.map((message) => message.content), window.newMessage].join('\n');

  const triggered = card.lorebook
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry }) => entry.enabled && isTriggered(entry, scanText, macros));

  const budget = card.lorebookSettings.tokenBudget ?? DEFAULT_LOREBOOK_TOKEN_BUDGET;
  let used = 0;
  const admitted = new Set<number>();
  for (const { entry, index } of [...triggered].sort(byBudgetPreference)) {
    const cost = estimateTokens(`${ITEM_PREFIX}${substituteMacros(entry.content, macros)}\n`);
    if (used + cost > budget) continue;
    used += cost;
    admitted.add(index);
  }

  return triggered
    .filter(({ index }) => admitted.has(index))
    .sort(byInsertionOrder)
    .map(({ entry, index }) => ({ index, content: substituteMacros(entry.content, macros) }));
}

interface IndexedEntry {
  entry: LorebookEntry;
  index: number;
}

function byInsertionOrder(a: IndexedEntry, b: IndexedEntry): number {
  return (
    a.entry.insertionOrder - b.entry.insertionOrder ||
    b.entry.priority - a.entry.priority ||
    a.index - b.index
  );
}

function byBudgetPreference(a: IndexedEntry, b: IndexedEntry): number {
  return (
    Number(b.entry.constant) - Number(a.entry.constant) ||
    b.entry.priority - a.entry.priority ||
    byInsertionOrder(a, b)
  );
}

function isTriggered(entry: LorebookEntry, scanText: string, macros: MacroValues): boolean {
  if (entry.constant) return true;
  if (!anyKeyMatches(entry, entry.keys, scanText, macros)) return false;
  // A selective entry with no secondary keys behaves as a plain one, as in SillyTavern.
  if (!entry.selective || entry.secondaryKeys.every((key) => key.trim() === '')) return true;
  return anyKeyMatches(entry, entry.secondaryKeys, scanText, macros);
}

function anyKeyMatches(
  entry: LorebookEntry,
  keys: readonly string[],
  text: string,
  macros: MacroValues,
): boolean {
  return keys.some((key) => {
    const expanded = substituteMacros(key, macros).trim();
    return expanded.length > 0 && keyPattern(expanded, entry).test(text);
  });
}

function keyPattern(key: string, entry: LorebookEntry): RegExp {
  const caseFlag = entry.caseSensitive ? '' : 'i';
  if (entry.useRegex) {
    // Keys may be written bare or as /pattern/flags; a key that does not compile falls back to a literal.
    const literal = /^\/(.+)\/([a-z]*)$/s.exec(key);
    const source = literal ? literal[1] : key;
    const flags = literal ? literal[2].replace(/[gyi]/g, '') : '';
    try {
      return new RegExp(source, `${flags}${caseFlag}`);
    } catch {
      return wholeWord(key, caseFlag);
    }
  }
  return wholeWord(key, caseFlag);
}

// \b only knows ASCII words; these lookarounds treat any letter or digit as part of a word.
function wholeWord(key: string, caseFlag: string): RegExp {
  const escaped = key.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, `u${caseFlag}`);
}
