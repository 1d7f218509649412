import { NAME_MACRO_SOURCE } from '../card-macros';
import {
  ANY,
  CharSet,
  DIGIT,
  EMPTY,
  SPACE,
  WORD,
  caseFolded,
  complement,
  range,
  single,
  union,
} from './char-set';

// Reads only patterns `new RegExp` accepted, just enough for regex-safety.ts; where the syntax is murky (Annex B,
// `v`-mode set operations, \p{…}) it answers "any character", which can only make the check stricter.

export type RegexNode =
  | { kind: 'chars'; set: CharSet }
  /** ^ $ \b \B: zero-width, consume nothing. */
  | { kind: 'assertion' }
  /** {{char}} / {{user}} / <bot> / <user>: a name filled in at chat time, as literal text of any length. */
  | { kind: 'macro' }
  | { kind: 'group'; alternatives: RegexNode[][]; lookaround: boolean }
  | { kind: 'repeat'; body: RegexNode; min: number; max: number }
  /** `group` is undefined when the reference names no group we can find. */
  | { kind: 'backref'; group: RegexNode | undefined };

export interface RegexTree {
  root: RegexNode;
}

export interface RegexSyntaxOptions {
  unicode: boolean;
  unicodeSets: boolean;
  /** Read card macros as opaque names (for keys as a creator wrote them, before chat-time substitution). */
  macros: boolean;
}

export class RegexSyntaxError extends Error {}

const MACRO = new RegExp(NAME_MACRO_SOURCE, 'iy');
const COUNTED = /\{(\d+)(?:(,)(\d*))?\}/y;
const HEX2 = /[0-9a-f]{2}/iy;
const HEX4 = /[0-9a-f]{4}/iy;
const HEX_BRACED = /\{([0-9a-f]+)\}/iy;
const GROUP_NAME = /<([^>]+)>/y;
const PROPERTY = /\{[^}]*\}/y;
const MODIFIERS = /\?[ims]*(?:-[ims]*)?:/y;
const CONTROL_ESCAPES: Readonly<Record<string, number>> = { f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b };

export function parseRegex(source: string, options: RegexSyntaxOptions): RegexTree {
  return new Parser(source, options).parse();
}

interface PendingBackref {
  node: { kind: 'backref'; group: RegexNode | undefined };
  ref: number | string;
}

class Parser {
  private pos = 0;
  private readonly groups: RegexNode[] = [];
  private readonly names = new Map<string, number>();
  private readonly backrefs: PendingBackref[] = [];
  // Outside `u` mode, \k is a backreference only in a pattern that has a named group somewhere.
  private readonly namedGroups: boolean;

