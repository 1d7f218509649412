import { NAME_MACRO_SOURCE } from '../card-macros';
import { ANY, CharSet, EMPTY, overlaps, union } from './char-set';
import { RegexNode, RegexSyntaxError, RegexTree, parseRegex } from './regex-syntax';

// Refuses regexes that V8's backtracking engine may run in exponential or high-polynomial time. It errs towards
// refusing: keys are short and mostly words, while one slow key stalls the event loop for everyone. Rules:
//   1. a repetition (other than `?`) may not hold an unbounded repetition: (a+)+, (.*a){12};
//   2. an unbounded repetition may only hold a part that matches in one way: (a|a)*, (a|ab)*, (a?)+;
//   3. a repetition may not hold a backreference: (a)\1+, ((a)\2)*;
//   4. two unbounded repetitions that can take the same characters may not follow one another with only such
//      characters between them, unless the second ends the pattern and each try of it is cheap: a*a*b, .*a.*b;
//      nor may a counted repetition over 3 (V8 unrolls up to 3; a loop costs ~10× per try): \w+\d{4};
//   5. at most 1024 ways to match at one position (4 with an unbounded repetition); without one, ways × longest
//      match may not pass 2,048 (a{1000,1016}a{1000,1016}b tries 289 splits of 2,032 characters per position);
//   6. at most 6 unbounded repetitions, lookarounds included.
// Sets are read case-insensitively with `.` matching everything, the widest a key can be compiled with.

export type RegexRisk =
  | 'nested-repetition'
  | 'ambiguous-repetition'
  | 'backreference-in-repetition'
  | 'overlapping-repetitions'
  | 'too-many-choices'
  | 'too-many-repetitions'
  | 'unreadable';

/** A repetition with more than this many possible counts (or no upper bound) is treated as unbounded. */
const OPEN_SPAN = 16;
// With an unbounded repetition each way can cost a quadratic scan of the 4,000-character window (tens of ms).
const MAX_WAYS = 1024;
const MAX_WAYS_WITH_UNBOUNDED = 4;
const MAX_STEPS = 2_048;
const LONGEST_TEXT = 4_096;
export const LONGEST_NAME = 200;
const MAX_UNBOUNDED = 6;
const WAYS_CAP = 1e15;
/** Counts up to this are compiled as plain characters (see rule 4). */
const UNROLLED_COUNT = 3;

const RISK_DESCRIPTIONS: Readonly<Record<RegexRisk, string>> = {
  'nested-repetition':
    'it repeats a part that itself repeats (like (a+)+ or (.*a){12}), which can take exponential time',
  'ambiguous-repetition':
    'it repeats a part that can match the same text in more than one way (like (a|a)* or (a?)+), which can take exponential time',
  'backreference-in-repetition':
    'it repeats a backreference (like (a)\\1+ or ((a)\\2)*), which can take exponential time',
  'overlapping-repetitions':
    'two repetitions can match the same characters one after the other (like \\w+\\s?\\w+!, .*a.*b or \\w+\\d{4}), which can take very long on long messages',
  'too-many-choices':
    'it has too many optional parts and overlapping alternatives, whose combinations are each tried on every message',
  'too-many-repetitions': `it has more than ${MAX_UNBOUNDED} unbounded repetitions (+, *, {n,}), each of which may rescan the rest of a message`,
  unreadable: 'the safety check cannot read it',
};

export function describeRegexRisk(risk: RegexRisk): string {
  return RISK_DESCRIPTIONS[risk];
}

export interface RegexSafetyOptions {
  /** Treat {{char}}/{{user}}/<bot>/<user> as names of any length (keys as written, before chat time). */
  macros?: boolean;
}

/** Why a pattern (already accepted by `new RegExp(source, flags)`) is unsafe to run on chat text, if it is. */
export function findRegexRisk(
  source: string,
  flags: string,
  options: RegexSafetyOptions = {},
): RegexRisk | undefined {
  if (isShortLiteral(source, options.macros ?? false)) return undefined;
  let tree: RegexTree;
  try {
    tree = parseRegex(source, {
      unicode: /[uv]/.test(flags),
      unicodeSets: flags.includes('v'),
      macros: options.macros ?? false,
    });
  } catch (error) {
    if (error instanceof RegexSyntaxError) return 'unreadable';
    throw error;
  }
  try {
    const analysis = new Analysis();
    const root = analysis.summary(tree.root);
    analysis.walk(tree.root, [], true);
    if (root.ways > (root.unbounded > 0 ? MAX_WAYS_WITH_UNBOUNDED : MAX_WAYS)) return 'too-many-choices';
    if (root.unbounded === 0 && root.ways * Math.min(root.longest, LONGEST_TEXT) > MAX_STEPS)
      return 'too-many-choices';
    if (root.unbounded > MAX_UNBOUNDED) return 'too-many-repetitions';
    return undefined;
  } catch (error) {
    if (error instanceof UnsafeRegex) return error.risk;
    throw error;
  }
}

