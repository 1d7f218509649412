import { NAME_MACRO_SOURCE } from '../card-macros';
import type { PromptLorebookEntry } from '../prompt.types';
import { describeRegexRisk, findRegexRisk } from './regex-safety';

/** As written, slashes and flags included; personas apply it to any key, imported cards too. Chat skips longer ones. */
export const MAX_REGEX_KEY_CHARS = 200;

export interface RegexKeyParts {
  source: string;
  flags: string;
  /** Written as /pattern/flags, so meant as a regex beyond doubt. */
  slashed: boolean;
}

const CARD_MACROS = new RegExp(NAME_MACRO_SOURCE, 'gi');
const V8_MESSAGE_PREFIX = /^Invalid regular expression: \/.*\/[a-z]*: /s;
// Nothing here means anything but itself: most keys are words, and a card may have tens of thousands of them.
const NO_SYNTAX = /^[^\\^$.|?*+()[\]{}]*$/;

/** SillyTavern's `/pattern/flags` or a bare pattern; g, y, i dropped (one test per window, case set per entry). */
export function regexKeyParts(key: string): RegexKeyParts {
  const slashed = /^\/(.+)\/([a-z]*)$/s.exec(key);
  if (!slashed) return { source: key, flags: '', slashed: false };
  return { source: slashed[1], flags: slashed[2].replace(/[gyi]/g, ''), slashed: true };
}

/**
 * As a predicate ("is …"). A bare key that does not compile is fine: it is matched as plain text, and SillyTavern
 * exports set `use_regex` on entries whose keys are plain words like "C++".
 */
export function findRegexKeyProblem(key: string): string | undefined {
  const trimmed = key.trim();
  if (trimmed === '') return undefined;
  if (key.length > MAX_REGEX_KEY_CHARS) {
    return `is a regular expression of ${key.length} characters; the limit is ${MAX_REGEX_KEY_CHARS}`;
  }
  const parts = regexKeyParts(trimmed);
  try {
    // Names are filled in as escaped text at chat time; any plain word stands in for them here.
    new RegExp(parts.source.replace(CARD_MACROS, 'name'), parts.flags);
  } catch (error) {
    if (!parts.slashed) return undefined;
    const reason = error instanceof Error ? error.message.replace(V8_MESSAGE_PREFIX, '') : String(error);
    return `is not a valid regular expression: ${reason}`;
  }
  if (NO_SYNTAX.test(parts.source)) return undefined;
  const risk = findRegexRisk(parts.source, parts.flags, { macros: true });
  return risk && `is an unsafe regular expression: ${describeRegexRisk(risk)}`;
}

export interface LorebookKeyProblem {
  entry: number;
  list: 'keys' | 'secondaryKeys';
  index: number;
  key: string;
  problem: string;
}

export function findRegexKeyProblems(keys: readonly string[]): (string | undefined)[] {
  const checked = new Map<string, string | undefined>();
  return keys.map((key) => {
    if (!checked.has(key)) checked.set(key, findRegexKeyProblem(key));
    return checked.get(key);
  });
}

export async function findRegexKeyProblemsInSlices(keys: readonly string[]): Promise<(string | undefined)[]> {
  const checked = new Map<string, string | undefined>();
  const problems: (string | undefined)[] = [];
  let sliceStart = performance.now();
  for (const key of keys) {
    if (!checked.has(key)) checked.set(key, findRegexKeyProblem(key));
    problems.push(checked.get(key));
    if (performance.now() - sliceStart >= CHECK_SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
  return problems;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Every unusable regex key in a lorebook, so a creator can fix them all in one pass. */
export function findLorebookKeyProblems(
  entries: readonly Pick<PromptLorebookEntry, 'keys' | 'secondaryKeys' | 'useRegex'>[],
): LorebookKeyProblem[] {
  const problems: LorebookKeyProblem[] = [];
  for (const checked of checkLorebookKeys(entries, problems)) void checked;
  return problems;
}

/** Checking one key is quick; thousands are not, so the async check lets other requests in this often. */
const CHECK_SLICE_MS = 5;

/** A lorebook of 10,000 long regex keys takes over a second to check; the api keeps answering meanwhile. */
export async function findLorebookKeyProblemsInSlices(
  entries: readonly Pick<PromptLorebookEntry, 'keys' | 'secondaryKeys' | 'useRegex'>[],
): Promise<LorebookKeyProblem[]> {
  const problems: LorebookKeyProblem[] = [];
  let sliceStart = performance.now();
  for (const checked of checkLorebookKeys(entries, problems)) {
    void checked;
    if (performance.now() - sliceStart < CHECK_SLICE_MS) continue;
    await nextTurn();
    sliceStart = performance.now();
  }
  return problems;
}

function* checkLorebookKeys(
  entries: readonly Pick<PromptLorebookEntry, 'keys' | 'secondaryKeys' | 'useRegex'>[],
  problems: LorebookKeyProblem[],
): Generator<string> {
  // Cards repeat keys across entries; each is checked once.
  const checked = new Map<string, string | undefined>();
  for (const [entryIndex, entry] of entries.entries()) {
    if (!entry.useRegex) continue;
    for (const list of ['keys', 'secondaryKeys'] as const) {
      for (const [index, key] of entry[list].entries()) {
        if (!checked.has(key)) {
          checked.set(key, findRegexKeyProblem(key));
          yield key;
        }
        const problem = checked.get(key);
        if (problem) problems.push({ entry: entryIndex, list, index, key, problem });
      }
    }
  }
}

/** A key as quoted in an error message: JSON-escaped, and cut short so one bad key cannot flood the message. */
export function quoteKey(key: string): string {
  return JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key);
}

/** Keys and secondary keys of every entry, as the per-persona key limit counts them. */
export function countLorebookKeys(
  entries: readonly Pick<PromptLorebookEntry, 'keys' | 'secondaryKeys'>[],
): number {
  return entries.reduce((total, entry) => total + entry.keys.length + entry.secondaryKeys.length, 0);
}
