import { createHash } from 'node:crypto';
import { MacroValues, NAME_MACRO_SOURCE, substituteMacros } from './card-macros';
import {
  checkRegexKeyTemplate,
  findRegexRisk,
  MAX_REGEX_KEY_CHARS,
  namesFitRegexTemplate,
  PlainKeyIndex,
  regexKeyParts,
} from './lorebook-keys';
import type { RegexKeyTemplate, RegexRisk } from './lorebook-keys';
import type { PromptLorebookEntry } from './prompt.types';

/**
 * Compiling 10,000 keys takes longer than a turn's lorebook budget, so it runs in steps over several turns; a key
 * not yet compiled counts as not matching. Keys with names in them are compiled per pair of names.
 */
export type CompiledKey =
  | { kind: 'plain'; id: number }
  | { kind: 'plain-with-names'; id: number }
  /** `compiled` is unset until compiled; one that does not compile is matched as plain text, by `id`. */
  | { kind: 'regex'; id: number; key: string; compiled?: RunnableKey | RegexRisk | 'invalid' }
  | { kind: 'regex-with-names'; id: number; slot: number; key: string }
  | { kind: 'too-long'; key: string }
  | { kind: 'blank' };

export interface CompiledEntry {
  keys: CompiledKey[];
  secondaryKeys: CompiledKey[];
}

interface NamedKey {
  id: number;
  key: string;
  caseSensitive: boolean;
  regex: boolean;
  template?: RegexKeyTemplate;
}

/** A regex key with the names in: unset until compiled, 'blank' when the names leave nothing. */
export type ExpandedRegex = RunnableKey | RegexRisk | 'invalid' | 'blank' | undefined;

export interface NamedKeys {
  /** Those read as plain text (and regex keys that do not compile), by id. */
  index: PlainKeyIndex;
  regexes: ExpandedRegex[];
  done: number;
}

export interface CompiledLorebook {
  /** By entry; unset until the entry's keys are sorted. */
  entries: (CompiledEntry | undefined)[];
  unsorted: readonly PromptLorebookEntry[] | undefined;
  nextId: number;
  index: PlainKeyIndex;
  withNames: NamedKey[];
  steps: (() => void)[];
  done: number;
  byNames: Map<string, NamedKeys>;
  /** Characters of key text, to bound the cache by what it holds. */
  size: number;
}

const NAME_MACRO = new RegExp(NAME_MACRO_SOURCE, 'i');

function newCompiledLorebook(lorebook: readonly PromptLorebookEntry[]): CompiledLorebook {
  let size = 0;
  for (const entry of lorebook) {
    for (const key of entry.keys) size += key.length;
    for (const key of entry.secondaryKeys) size += key.length;
  }
  return {
    entries: [],
    unsorted: lorebook,
    nextId: 0,
    index: new PlainKeyIndex(),
    withNames: [],
    steps: [],
    done: 0,
    byNames: new Map(),
    size,
  };
}

/** Sorts one entry's keys by kind (quick), queueing the slow part of compiling them as steps. */
function sortEntry(compiled: CompiledLorebook, entry: PromptLorebookEntry): void {
  const compileKey = (key: string): CompiledKey => {
    if (key.trim() === '') return { kind: 'blank' };
    if (entry.useRegex && key.length > MAX_REGEX_KEY_CHARS) return { kind: 'too-long', key };
    const id = compiled.nextId++;
    const { caseSensitive } = entry;
    if (NAME_MACRO.test(key)) {
      const named: NamedKey = { id, key, caseSensitive, regex: entry.useRegex };
      compiled.withNames.push(named);
      if (!entry.useRegex) return { kind: 'plain-with-names', id };
      compiled.steps.push(() => (named.template = checkRegexKeyTemplate(key.trim())));
      return { kind: 'regex-with-names', id, slot: compiled.withNames.length - 1, key };
    }
    if (!entry.useRegex) {
      compiled.steps.push(() => compiled.index.add(key, caseSensitive, id));
      return { kind: 'plain', id };
    }
    const regexKey: CompiledKey = { kind: 'regex', id, key };
    compiled.steps.push(() => {
      regexKey.compiled = compileRegexKey(key.trim(), caseSensitive ? '' : 'i');
      if (regexKey.compiled === 'invalid') compiled.index.add(key, caseSensitive, id);
    });
    return regexKey;
  };
  compiled.entries.push({
    keys: entry.keys.map(compileKey),
    secondaryKeys: entry.secondaryKeys.map(compileKey),
  });
}