// A lorebook may hold 10,000 keys, mostly words: literal text matches one way, so pass it without parsing.
const LITERAL = /^[^\\^$.|?*+()[\]{}]*$/;
const MACROS = new RegExp(NAME_MACRO_SOURCE, 'gi');

function isShortLiteral(source: string, macros: boolean): boolean {
  const literal = macros ? source.replace(MACROS, '') : source;
  const names = macros ? (source.length - literal.length) / '<bot>'.length : 0;
  return LITERAL.test(literal) && literal.length + Math.ceil(names) * LONGEST_NAME <= MAX_STEPS;
}

class UnsafeRegex extends Error {
  constructor(readonly risk: RegexRisk) {
    super(risk);
  }
}

interface Summary {
  first: CharSet;
  chars: CharSet;
  nullable: boolean;
  /** An upper bound on the ways it can match starting at one position, ignoring unbounded repetitions. */
  ways: number;
  /** The most characters one match may span (lookarounds counted as if they consumed what they read). */
  longest: number;
  open: boolean;
  /** How many unbounded repetitions (and backreferences to them) it holds. */
  unbounded: number;
  backref: boolean;
}

const ZERO_WIDTH: Summary = {
  first: EMPTY,
  chars: EMPTY,
  nullable: true,
  ways: 1,
  longest: 0,
  open: false,
  unbounded: 0,
  backref: false,
};
const UNKNOWN_BACKREF: Summary = {
  first: ANY,
  chars: ANY,
  nullable: true,
  ways: 1,
  longest: Infinity,
  open: true,
  unbounded: 1,
  backref: true,
};

function isUnbounded(min: number, max: number): boolean {
  return max - min > OPEN_SPAN;
}

class Analysis {
  private readonly summaries = new Map<RegexNode, Summary>();
  private readonly inProgress = new Set<RegexNode>();

  /** Rules 1–3, checked bottom-up. */
  summary(node: RegexNode): Summary {
    const known = this.summaries.get(node);
    if (known) return known;
    this.inProgress.add(node);
    const summary = this.compute(node);
    this.inProgress.delete(node);
    this.summaries.set(node, summary);
    return summary;
  }

  private compute(node: RegexNode): Summary {
    switch (node.kind) {
      case 'chars':
        return { ...ZERO_WIDTH, first: node.set, chars: node.set, nullable: false, longest: 1 };
      case 'assertion':
        return ZERO_WIDTH;
      case 'macro':
        // Filled in as escaped literal text: it adds no choices, but may be empty and may be anything.
        return { ...ZERO_WIDTH, first: ANY, chars: ANY, longest: LONGEST_NAME };
      case 'backref': {
        if (!node.group || this.inProgress.has(node.group)) return UNKNOWN_BACKREF;
        const target = this.summary(node.group);
        const unbounded = target.open ? 1 : 0;
        return { ...target, first: target.chars, nullable: true, ways: 1, unbounded, backref: true };
      }
      case 'group':
        return this.group(node.alternatives, node.lookaround);
      case 'repeat':
        return this.repeat(node.body, node.min, node.max);
    }
  }

  private group(alternatives: RegexNode[][], lookaround: boolean): Summary {
    const each = alternatives.map((terms) => this.sequence(terms));
    const ambiguous =
      each.length > 1 &&
      each.some(
        (a, i) => a.nullable || each.some((b, j) => j > i && (b.nullable || overlaps(a.first, b.first))),
      );
    const ways = ambiguous
      ? Math.min(
          WAYS_CAP,
          each.reduce((sum, s) => sum + s.ways, 0),
        )
      : Math.max(...each.map((s) => s.ways));
    const longest = Math.max(...each.map((s) => s.longest));
    const open = each.some((s) => s.open);
    const unbounded = each.reduce((sum, s) => sum + s.unbounded, 0);
    const backref = each.some((s) => s.backref);
    if (lookaround) return { ...ZERO_WIDTH, ways, longest, open, unbounded, backref };
    return {
      first: union(...each.map((s) => s.first)),
      chars: union(...each.map((s) => s.chars)),
      nullable: each.some((s) => s.nullable),
      ways,
      longest,
      open,
      unbounded,
      backref,
    };
  }

