import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { ChatMessage } from '@app/inference';
import {
  describeRegexRisk,
  findRegexRisk,
  MAX_REGEX_KEY_CHARS,
  PlainKeyIndex,
  regexKeyParts,
  ScanText,
} from '@app/personas';
import type { LorebookEntry, PersonaCard, RegexRisk } from '@app/personas';
import { MacroValues, substituteMacros } from './card-macros';
import { ITEM_PREFIX } from './prompt-sections';
import { estimateTokens } from './token-budget';

/** SillyTavern's defaults when a lorebook leaves them unset. */
export const DEFAULT_SCAN_DEPTH = 4;
export const DEFAULT_LOREBOOK_TOKEN_BUDGET = 512;

/**
 * Every key runs on the api's event loop on every turn, so a lorebook's keys are compiled once per version (see
 * compiledLorebook) and matched under bounds: plain keys in one pass over the window with an index, regex keys
 * (which may still take quadratic time after the edge's safety check) only on the newest text, and all of a
 * turn's keys share one time budget.
 */
export interface LoreScanLimits {
  /** Plain keys scan the last this many characters of the window. */
  scanChars: number;
  /** Regex keys scan the last this many characters of the window. */
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
  const scan: Scan = {
    regexText: lastChars(text, regexScanChars),
    regexMacros,
    deadline,
    found: findPlainKeys(compiled, { plain: macros, regex: regexMacros }, text, deadline),
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

/**
 * One key as compiled for a version: a plain key (or a regex key that does not compile, matched as plain text,
 * as it always has been) is an id in the version's index; one with a name macro in it waits for the names.
 */
type CompiledKey =
  | { kind: 'plain'; id: number }
  | { kind: 'plain-with-names'; id: number; key: string }
  | { kind: 'regex'; key: string; compiled: RegExp | RegexRisk }
  | { kind: 'regex-with-names'; id: number; key: string }
  | { kind: 'too-long'; key: string }
  | { kind: 'blank' };

interface CompiledEntry {
  keys: CompiledKey[];
  secondaryKeys: CompiledKey[];
}

interface CompiledLorebook {
  entries: CompiledEntry[];
  index: PlainKeyIndex;
  /** Keys whose text depends on the names, by id; matched through a small index built each turn. */
  withNames: { id: number; key: string; caseSensitive: boolean; regex: boolean }[];
  /** Characters of key text, to bound the cache by what it holds. */
  size: number;
}

interface Scan {
  regexText: string;
  regexMacros: MacroValues;
  /** performance.now() after which keys are no longer run. */
  deadline: number;
  /** Ids of the plain keys (and names-dependent keys read as plain) found in the window. */
  found: ReadonlySet<number>;
}

const NAME_MACRO = /\{\{(?:char|user)\}\}|<(?:bot|user)>/i;

function compileLorebook(lorebook: readonly LorebookEntry[]): CompiledLorebook {
  const index = new PlainKeyIndex();
  const withNames: CompiledLorebook['withNames'] = [];
  let nextId = 0;
  let size = 0;
  const compileKey = (key: string, entry: LorebookEntry): CompiledKey => {
    size += key.length;
    if (key.trim() === '') return { kind: 'blank' };
    const hasNames = NAME_MACRO.test(key);
    if (entry.useRegex && key.length > MAX_REGEX_KEY_CHARS) return { kind: 'too-long', key };
    if (hasNames) {
      const id = nextId++;
      withNames.push({ id, key, caseSensitive: entry.caseSensitive, regex: entry.useRegex });
      return entry.useRegex ? { kind: 'regex-with-names', id, key } : { kind: 'plain-with-names', id, key };
    }
    if (entry.useRegex) {
      const compiled = compileRegexKey(key.trim(), entry.caseSensitive ? '' : 'i');
      if (compiled !== 'invalid') return { kind: 'regex', key, compiled };
    }
    const id = nextId++;
    index.add(key, entry.caseSensitive, id);
    return { kind: 'plain', id };
  };
  const entries = lorebook.map((entry) => ({
    keys: entry.keys.map((key) => compileKey(key, entry)),
    secondaryKeys: entry.secondaryKeys.map((key) => compileKey(key, entry)),
  }));
  return { entries, index, withNames, size };
}

/**
 * Plain keys in one pass; keys with names in them through an index of their own, since names differ per user.
 * Keys not reached before the deadline count as not matching.
 */
function findPlainKeys(
  compiled: CompiledLorebook,
  macros: { plain: MacroValues; regex: MacroValues },
  text: string,
  deadline: number,
): Set<number> {
  const found = new Set<number>();
  if (compiled.index.size === 0 && compiled.withNames.length === 0) return found;
  const scan = new ScanText(text);
  let complete = compiled.index.match(scan, found, deadline);
  if (complete && compiled.withNames.length > 0) {
    const named = new PlainKeyIndex();
    for (const { id, key, caseSensitive, regex } of compiled.withNames) {
      // A regex key that does not compile is matched as plain text, with the names as they are.
      const asRegex = regex && substituteMacros(key, macros.regex).trim();
      if (asRegex && compileRegexKey(asRegex, caseSensitive ? '' : 'i') !== 'invalid') continue;
      named.add(substituteMacros(key, macros.plain), caseSensitive, id);
    }
    complete = named.match(scan, found, deadline);
  }
  if (!complete) warnBudgetSpent();
  return found;
}

function isTriggered(entry: LorebookEntry, compiled: CompiledEntry, index: number, scan: Scan): boolean {
  if (entry.constant) return true;
  if (!anyKeyMatches(entry, compiled.keys, index, scan)) return false;
  // A selective entry with no secondary keys behaves as a plain one, as in SillyTavern.
  if (!entry.selective || entry.secondaryKeys.every((key) => key.trim() === '')) return true;
  return anyKeyMatches(entry, compiled.secondaryKeys, index, scan);
}

function anyKeyMatches(
  entry: LorebookEntry,
  keys: readonly CompiledKey[],
  index: number,
  scan: Scan,
): boolean {
  const caseFlag = entry.caseSensitive ? '' : 'i';
  return keys.some((key) => keyMatches(key, caseFlag, index, scan));
}

function keyMatches(key: CompiledKey, caseFlag: string, index: number, scan: Scan): boolean {
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
      return regexMatches(key.key, key.compiled, index, scan);
    case 'regex-with-names': {
      const expanded = substituteMacros(key.key, scan.regexMacros).trim();
      if (expanded.length === 0) return false;
      const compiled = compileRegexKey(expanded, caseFlag);
      // One that does not compile was matched as plain text, with the other plain keys.
      if (compiled === 'invalid') return scan.found.has(key.id);
      return regexMatches(key.key, compiled, index, scan);
    }
  }
}

/**
 * Keys are written bare or as /pattern/flags. One that does not compile falls back to a literal, as it always
 * has; one that is too long or fails the safety check (a persona stored before the check existed, or one that a
 * name turned unsafe) is skipped, with a warning the first time.
 */
function regexMatches(key: string, compiled: RegExp | RegexRisk, index: number, scan: Scan): boolean {
  if (!(compiled instanceof RegExp)) {
    warnOnce(key, index, `is unsafe: ${describeRegexRisk(compiled)}`);
    return false;
  }
  if (performance.now() >= scan.deadline) {
    warnBudgetSpent();
    return false;
  }
  return compiled.test(scan.regexText);
}

// A version's keys are compiled on its first turn and reused on every later one. Keyed by a fingerprint of the
// keys and how they are read, so every version with the same keys shares one entry; bounded by the key text held.
const MAX_CACHED_LOREBOOKS = 256;
const MAX_CACHED_KEY_CHARS = 4_000_000;
const compiledLorebooks = new Map<string, CompiledLorebook>();
let cachedKeyChars = 0;

function compiledLorebook(lorebook: readonly LorebookEntry[]): CompiledLorebook {
  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify(
        lorebook.map((entry) => [entry.keys, entry.secondaryKeys, entry.caseSensitive, entry.useRegex]),
      ),
    )
    .digest('base64');
  const cached = compiledLorebooks.get(fingerprint);
  if (cached) {
    // Most recently used last, so the oldest is evicted first.
    compiledLorebooks.delete(fingerprint);
    compiledLorebooks.set(fingerprint, cached);
    return cached;
  }
  const compiled = compileLorebook(lorebook);
  compiledLorebooks.set(fingerprint, compiled);
  cachedKeyChars += compiled.size;
  for (const [oldest, evicted] of compiledLorebooks) {
    if (compiledLorebooks.size <= MAX_CACHED_LOREBOOKS && cachedKeyChars <= MAX_CACHED_KEY_CHARS) break;
    if (oldest === fingerprint) break;
    compiledLorebooks.delete(oldest);
    cachedKeyChars -= evicted.size;
  }
  return compiled;
}

// Regex keys with names in them differ per user, so they are compiled (and checked) per expanded text; bounded.
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

function warnBudgetSpent(): void {
  const now = performance.now();
  if (now - lastBudgetWarning < BUDGET_WARNING_INTERVAL_MS) return;
  lastBudgetWarning = now;
  logger.warn(
    "A lorebook's keys used up their time for a turn; the keys not yet matched counted as not matching (warned at most once a minute).",
  );
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