/** Runs compile steps until all are done or the deadline comes; returns the keys with names compiled so far. */
export function compileSteps(
  compiled: CompiledLorebook,
  macros: { plain: MacroValues; regex: MacroValues },
  deadline: number,
): NamedKeys {
  const named = namedKeys(compiled, macros.plain);
  for (;;) {
    const unsorted = compiled.unsorted?.[compiled.entries.length];
    if (compiled.done === compiled.steps.length && unsorted === undefined) break;
    if (performance.now() >= deadline) return named;
    if (compiled.done < compiled.steps.length) compiled.steps[compiled.done++]();
    else if (unsorted) sortEntry(compiled, unsorted);
  }
  compiled.unsorted = undefined;
  compiled.steps = [];
  compiled.done = 0;
  while (named.done < compiled.withNames.length) {
    if (performance.now() >= deadline) return named;
    compileNamedKey(compiled.withNames[named.done], named.done, named, macros);
    named.done += 1;
  }
  return named;
}

function compileNamedKey(
  key: NamedKey,
  slot: number,
  named: NamedKeys,
  macros: { plain: MacroValues; regex: MacroValues },
): void {
  if (!key.regex) {
    named.index.add(substituteMacros(key.key, macros.plain), key.caseSensitive, key.id);
    return;
  }
  const expanded = substituteMacros(key.key, macros.regex).trim();
  if (expanded === '') {
    named.regexes[slot] = 'blank';
    return;
  }
  const compiled = compileRegexKey(
    expanded,
    key.caseSensitive ? '' : 'i',
    key.template && { template: key.template, regexNames: macros.regex, names: macros.plain },
  );
  named.regexes[slot] = compiled;
  // A regex key that does not compile is matched as plain text, with the names as they are.
  if (compiled === 'invalid') {
    named.index.add(substituteMacros(key.key, macros.plain), key.caseSensitive, key.id);
  }
}

interface TemplateUse {
  template: RegexKeyTemplate;
  regexNames: MacroValues;
  names: MacroValues;
}

function compileRegexKey(
  key: string,
  caseFlag: string,
  from?: TemplateUse,
): RunnableKey | RegexRisk | 'invalid' {
  const { source, flags } = regexKeyParts(key);
  let runnable: RunnableKey | undefined = LiteralKey.from(source, `${flags}${caseFlag}`);
  try {
    runnable ??= new RegExp(source, `${flags}${caseFlag}`);
  } catch {
    return 'invalid';
  }
  const risk = from && coveredByTemplate(source, flags, from) ? undefined : findRegexRisk(source, flags);
  return risk ?? runnable;
}

export type RunnableKey = RegExp | LiteralKey;

const ASCII_LITERAL = /^[^\\^$.|?*+()[\]{}\u0080-\uffff]+$/;

/**
 * A regex key of ASCII characters that mean themselves, run as a substring search: V8 compiles a regex twice over
 * its first runs (~140 µs for 185 characters), so 10,000 such keys took over 30 turns. Same matches: without u or
 * v, case-insensitive ASCII compares by upper case (ECMA-262 Canonicalize), as upper-casing a-z in both does.
 */
export class LiteralKey {
  private constructor(
    readonly text: string,
    readonly ignoreCase: boolean,
  ) {}

  /** The key as a literal, if it is one and its flags are valid (a literal always compiles, so no regex is made). */
  static from(source: string, flags: string): LiteralKey | undefined {
    if (/[uv]/.test(flags) || !ASCII_LITERAL.test(source) || !validFlags(flags)) return undefined;
    const ignoreCase = flags.includes('i');
    return new LiteralKey(ignoreCase ? asciiUpperCase(source) : source, ignoreCase);
  }