  private sequence(terms: RegexNode[]): Summary {
    const result: Summary = { ...ZERO_WIDTH };
    let leading = true;
    for (const term of terms) {
      const s = this.summary(term);
      if (leading) result.first = union(result.first, s.first);
      leading &&= s.nullable;
      result.chars = union(result.chars, s.chars);
      result.ways = Math.min(WAYS_CAP, result.ways * s.ways);
      result.longest += s.longest;
      result.open ||= s.open;
      result.unbounded += s.unbounded;
      result.backref ||= s.backref;
    }
    result.nullable = leading;
    return result;
  }

  private repeat(bodyNode: RegexNode, min: number, max: number): Summary {
    const body = this.summary(bodyNode);
    const unbounded = isUnbounded(min, max);
    if (max > 1 && body.backref) throw new UnsafeRegex('backreference-in-repetition');
    if (max > 1 && body.open) throw new UnsafeRegex('nested-repetition');
    if (unbounded && body.ways > 1) throw new UnsafeRegex('ambiguous-repetition');
    let ways: number;
    if (unbounded) ways = 1;
    else if (max <= 1) ways = Math.min(WAYS_CAP, body.ways + (min === 0 ? 1 : 0));
    else ways = waysToRepeat(body.ways, min, max);
    return {
      first: body.first,
      chars: body.chars,
      nullable: min === 0 || body.nullable,
      ways,
      longest: max === 0 || body.longest === 0 ? 0 : body.longest * max, // 0 × Infinity is NaN
      open: unbounded || body.open,
      unbounded: body.unbounded + (unbounded ? 1 : 0),
      backref: body.backref,
    };
  }

  // Rule 4, left to right: `live` holds the characters of unbounded repetitions that may still be consuming text.
  // An overlapping new one splits that text in O(n) ways, each retried when what follows fails. One in `tail`
  // position has nothing after it to fail, so a cheap one is exempt (`\w*fire\w*`); a counted one over 3 is not.
  walk(node: RegexNode, live: CharSet[], tail: boolean): CharSet[] {
    switch (node.kind) {
      case 'chars':
        return live.filter((set) => overlaps(set, node.set));
      case 'assertion':
      case 'macro':
        return live;
      case 'backref': {
        const s = this.summary(node);
        // Never exempt as a tail: comparing the captured text can fail at every split, each costing O(n).
        if (s.open) return this.startRepetition(live, s.chars, true, false);
        // A long fixed capture compared at every try of a live repetition costs like a counted one.
        if (s.longest > UNROLLED_COUNT && live.some((set) => overlaps(set, s.chars)))
          throw new UnsafeRegex('overlapping-repetitions');
        return live;
      }
      case 'group':
        if (node.lookaround) {
          // Rerun at every try of a live repetition, and consumes nothing, so those stay live.
          for (const terms of node.alternatives) this.walkSequence(terms, live, false);
          return live;
        }
        return distinct(node.alternatives.flatMap((terms) => this.walkSequence(terms, live, tail)));
      case 'repeat': {
        if (isUnbounded(node.min, node.max)) {
          // Rules 1–2 leave only counted repetitions and lookarounds in the body, rerun at each try.
          const body = this.summary(node.body);
          this.walk(node.body, live, false);
          const cheapTry = body.longest * Math.max(node.min, 1) <= UNROLLED_COUNT;
          return this.startRepetition(live, body.chars, node.min === 0 || body.nullable, tail && cheapTry);
        }
        if (node.max > UNROLLED_COUNT && live.some((set) => overlaps(set, this.summary(node.body).chars)))
          throw new UnsafeRegex('overlapping-repetitions');
        // By rule 1 one pass over the body shows what the repetition ends.
        const after = this.walk(node.body, live, tail && node.max <= 1);
        return node.min === 0 ? distinct([...live, ...after]) : after;
      }
    }
  }

  private walkSequence(terms: RegexNode[], live: CharSet[], tail: boolean): CharSet[] {
    return terms.reduce(
      (current, term, index) => this.walk(term, current, tail && index === terms.length - 1),
      live,
    );
  }

  private startRepetition(live: CharSet[], chars: CharSet, nullable: boolean, tail: boolean): CharSet[] {
    if (!tail && live.some((set) => overlaps(set, chars))) throw new UnsafeRegex('overlapping-repetitions');
    // Disjoint from every live set (or last), so a required repetition ends them all.
    return [...(nullable ? live : []), chars];
  }
}

/** Σ ways^k for k in [min, max]: each count of repetitions is one more way, times the body's own choices. */
function waysToRepeat(bodyWays: number, min: number, max: number): number {
  let power = Math.min(WAYS_CAP, bodyWays ** min);
  let total = 0;
  for (let k = min; k <= max && total < WAYS_CAP; k++) {
    total += power;
    power = Math.min(WAYS_CAP, power * bodyWays);
  }
  return Math.min(WAYS_CAP, total);
}

function distinct(sets: CharSet[]): CharSet[] {
  return [...new Set(sets)];
}
