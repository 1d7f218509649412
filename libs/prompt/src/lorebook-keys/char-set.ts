// Sets of code points as sorted, non-overlapping [first, last] ranges. The regex safety check only asks whether
// two sets can share a character, so every approximation here errs towards sets that are too big: a set that is
// too big can only make the check stricter, never let a dangerous pattern through.

export type CharSet = readonly (readonly [number, number])[];

const MAX_CODE_POINT = 0x10ffff;

export const EMPTY: CharSet = [];
export const ANY: CharSet = [[0, MAX_CODE_POINT]];
export const DIGIT: CharSet = [[0x30, 0x39]];
export const WORD: CharSet = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
// ECMAScript's WhiteSpace and LineTerminator, which is what \s matches.
export const SPACE: CharSet = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];

export function single(codePoint: number): CharSet {
  return [[codePoint, codePoint]];
}

export function range(first: number, last: number): CharSet {
  return first <= last ? [[first, last]] : EMPTY;
}

export function union(...sets: CharSet[]): CharSet {
  return sets.reduce(unionOfTwo, EMPTY);
}

// A linear merge: the check calls this for every term of a pattern, so sorting each time would dominate it.
function unionOfTwo(a: CharSet, b: CharSet): CharSet {
  if (a.length === 0 || a === b) return b;
  if (b.length === 0) return a;
  const merged: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i][0] <= b[j][0]) ? a[i++] : b[j++];
    const previous = merged.at(-1);
    if (previous && next[0] <= previous[1] + 1) previous[1] = Math.max(previous[1], next[1]);
    else merged.push([next[0], next[1]]);
  }
  return merged;
}

export function complement(set: CharSet): CharSet {
  const result: [number, number][] = [];
  let next = 0;
  for (const [first, last] of set) {
    if (first > next) result.push([next, first - 1]);
    next = last + 1;
  }
  if (next <= MAX_CODE_POINT) result.push([next, MAX_CODE_POINT]);
  return result;
}

export function overlaps(a: CharSet, b: CharSet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i][1] < b[j][0]) i += 1;
    else if (b[j][1] < a[i][0]) j += 1;
    else return true;
  }
  return false;
}

export function isEmpty(set: CharSet): boolean {
  return set.length === 0;
}

const KELVIN_SIGN = 0x212a;
const LONG_S = 0x17f;
// No whitespace character has a case, and keeping them out lets \s stay apart from \w under the `i` flag.
const NON_ASCII_MAY_HAVE_CASE: CharSet = complement(union(range(0, 0x7f), SPACE));
const K_AND_S: CharSet = union(single(0x4b), single(0x6b), single(0x53), single(0x73));

/** k and s also get KELVIN SIGN and LONG S; a non-ASCII cased character widens to all of them, not Unicode's tables. */
export function caseFolded(set: CharSet): CharSet {
  if (set.length === 1 && set[0][0] === set[0][1]) return caseFoldedChar(set[0][0]);
  return caseFoldedRanges(set);
}

function caseFoldedRanges(set: CharSet): CharSet {
  const extra: CharSet[] = [];
  for (const [first, last] of set) {
    extra.push(shifted(first, last, 0x41, 0x5a, 0x20), shifted(first, last, 0x61, 0x7a, -0x20));
    if (covers(first, last, 0x4b) || covers(first, last, 0x6b)) extra.push(single(KELVIN_SIGN));
    if (covers(first, last, 0x53) || covers(first, last, 0x73)) extra.push(single(LONG_S));
    if (overlaps([[first, last]], NON_ASCII_MAY_HAVE_CASE)) extra.push(NON_ASCII_FOLDED);
  }
  return union(set, ...extra);
}

const NON_ASCII_FOLDED: CharSet = union(NON_ASCII_MAY_HAVE_CASE, K_AND_S);
const foldedChars = new Map<number, CharSet>();

/** One character, folded: the common case (every literal in a pattern), so its results are kept. */
function caseFoldedChar(codePoint: number): CharSet {
  if (codePoint >= 0x80 && !overlaps(single(codePoint), SPACE)) return NON_ASCII_FOLDED;
  let folded = foldedChars.get(codePoint);
  if (!folded) {
    const set = single(codePoint);
    folded = codePoint < 0x80 ? caseFoldedRanges(set) : set;
    foldedChars.set(codePoint, folded);
  }
  return folded;
}

function shifted(first: number, last: number, low: number, high: number, by: number): CharSet {
  const from = Math.max(first, low);
  const to = Math.min(last, high);
  return from <= to ? [[from + by, to + by]] : EMPTY;
}

function covers(first: number, last: number, codePoint: number): boolean {
  return first <= codePoint && codePoint <= last;
}