  /** `upperText` is the text through asciiUpperCase. */
  test(text: string, upperText: () => string): boolean {
    return (this.ignoreCase ? upperText() : text).includes(this.text);
  }
}

const flagsValidity = new Map<string, boolean>();

function validFlags(flags: string): boolean {
  let valid = flagsValidity.get(flags);
  if (valid === undefined) {
    try {
      valid = new RegExp('', flags).flags.length === flags.length;
    } catch {
      valid = false;
    }
    if (flagsValidity.size >= 1_000) flagsValidity.clear();
    flagsValidity.set(flags, valid);
  }
  return valid;
}

export function asciiUpperCase(text: string): string {
  return text.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}

/** Whether the template's one check covers this expansion of it (see RegexKeyTemplate). */
function coveredByTemplate(
  source: string,
  flags: string,
  { template, regexNames, names }: TemplateUse,
): boolean {
  return (
    template.safeForAllNames &&
    namesFitRegexTemplate([names.char, names.user]) &&
    flags === template.flags &&
    source === substituteMacros(template.source, regexNames)
  );
}

// Per pair of names, so a persona's users need not recompile every turn; each pair counts towards the cache bound.
const MAX_NAME_PAIRS = 256;

function namedKeys(compiled: CompiledLorebook, names: MacroValues): NamedKeys {
  if (compiled.withNames.length === 0) return { index: new PlainKeyIndex(), regexes: [], done: 0 };
  const id = JSON.stringify([names.char, names.user]);
  const cached = compiled.byNames.get(id);
  if (cached) {
    compiled.byNames.delete(id);
    compiled.byNames.set(id, cached);
    return cached;
  }
  const named: NamedKeys = { index: new PlainKeyIndex(), regexes: [], done: 0 };
  const pairChars = namedKeyChars(compiled);
  compiled.byNames.set(id, named);
  compiled.size += pairChars;
  cachedKeyChars += pairChars;
  // The oldest pairs go first when there are too many, or when this lorebook alone would pass the cache's bound.
  for (const oldest of compiled.byNames.keys()) {
    if (compiled.byNames.size <= MAX_NAME_PAIRS && compiled.size <= MAX_CACHED_KEY_CHARS) break;
    if (oldest === id) break;
    compiled.byNames.delete(oldest);
    compiled.size -= pairChars;
    cachedKeyChars -= pairChars;
  }
  evictBeyondBound(compiled);
  return named;
}

function namedKeyChars(compiled: CompiledLorebook): number {
  return compiled.withNames.reduce((total, { key }) => total + key.length, 0);
}

// Keyed by a fingerprint of the keys, so versions with the same keys share one entry. Bounded by key text, not
// count: compiled regex keys take ~29 bytes of heap per character, so 8 M characters is at most ~220 MiB (four
// lorebooks at the limits of 10,000 keys of 200 characters, or many ordinary ones).
const MAX_CACHED_LOREBOOKS = 256;
const MAX_CACHED_KEY_CHARS = 8_000_000;
const compiledLorebooks = new Map<string, CompiledLorebook>();
let cachedKeyChars = 0;

export function compiledLorebook(lorebook: readonly PromptLorebookEntry[]): CompiledLorebook {
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
  const compiled = newCompiledLorebook(lorebook);
  compiledLorebooks.set(fingerprint, compiled);
  cachedKeyChars += compiled.size;
  evictBeyondBound(compiled);
  return compiled;
}

function evictBeyondBound(keep: CompiledLorebook): void {
  for (const [oldest, evicted] of compiledLorebooks) {
    if (compiledLorebooks.size <= MAX_CACHED_LOREBOOKS && cachedKeyChars <= MAX_CACHED_KEY_CHARS) break;
    if (evicted === keep) continue;
    compiledLorebooks.delete(oldest);
    cachedKeyChars -= evicted.size;
  }
}
