import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { ChatMessage } from '@app/inference';
import { MacroValues, substituteMacros } from './card-macros';
import {
  asciiUpperCase,
  CompiledEntry,
  CompiledKey,
  CompiledLorebook,
  compiledLorebook,
  compileSteps,
  NamedKeys,
  RunnableKey,
} from './lorebook-compile';
import { describeRegexRisk, MAX_REGEX_KEY_CHARS, ScanText } from './lorebook-keys';
import type { RegexRisk } from './lorebook-keys';
import { ITEM_PREFIX } from './prompt-sections';
import type { PromptCard, PromptLorebookEntry } from './prompt.types';
import { estimateTokens } from './token-budget';

/** SillyTavern's defaults when a lorebook leaves them unset. */
export const DEFAULT_SCAN_DEPTH = 4;
export const DEFAULT_LOREBOOK_TOKEN_BUDGET = 512;

/**
 * Keys run on the api's event loop every turn, so they are compiled once per version (lorebook-compile.ts) and
 * matched under bounds: regex keys, which may still be quadratic after the safety check, only on the newest text.
 */
export interface LoreScanLimits {
  scanChars: number;
  regexScanChars: number;
  /** Once a turn's keys have taken this long, the rest count as not matching. */
  timeBudgetMs: number;
}

export const DEFAULT_LORE_SCAN_LIMITS: Readonly<LoreScanLimits> = Object.freeze({
  scanChars: 20_000,
  regexScanChars: 4_000,
  timeBudgetMs: 50,
});

export interface LoreScanWindow {
  /** Oldest first; only the last `scanDepth` turns are scanned. */
  history: readonly ChatMessage[];
  newMessage: string;
}

export interface TriggeredLoreEntry {
  index: number;
  /** With macros substituted, as it goes into the prompt. */
  content: string;
}

/**
 * In insertion order (then priority). Constant entries always trigger; others need a primary key in the window,
 * selective ones also a secondary key. Over the budget, constant entries win first, then higher priority.
 */
export function selectLorebookEntries(
  card: PromptCard,
  window: LoreScanWindow,
  macros: MacroValues,
  limits: Partial<LoreScanLimits> = {},
): TriggeredLoreEntry[] {
  const { scanChars, regexScanChars, timeBudgetMs } = { ...DEFAULT_LORE_SCAN_LIMITS, ...limits };
  const deadline = performance.now() + timeBudgetMs;
  const depth = Math.max(0, card.lorebookSettings.scanDepth ?? DEFAULT_SCAN_DEPTH);
  const recent = depth === 0 ? [] : window.history.slice(-depth);
  const text = lastChars(
    [...recent.map((message) => message.content), window.newMessage].join('\n'),
    scanChars,
  );
  const compiled = compiledLorebook(card.lorebook);
  // Names go into a regex key as literal text: a user called "(a+)+" must not change what a key means.
  const regexMacros = { char: escapeRegex(macros.char), user: escapeRegex(macros.user) };
  // Compiling shares the turn's budget with matching; what it does not reach waits for the next turn.
  const named = compileSteps(compiled, { plain: macros, regex: regexMacros }, deadline);
  const scan: Scan = {
    regexText: lastChars(text, regexScanChars),
    named,
    deadline,
    found: findPlainKeys(compiled, named, text, deadline),
  };
  const triggered = card.lorebook
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry, index }) => entry.enabled && isTriggered(entry, compiled.entries[index], index, scan));

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
  entry: PromptLorebookEntry;
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
  regexText: string;
  /** regexText with a-z upper-cased, for literal keys; made when first needed. */
  upperRegexText?: string;
  named: NamedKeys;
  deadline: number;
  found: ReadonlySet<number>;
}

