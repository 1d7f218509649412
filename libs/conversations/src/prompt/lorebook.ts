import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { ChatMessage } from '@app/inference';
import { describeRegexRisk, findRegexRisk, MAX_REGEX_KEY_CHARS, regexKeyParts } from '@app/personas';
import type { LorebookEntry, PersonaCard, RegexRisk } from '@app/personas';
import { MacroValues, substituteMacros } from './card-macros';
import { ITEM_PREFIX } from './prompt-sections';
import { estimateTokens } from './token-budget';

/** SillyTavern's defaults when a lorebook leaves them unset. */
export const DEFAULT_SCAN_DEPTH = 4;
export const DEFAULT_LOREBOOK_TOKEN_BUDGET = 512;

/**
 * Every regex key runs on the api's event loop on every turn, so even those that pass the safety check at the
 * edge get bounds here: a regex that passed may still take quadratic time, so regex keys see only the newest
 * text, and all of a lorebook's regex keys share a time budget per turn. Plain keys match in linear time and
 * see more.
 */
export interface LoreScanLimits {
  /** Plain keys scan the last this many characters of the window. */
  scanChars: number;
  /** Regex keys scan the last this many characters of the window. */
  regexScanChars: number;
  /** Once a turn's regex keys have taken this long, the rest count as not matching. */
  regexTimeBudgetMs: number;
}

export const DEFAULT_LORE_SCAN_LIMITS: Readonly<LoreScanLimits> = Object.freeze({
  scanChars: 20_000,
  regexScanChars: 4_000,
  regexTimeBudgetMs: 50,
});

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
  limits: Partial<LoreScanLimits> = {},
): TriggeredLoreEntry[] {
  const { scanChars, regexScanChars, regexTimeBudgetMs } = { ...DEFAULT_LORE_SCAN_LIMITS, ...limits };
  const depth = Math.max(0, card.lorebookSettings.scanDepth ?? DEFAULT_SCAN_DEPTH);
  const recent = depth === 0 ? [] : window.history.slice(-depth);
  const text = lastChars(
    [...recent.map((message) => message.content), window.newMessage].join('\n'),
    scanChars,
  );
  const scan: Scan = {
    text,
    regexText: lastChars(text, regexScanChars),
    macros,
    // Names go into a regex key as literal text: a user called "(a+)+" must not change what a key means.
    regexMacros: { char: escapeRegex(macros.char), user: escapeRegex(macros.user) },
    deadline: performance.now() + regexTimeBudgetMs,
  };

  const triggered = card.lorebook
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry, index }) => entry.enabled && isTriggered(entry, index, scan));

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

interface Scan {
  text: string;
  regexText: string;
  macros: MacroValues;
  regexMacros: MacroValues;
  /** performance.now() after which regex keys are no longer run. */
  deadline: number;
}

function isTriggered(entry: LorebookEntry, index: number, scan: Scan): boolean {
  if (entry.constant) return true;
  if (!anyKeyMatches(entry, index, entry.keys, scan)) return false;
  // A selective entry with no secondary keys behaves as a plain one, as in SillyTavern.
  if (!entry.selective || entry.secondaryKeys.every((key) => key.trim() === '')) return true;
  return anyKeyMatches(entry, index, entry.secondaryKeys, scan);
}

function anyKeyMatches(entry: LorebookEntry, index: number, keys: readonly string[], scan: Scan): boolean {
  const caseFlag = entry.caseSensitive ? '' : 'i';
  return keys.some((key) =>
    entry.useRegex ? regexKeyMatches(key, caseFlag, index, scan) : plainKeyMatches(key, caseFlag, scan),
  );
}

function plainKeyMatches(key: string, caseFlag: string, scan: Scan): boolean {
  const expanded = substituteMacros(key, scan.macros).trim();
  return expanded.length > 0 && wholeWord(expanded, caseFlag).test(scan.text);
}

