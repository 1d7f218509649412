import { NAME_MACRO_SOURCE } from '../card-macros';
import { regexKeyParts } from './regex-key';
import { findRegexRisk, LONGEST_NAME } from './regex-safety';

/**
 * A regex key with card macros in it ({{user}}, {{char}}, <user>, <bot>), checked once for all names rather than
 * once per expansion: a lorebook may hold 10,000 of them, and checking each for each user costs seconds a turn.
 *
 * Why one check suffices: at chat time a name goes in as escaped literal text, so where a macro stands as a term
 * of its own, the expansion has a run of plain characters there, which the check (with `macros`) already read as
 * any characters, up to LONGEST_NAME of them. A name can make a safe template no less safe, only narrower. That
 * holds only where the text around the macro reads the name as terms: not after a backslash (`\{{user}}` with
 * "d" is `\d`, with "1" a backreference), not inside a count (`a{{{user}}}` with "9999"), a group's name or
 * `(?` (with "=" a lookahead), and not before a quantifier (which would repeat the name's last character only).
 * Keys with a macro in such a place are checked per expansion, as are names that are empty, too long, or hold
 * a macro themselves (which the later substitution would expand again).
 */
export interface RegexKeyTemplate {
  /** The pattern and flags as written, macros unexpanded. */
  source: string;
  flags: string;
  /** True when every expansion with names that fit (see namesFitRegexTemplate) is safe. */
  safeForAllNames: boolean;
}

// Global, to visit every occurrence.
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