/** Plain keys, and keys with names read as plain, in one pass each; those not reached in time do not match. */
function findPlainKeys(
  compiled: CompiledLorebook,
  named: NamedKeys,
  text: string,
  deadline: number,
): Set<number> {
  const found = new Set<number>();
  if (compiled.index.size === 0 && named.index.size === 0) return found;
  const scan = new ScanText(text);
  let complete = compiled.index.match(scan, found, deadline);
  if (complete && named.index.size > 0) complete = named.index.match(scan, found, deadline);
  if (!complete) warnBudgetSpent();
  return found;
}

function isTriggered(
  entry: PromptLorebookEntry,
  compiled: CompiledEntry | undefined,
  index: number,
  scan: Scan,
): boolean {
  if (entry.constant) return true;
  // Keys not sorted yet: a later turn will have them.
  if (!compiled) return false;
  if (!anyKeyMatches(compiled.keys, index, scan)) return false;
  // A selective entry with no secondary keys behaves as a plain one, as in SillyTavern.
  if (!entry.selective || entry.secondaryKeys.every((key) => key.trim() === '')) return true;
  return anyKeyMatches(compiled.secondaryKeys, index, scan);
}

function anyKeyMatches(keys: readonly CompiledKey[], index: number, scan: Scan): boolean {
  return keys.some((key) => keyMatches(key, index, scan));
}

function keyMatches(key: CompiledKey, index: number, scan: Scan): boolean {
  switch (key.kind) {
    case 'blank':
      return false;
    case 'plain':
    case 'plain-with-names':
      return scan.found.has(key.id);
    case 'too-long':
      warnOnce(key.key, index, `is longer than ${MAX_REGEX_KEY_CHARS} characters`);
      return false;
    case 'regex':
    case 'regex-with-names': {
      const compiled = key.kind === 'regex' ? key.compiled : scan.named.regexes[key.slot];
      // Not compiled yet: a later turn will have it.
      if (compiled === undefined || compiled === 'blank') return false;
      if (compiled === 'invalid') return scan.found.has(key.id);
      return regexMatches(key.key, compiled, index, scan);
    }
  }
}

/** An unsafe key (stored before the check existed, or made unsafe by a name) is skipped, warned once. */
function regexMatches(key: string, compiled: RunnableKey | RegexRisk, index: number, scan: Scan): boolean {
  if (typeof compiled === 'string') {
    warnOnce(key, index, `is unsafe: ${describeRegexRisk(compiled)}`);
    return false;
  }
  if (performance.now() >= scan.deadline) {
    warnBudgetSpent();
    return false;
  }
  if (compiled instanceof RegExp) return compiled.test(scan.regexText);
  return compiled.test(scan.regexText, () => (scan.upperRegexText ??= asciiUpperCase(scan.regexText)));
}

const logger = new Logger('Lorebook');
const MAX_WARNED = 1_000;
const warned = new Set<string>();
const BUDGET_WARNING_INTERVAL_MS = 60_000;
let lastBudgetWarning = -Infinity;

/** Named by a fingerprint, not its text, which may hold a real person's name. */
function warnOnce(key: string, index: number, problem: string): void {
  const fingerprint = createHash('sha256').update(key).digest('hex').slice(0, 12);
  const id = `${fingerprint}:${problem}`;
  if (warned.has(id)) return;
  if (warned.size >= MAX_WARNED) warned.clear();
  warned.add(id);
  logger.warn(`Skipped regex key ${fingerprint} of lorebook entry ${index}: it ${problem}.`);
}

function warnBudgetSpent(): void {
  const now = performance.now();
  if (now - lastBudgetWarning < BUDGET_WARNING_INTERVAL_MS) return;
  lastBudgetWarning = now;
  logger.warn(
    "A lorebook's keys used up their time for a turn; the keys not yet matched counted as not matching (warned at most once a minute).",
  );
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The end of `text`, without a lone low surrogate where the cut splits a pair. */
function lastChars(text: string, count: number): string {
  if (text.length <= count) return text;
  const tail = text.slice(-count);
  return /^[\uDC00-\uDFFF]/.test(tail) ? tail.slice(1) : tail;
}