  constructor(
    private readonly source: string,
    private readonly options: RegexSyntaxOptions,
  ) {
    this.namedGroups = options.unicode || /\(\?<(?![=!])/.test(source);
  }

  parse(): RegexTree {
    const root = this.disjunction(false);
    if (this.pos < this.source.length) throw new RegexSyntaxError(`unexpected ')' at ${this.pos}`);
    for (const { node, ref } of this.backrefs) {
      const index = typeof ref === 'number' ? ref : this.names.get(ref);
      node.group = index === undefined ? undefined : this.groups[index - 1];
    }
    return { root };
  }

  private disjunction(lookaround: boolean): RegexNode {
    const alternatives: RegexNode[][] = [this.alternative()];
    while (this.peek() === '|') {
      this.pos += 1;
      alternatives.push(this.alternative());
    }
    return { kind: 'group', alternatives, lookaround };
  }

  private alternative(): RegexNode[] {
    const terms: RegexNode[] = [];
    while (this.pos < this.source.length && this.peek() !== '|' && this.peek() !== ')') {
      terms.push(this.term());
    }
    return terms;
  }

  private term(): RegexNode {
    if (this.options.macros && this.sticky(MACRO)) return this.quantified({ kind: 'macro' });
    const char = this.peek();
    switch (char) {
      case '^':
      case '$':
        this.pos += 1;
        return { kind: 'assertion' };
      case '\\':
        if (this.source[this.pos + 1] === 'b' || this.source[this.pos + 1] === 'B') {
          this.pos += 2;
          return { kind: 'assertion' };
        }
        this.pos += 1;
        return this.quantified(this.escape());
      case '(':
        return this.quantified(this.group());
      case '.':
        this.pos += 1;
        return this.quantified({ kind: 'chars', set: ANY });
      case '[':
        return this.quantified({ kind: 'chars', set: this.characterClass() });
      case '*':
      case '+':
      case '?':
        throw new RegexSyntaxError(`nothing to repeat at ${this.pos}`);
      default:
        if (char === '{' && this.counted() !== undefined)
          throw new RegexSyntaxError(`nothing to repeat at ${this.pos}`);
        return this.quantified(this.literal(this.codePoint()));
    }
  }

  private quantified(body: RegexNode): RegexNode {
    const bounds = this.quantifier();
    if (!bounds) return body;
    if (this.peek() === '?') this.pos += 1; // lazy: the same worst case as greedy
    return { kind: 'repeat', body, min: bounds[0], max: bounds[1] };
  }

  private quantifier(): [number, number] | undefined {
    const char = this.peek();
    const simple: Readonly<Record<string, [number, number]>> = {
      '*': [0, Infinity],
      '+': [1, Infinity],
      '?': [0, 1],
    };
    if (char !== undefined && char in simple) {
      this.pos += 1;
      return simple[char];
    }
    if (char !== '{') return undefined;
    const counted = this.counted();
    if (counted === undefined) return undefined;
    this.pos += counted[2];
    return [counted[0], counted[1]];
  }

  /** `{n}`, `{n,}`, `{n,m}` here, as [min, max, length]; undefined where `{` is a literal (outside `u` mode). */
  private counted(): [number, number, number] | undefined {
    COUNTED.lastIndex = this.pos;
    const match = COUNTED.exec(this.source);
    if (!match) return undefined;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
    return [min, max, match[0].length];
  }

  private group(): RegexNode {
    this.pos += 1;
    let lookaround = false;
    let capture = false;
    if (this.source.startsWith('?:', this.pos)) this.pos += 2;
    else if (this.source.startsWith('?=', this.pos) || this.source.startsWith('?!', this.pos)) {
      this.pos += 2;
      lookaround = true;
    } else if (this.source.startsWith('?<=', this.pos) || this.source.startsWith('?<!', this.pos)) {
      this.pos += 3;
      lookaround = true;
    } else if (this.source.startsWith('?<', this.pos)) {
      this.pos += 1;
      const name = this.sticky(GROUP_NAME);
      if (name === undefined) throw new RegexSyntaxError(`bad group name at ${this.pos}`);
      this.names.set(name.slice(1, -1), this.groups.length + 1);
      capture = true;
    } else if (this.peek() === '?') {
      if (this.sticky(MODIFIERS) === undefined) throw new RegexSyntaxError(`bad group at ${this.pos}`);
    } else capture = true;

    // Numbered in the order their '(' appear, which is the order JS numbers them in.
    const slot = capture ? this.groups.push({ kind: 'assertion' }) - 1 : -1;
    const node = this.disjunction(lookaround);
    if (slot >= 0) this.groups[slot] = node;
    if (this.peek() !== ')') throw new RegexSyntaxError('unterminated group');
    this.pos += 1;
    return node;
  }

  private escape(): RegexNode {
    const char = this.peek();
    if (char === undefined) throw new RegexSyntaxError('\\ at end of pattern');
    if (/[1-9]/.test(char)) {
      const digits = /\d+/y;
      digits.lastIndex = this.pos;
      const number = digits.exec(this.source)?.[0] ?? char;
      this.pos += number.length;
      return this.backref(Number(number));
    }
    if (char === 'k' && this.namedGroups) {
      this.pos += 1;
      const name = this.sticky(GROUP_NAME);
      if (name === undefined) throw new RegexSyntaxError(`bad \\k at ${this.pos}`);
      return this.backref(name.slice(1, -1));
    }
    return { kind: 'chars', set: caseFolded(this.escapedChars()) };
  }

  private backref(ref: number | string): RegexNode {
    const node: PendingBackref['node'] = { kind: 'backref', group: undefined };
    this.backrefs.push({ node, ref });
    return node;
  }

  private escapedChars(): CharSet {
    const char = this.codePointText();
    switch (char) {
      case 'd':
        return DIGIT;
      case 'D':
        return complement(DIGIT);
      case 'w':
        return WORD;
      case 'W':
        return complement(WORD);
      case 's':
        return SPACE;
      case 'S':
        return complement(SPACE);
      case 'p':
      case 'P':
        if (this.options.unicode) this.sticky(PROPERTY);
        return this.options.unicode ? ANY : single(char.codePointAt(0) ?? 0);
      case 'x':
        return this.hex(HEX2) ?? single(0x78);
      case 'u': {
        const braced = this.options.unicode ? this.hex(HEX_BRACED) : undefined;
        return braced ?? this.hex(HEX4) ?? single(0x75);
      }
      case 'c': {
        const letter = this.peek();
        if (letter && /[a-z]/i.test(letter)) {
          this.pos += 1;
          return single((letter.codePointAt(0) ?? 0) % 32);
        }
        return ANY; // Annex B: a literal backslash followed by "c"; rare enough to treat as anything
      }
      case '0':
        return ANY; // NUL, or an Annex B octal escape: not worth telling apart
      default: {
        const control = CONTROL_ESCAPES[char];
        if (control !== undefined) return single(control);
        if (/\d/.test(char)) return ANY; // \8, \9 or octal inside a class
        return single(char.codePointAt(0) ?? 0);
      }
    }
  }

  private hex(pattern: RegExp): CharSet | undefined {
    const text = this.sticky(pattern);
    if (text === undefined) return undefined;
    const code = Number.parseInt(text.replace(/[{}]/g, ''), 16);
    return code <= 0x10ffff ? single(code) : ANY;
  }

  private characterClass(): CharSet {
    if (this.options.unicodeSets) return this.skipNestedClass();
    this.pos += 1;
    const negated = this.peek() === '^';
    if (negated) this.pos += 1;
    const parts: CharSet[] = [];
    let hasMacro = false;
    while (this.peek() !== ']') {
      if (this.pos >= this.source.length) throw new RegexSyntaxError('unterminated class');
      if (this.options.macros && this.sticky(MACRO)) {
        hasMacro = true;
        continue;
      }
      const from = this.classAtom();
      if (this.peek() === '-' && this.source[this.pos + 1] !== ']' && this.pos + 1 < this.source.length) {
        this.pos += 1;
        const to = this.classAtom();
        parts.push(
          from.single !== undefined && to.single !== undefined
            ? range(from.single, to.single)
            : union(from.set, to.set, single(0x2d)),
        );
      } else parts.push(from.set);
    }
    this.pos += 1;
    // A name can hold any character, and a negated class is only safe to approximate from the outside.
    if (hasMacro) return ANY;
    const set = union(...parts);
    return caseFolded(negated ? complement(set) : set);
  }

  private classAtom(): { set: CharSet; single?: number } {
    if (this.peek() !== '\\') {
      const code = this.codePoint();
      return { set: single(code), single: code };
    }
    this.pos += 1;
    const char = this.peek();
    if (char === 'b') {
      this.pos += 1;
      return { set: single(0x08), single: 0x08 };
    }
    if (char === '-') {
      this.pos += 1;
      return { set: single(0x2d), single: 0x2d };
    }
    const set = this.escapedChars();
    const only = set.length === 1 && set[0][0] === set[0][1] ? set[0][0] : undefined;
    return only === undefined ? { set } : { set, single: only };
  }

  /** `v`-mode classes nest and subtract; any character is the safe reading of them. */
  private skipNestedClass(): CharSet {
    let depth = 0;
    while (this.pos < this.source.length) {
      const char = this.source[this.pos];
      this.pos += char === '\\' ? 2 : 1;
      if (char === '[') depth += 1;
      else if (char === ']') {
        depth -= 1;
        if (depth === 0) return ANY;
      }
    }
    throw new RegexSyntaxError('unterminated class');
  }

  private literal(code: number): RegexNode {
    return { kind: 'chars', set: code === -1 ? EMPTY : caseFolded(single(code)) };
  }

  private codePoint(): number {
    const code = this.source.codePointAt(this.pos) ?? -1;
    this.pos += code > 0xffff ? 2 : 1;
    return code;
  }

  private codePointText(): string {
    return String.fromCodePoint(this.codePoint());
  }

  private peek(): string | undefined {
    return this.source[this.pos];
  }

  private sticky(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.pos;
    const match = pattern.exec(this.source);
    if (!match) return undefined;
    this.pos += match[0].length;
    return match[0];
  }
}
