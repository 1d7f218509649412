// Plain keys match as whole words (no letter, digit or underscore of any script on either side). A regex per key
// took 33 s for 64,000 keys on an 8,000-character message; this index finds every key in one pass, looking up at
// each place a word can start the keys that begin with that word, by length.

const TOKEN = /[\p{L}\p{N}_]+|\s+|[^]/gu;
const FIRST_TOKEN = /^(?:[\p{L}\p{N}_]+|[^])/u;
const WORD_CHAR = /^[\p{L}\p{N}_]/u;
const SPACE = /^\s/u;
const NON_ASCII = /[^\p{ASCII}]/u;

/** How often the scan looks at the clock: reading it at every position would cost more than the lookups. */
const CLOCK_EVERY = 128;

const foldedChars = new Map<string, string>();
const MAX_FOLDED_CHARS = 10_000;

/** Unicode simple case folding, close to an `iu` regex's; each code point keeps its UTF-16 length, so offsets hold. */
export function foldCase(text: string): string {
  if (!NON_ASCII.test(text)) return text.toLowerCase();
  let folded = '';
  for (const char of text) folded += foldChar(char);
  return folded;
}

function foldChar(char: string): string {
  if (char.length === 1 && char.charCodeAt(0) < 0x80) return char.toLowerCase();
  let folded = foldedChars.get(char);
  if (folded === undefined) {
    // Upper then lower joins forms that lower-casing alone keeps apart (ς and σ, ſ and s, K and k).
    const candidates = [char.toUpperCase().toLowerCase(), char.toLowerCase()];
    folded = candidates.find((c) => c.length === char.length && [...c].length === 1) ?? char;
    if (foldedChars.size >= MAX_FOLDED_CHARS) foldedChars.clear();
    foldedChars.set(char, folded);
  }
  return folded;
}

/** A turn's scan window, split once into the places a key may start; shared by every lorebook key index. */
export class ScanText {
  /** UTF-16 offsets where a key may start: the start of a word, or a non-space character not after a word. */
  readonly starts: number[] = [];
  readonly firstEnds: number[] = [];
  readonly wordAt: Uint8Array;
  private foldedText: string | undefined;

  constructor(readonly text: string) {
    this.wordAt = new Uint8Array(text.length);
    let afterWord = false;
    for (const match of text.matchAll(TOKEN)) {
      const token = match[0];
      const start = match.index;
      const isWord = WORD_CHAR.test(token);
      if (isWord) this.wordAt.fill(1, start, start + token.length);
      if (!afterWord && !SPACE.test(token)) {
        this.starts.push(start);
        this.firstEnds.push(start + token.length);
      }
      afterWord = isWord;
    }
  }

  get folded(): string {
    this.foldedText ??= foldCase(this.text);
    return this.foldedText;
  }
}

/** Most first words start one key and most keys have one id, so those are bare numbers rather than arrays. */
class KeyTable {
  private readonly lengthsByFirst = new Map<string, number | number[]>();
  private readonly idsByKey = new Map<string, number | number[]>();

  get size(): number {
    return this.idsByKey.size;
  }

  add(key: string, id: number): void {
    const first = key.slice(0, firstTokenLength(key));
    const lengths = this.lengthsByFirst.get(first);
    if (lengths === undefined) this.lengthsByFirst.set(first, key.length);
    else if (typeof lengths === 'number') {
      if (lengths !== key.length) this.lengthsByFirst.set(first, [lengths, key.length].sort(byNumber));
    } else if (!lengths.includes(key.length)) {
      lengths.push(key.length);
      lengths.sort(byNumber);
    }
    const ids = this.idsByKey.get(key);
    if (ids === undefined) this.idsByKey.set(key, id);
    else if (typeof ids === 'number') this.idsByKey.set(key, [ids, id]);
    else ids.push(id);
  }

  /** False when the deadline passed before the whole text was scanned; keys found until then are in `found`. */
  scan(scan: ScanText, text: string, found: Set<number>, deadline: number): boolean {
    const { starts, firstEnds, wordAt } = scan;
    for (let i = 0; i < starts.length; i += 1) {
      if (i % CLOCK_EVERY === 0 && performance.now() >= deadline) return false;
      const start = starts[i];
      const lengths = this.lengthsByFirst.get(text.slice(start, firstEnds[i]));
      if (lengths === undefined) continue;
      for (const length of typeof lengths === 'number' ? [lengths] : lengths) {
        const end = start + length;
        if (end > text.length) break;
        if (end < text.length && wordAt[end] === 1) continue;
        const ids = this.idsByKey.get(text.slice(start, end));
        if (typeof ids === 'number') found.add(ids);
        else if (ids) for (const id of ids) found.add(id);
      }
    }
    return true;
  }
}

function byNumber(a: number, b: number): number {
  return a - b;
}

/** The length of the word (or the one character) a key begins with; ASCII without a regex, as most keys are. */
function firstTokenLength(key: string): number {
  let length = 0;
  while (length < key.length) {
    const code = key.charCodeAt(length);
    if (code >= 0x80) return FIRST_TOKEN.exec(key)?.[0].length ?? key.length;
    const isWord =
      (code >= 0x30 && code <= 0x39) ||
      (code >= 0x41 && code <= 0x5a) ||
      (code >= 0x61 && code <= 0x7a) ||
      code === 0x5f;
    if (!isWord) return Math.max(length, 1);
    length += 1;
  }
  return length;
}

/** Plain keys (macros filled in) under caller-chosen ids; built once per lorebook version, matched per turn. */
export class PlainKeyIndex {
  private readonly caseSensitive = new KeyTable();
  private readonly caseInsensitive = new KeyTable();

  get size(): number {
    return this.caseSensitive.size + this.caseInsensitive.size;
  }

  /** Blank keys never match and are not added. */
  add(key: string, caseSensitive: boolean, id: number): void {
    const trimmed = key.trim();
    if (trimmed === '') return;
    if (caseSensitive) this.caseSensitive.add(trimmed, id);
    else this.caseInsensitive.add(foldCase(trimmed), id);
  }

  /** Adds the ids found in `scan` to `found`; false when the deadline cut the scan short. */
  match(scan: ScanText, found: Set<number>, deadline: number): boolean {
    if (this.caseSensitive.size > 0 && !this.caseSensitive.scan(scan, scan.text, found, deadline))
      return false;
    if (this.caseInsensitive.size > 0) return this.caseInsensitive.scan(scan, scan.folded, found, deadline);
    return true;
  }
}
