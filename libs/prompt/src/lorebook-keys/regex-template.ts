import { NAME_MACRO_SOURCE } from '../card-macros';
import { regexKeyParts } from './regex-key';
import { findRegexRisk, LONGEST_NAME } from './regex-safety';

/**
 * A regex key with name macros, checked once for all names, not per expansion (10,000 keys × users costs seconds
 * a turn). One check suffices because a name goes in as escaped literal text, which the check (with `macros`) read
 * as up to LONGEST_NAME of any characters; so only where the macro stands as terms of its own: not after a
 * backslash (`\{{user}}` with "d" is `\d`), inside a count, a group name or `(?`, nor before a quantifier. Those
 * keys, and names that are empty, too long or hold a macro (expanded again later), are checked per expansion.
 */
export interface RegexKeyTemplate {
  source: string;
  flags: string;
  /** True when every expansion with names that fit (see namesFitRegexTemplate) is safe. */
  safeForAllNames: boolean;
}

const MACROS = new RegExp(NAME_MACRO_SOURCE, 'gi');
const MACRO = new RegExp(NAME_MACRO_SOURCE, 'i');
/** Text before a macro that reads what follows as part of one token: a count, a group name, `(?`, `\k<`. */
const OPEN_TOKEN_BEFORE = /(?:\{[\d,]*|\(\?|\(\?<[^>]*|\\k<[^>]*)$/;
const BACKSLASHES_BEFORE = /\\+$/;
const ESCAPE_CONTINUED_BEFORE = /\\(?:\d+|[xuc][\da-f]*|[pP]\{[^}]*)$/i;
const QUANTIFIER_AFTER = /^[*+?{]/;

export function checkRegexKeyTemplate(key: string): RegexKeyTemplate {
  const { source, flags } = regexKeyParts(key);
  return {
    source,
    flags,
    safeForAllNames: macrosStandAlone(source) && findRegexRisk(source, flags, { macros: true }) === undefined,
  };
}

/** Names the one check covers: not empty, no longer than the check assumed, with no macro to expand again. */
export function namesFitRegexTemplate(names: readonly string[]): boolean {
  return names.every((name) => name.length > 0 && name.length <= LONGEST_NAME && !MACRO.test(name));
}

function macrosStandAlone(source: string): boolean {
  for (const match of source.matchAll(MACROS)) {
    const before = source.slice(0, match.index);
    const after = source.slice(match.index + match[0].length);
    const backslashes = BACKSLASHES_BEFORE.exec(before)?.[0].length ?? 0;
    if (backslashes % 2 === 1) return false;
    if (OPEN_TOKEN_BEFORE.test(before) || ESCAPE_CONTINUED_BEFORE.test(before)) return false;
    if (QUANTIFIER_AFTER.test(after)) return false;
  }
  return true;
}