/**
 * Keys are written bare or as /pattern/flags. One that does not compile falls back to a literal, as it always
 * has; one that is too long or fails the safety check (a persona stored before the check existed, or one that a
 * name turned unsafe) is skipped, with a warning the first time.
 */
function regexKeyMatches(key: string, caseFlag: string, index: number, scan: Scan): boolean {
  const expanded = substituteMacros(key, scan.regexMacros).trim();
  if (expanded.length === 0) return false;
  if (key.length > MAX_REGEX_KEY_CHARS) {
    warnOnce(key, index, `is longer than ${MAX_REGEX_KEY_CHARS} characters`);
    return false;
  }
  if (performance.now() >= scan.deadline) {
    warnBudgetSpent(index);
    return false;
  }
  const compiled = compileRegexKey(expanded, caseFlag);
  if (compiled === 'invalid') return plainKeyMatches(key, caseFlag, scan);
  if (!(compiled instanceof RegExp)) {
    warnOnce(key, index, `is unsafe: ${describeRegexRisk(compiled)}`);
    return false;
  }
  return compiled.test(scan.regexText);
}

// The same keys come back every turn; compiling and checking them once each keeps a turn cheap. Bounded, since
// keys with names in them differ per user.
const MAX_COMPILED_KEYS = 2_000;
const compiledKeys = new Map<string, RegExp | RegexRisk | 'invalid'>();

function compileRegexKey(key: string, caseFlag: string): RegExp | RegexRisk | 'invalid' {
  const cacheKey = `${caseFlag}:${key}`;
  const cached = compiledKeys.get(cacheKey);
  if (cached !== undefined) return cached;
  const { source, flags } = regexKeyParts(key);
  let compiled: RegExp | RegexRisk | 'invalid';
  try {
    const regex = new RegExp(source, `${flags}${caseFlag}`);
    compiled = findRegexRisk(source, flags) ?? regex;
  } catch {
    compiled = 'invalid';
  }
  if (compiledKeys.size >= MAX_COMPILED_KEYS) compiledKeys.delete(compiledKeys.keys().next().value ?? '');
  compiledKeys.set(cacheKey, compiled);
  return compiled;
}

const logger = new Logger('Lorebook');
const MAX_WARNED = 1_000;
const warned = new Set<string>();
const BUDGET_WARNING_INTERVAL_MS = 60_000;
let lastBudgetWarning = -Infinity;

/**
 * Says once per key and problem, not every turn, which key was skipped. The key is named by a fingerprint of
 * its text as the creator wrote it: the text itself may hold a real person's name.
 */
function warnOnce(key: string, index: number, problem: string): void {
  const fingerprint = createHash('sha256').update(key).digest('hex').slice(0, 12);
  const id = `${fingerprint}:${problem}`;
  if (warned.has(id)) return;
  if (warned.size >= MAX_WARNED) warned.clear();
  warned.add(id);
  logger.warn(`Skipped regex key ${fingerprint} of lorebook entry ${index}: it ${problem}.`);
}

function warnBudgetSpent(index: number): void {
  const now = performance.now();
  if (now - lastBudgetWarning < BUDGET_WARNING_INTERVAL_MS) return;
  lastBudgetWarning = now;
  logger.warn(
    `A lorebook's regex keys used up their time for a turn; keys from entry ${index} on were not run (warned at most once a minute).`,
  );
}

// \b only knows ASCII words; these lookarounds treat any letter or digit as part of a word.
function wholeWord(key: string, caseFlag: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRegex(key)}(?![\\p{L}\\p{N}_])`, `u${caseFlag}`);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The end of `text`, without a lone low surrogate where the cut splits a pair. */
function lastChars(text: string, count: number): string {
  if (text.length <= count) return text;
  const tail = text.slice(-count);
  return /^[\uDC00-\uDFFF]/.test(tail) ? tail.slice(1) : tail;
}
