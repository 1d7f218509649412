import { Logger } from '@nestjs/common';
import { completeEntry, LorebookEntryInput, PERSONA_LIMITS } from '@app/personas';
import { factory } from '@app/testing';
import { MacroValues, substituteMacros } from './card-macros';
import { escapeRegex, selectLorebookEntries } from './lorebook';
import { asciiUpperCase, LiteralKey } from './lorebook-compile';
import * as keys from './lorebook-keys';
import { PlainKeyIndex } from './lorebook-keys';

// Counted, not replaced: how often keys are checked for safety shows what was compiled, and when.
jest.mock('./lorebook-keys', () => {
  const actual = jest.requireActual<typeof keys>('./lorebook-keys');
  return {
    ...actual,
    findRegexRisk: jest.fn(actual.findRegexRisk),
    checkRegexKeyTemplate: jest.fn(actual.checkRegexKeyTemplate),
  };
});
const findRegexRisk = jest.mocked(keys.findRegexRisk);
const checkRegexKeyTemplate = jest.mocked(keys.checkRegexKeyTemplate);

function card(entries: LorebookEntryInput[]) {
  const persona = factory.personaContent({ name: 'Aria' });
  persona.lorebook = entries.map((entry, index) => completeEntry(entry, index));
  persona.lorebookSettings = { ...persona.lorebookSettings, tokenBudget: null };
  return persona;
}

function turn(persona: ReturnType<typeof card>, message: string, names: MacroValues, timeBudgetMs?: number) {
  const limits = timeBudgetMs === undefined ? {} : { timeBudgetMs };
  return selectLorebookEntries(persona, { history: [], newMessage: message }, names, limits).map(
    (e) => e.index,
  );
}

/** Entries of regex keys like `/{{user}} meets the dragon 7 (again)?/`, each unique to its test. */
function namedRegexEntries(count: number, tag: string): LorebookEntryInput[] {
  return Array.from({ length: count }, (_, entry) => ({
    keys: [`/{{user}} meets the ${tag} ${entry} (again)?/`],
    content: `lore ${entry}`,
    useRegex: true,
  }));
}

const sam = { char: 'Aria', user: 'Sam' };
const noBudget = 600_000;

describe('compiling a lorebook for chat', () => {
  let now = 0;
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    findRegexRisk.mockClear();
    checkRegexKeyTemplate.mockClear();
  });
  afterEach(() => jest.restoreAllMocks());

  /** A clock that moves one millisecond each time it is read, so a turn's budget is a number of steps. */
  function steppingClock(): void {
    jest.spyOn(performance, 'now').mockImplementation(() => (now += 1));
  }

  it('looks at the deadline before compiling any key, so a turn with no time left compiles none', () => {
    const plainAdd = jest.spyOn(PlainKeyIndex.prototype, 'add');
    const persona = card([
      ...namedRegexEntries(50, 'deadline'),
      { keys: ['/deadline-regex \\d+/', 'deadline-plain'], content: 'x', useRegex: false },
      { keys: ['/deadline-regex \\d+/'], content: 'y', useRegex: true },
      { keys: [], content: 'always', constant: true },
    ]);
    // A constant entry needs no keys, compiled or not.
    expect(turn(persona, 'Sam meets the deadline 3 deadline-plain deadline-regex 7', sam, 0)).toEqual([52]);
    expect(checkRegexKeyTemplate).not.toHaveBeenCalled();
    expect(findRegexRisk).not.toHaveBeenCalled();
    expect(plainAdd).not.toHaveBeenCalled();
    // What it did not do then, a turn with time does.
    expect(turn(persona, 'Sam meets the deadline 3 deadline-plain deadline-regex 7', sam, noBudget)).toEqual([
      3, 50, 51, 52,
    ]);
  });

  it('compiles a large lorebook over several turns within each budget, keeping what each turn compiled', () => {
    steppingClock();
    const keys = 400;
    const persona = card(namedRegexEntries(keys, 'wyrm'));
    const message = `Sam meets the wyrm ${keys - 1} again`;
    const perTurn: number[] = [];
    for (let n = 0; n < 100 && checkRegexKeyTemplate.mock.calls.length < keys; n += 1) {
      const before = checkRegexKeyTemplate.mock.calls.length;
      turn(persona, message, sam, 50);
      perTurn.push(checkRegexKeyTemplate.mock.calls.length - before);
    }
    // No turn did more than its budget's worth, and it took several turns to compile every key once.
    expect(checkRegexKeyTemplate).toHaveBeenCalledTimes(keys);
    expect(Math.max(...perTurn)).toBeLessThanOrEqual(50);
    expect(perTurn.length).toBeGreaterThan(keys / 50);
    // Compiled for good: the last key matches, and nothing is compiled again.
    expect(turn(persona, message, sam, noBudget)).toEqual([keys - 1]);
    expect(checkRegexKeyTemplate).toHaveBeenCalledTimes(keys);
  });

  it('checks a regex key with names once for all users, not once per user and turn', () => {
    const persona = card(namedRegexEntries(300, 'drake'));
    for (const user of ['Sam', 'Kim', 'Sam', 'Lee']) {
      expect(turn(persona, `${user} meets the drake 299 again`, { char: 'Aria', user }, noBudget)).toEqual([
        299,
      ]);
    }
    expect(checkRegexKeyTemplate).toHaveBeenCalledTimes(300);
    // The expansions needed no check of their own.
    expect(findRegexRisk).not.toHaveBeenCalled();
  });

  it('still checks each expansion where a name could change what the key means', () => {
    // `\d{{{user}}}` with the name "3" is \d{3}: a count the template never showed.
    const persona = card([{ keys: ['/^\\d{{{user}}}$/'], content: 'x', useRegex: true }]);
    expect(turn(persona, '123', { char: 'Aria', user: '3' }, noBudget)).toEqual([0]);
    expect(turn(persona, '123', { char: 'Aria', user: '2' }, noBudget)).toEqual([]);
    expect(findRegexRisk).toHaveBeenCalledWith('^\\d{3}$', '');
    // A name that is itself unsafe as a pattern is still only text.
    const nested = card([{ keys: ['/^{{user}} rises$/'], content: 'x', useRegex: true }]);
    expect(turn(nested, '(a+)+ rises', { char: 'Aria', user: '(a+)+' }, noBudget)).toEqual([0]);
  });

  it('keeps three lorebooks at the key limit compiled while they take turns', () => {
    const { lorebookKeys, keyChars, keysPerEntry } = PERSONA_LIMITS;
    const lorebook = (tag: string): LorebookEntryInput[] =>
      Array.from({ length: Math.floor(lorebookKeys / keysPerEntry) }, (_, entry) => ({
        keys: Array.from({ length: keysPerEntry }, (_, key) =>
          `${tag}${entry}x${key} ${'long key text '.repeat(20)}`.slice(0, keyChars),
        ),
        content: `${tag} ${entry}`,
      }));
    const cards = ['alpha', 'beta', 'gamma'].map((tag) => card(lorebook(tag)));
    const plainAdd = jest.spyOn(PlainKeyIndex.prototype, 'add');
    for (const persona of cards) turn(persona, 'hello', sam, noBudget);
    const compiled = plainAdd.mock.calls.length;
    expect(compiled).toBe(3 * keysPerEntry * Math.floor(lorebookKeys / keysPerEntry));
    for (const persona of cards) turn(persona, 'hello', sam, noBudget);
    expect(plainAdd).toHaveBeenCalledTimes(compiled);
  });
});

describe('literal regex keys', () => {
  it('match exactly where the regex would, whatever the case, script or flags', () => {
    const keys = ['dragon', 'Mr Smith', 'k', 's', 'ss', 'i', 'a-b', 'x/y', 'A1_b', ' '];
    const texts = [
      'a DRAGON',
      'dRaGoN',
      'mr smith',
      'MR  SMITH',
      '\u212a',
      'K',
      'ſ',
      'ß',
      'SS',
      'İ',
      'ı',
      'I',
      'A-B',
      'X/Y',
      'a1_B',
      'ﬀ',
      '\t',
    ];
    const differences: string[] = [];
    for (const flags of ['', 'i', 'm', 's', 'im', 'is']) {
      for (const key of keys) {
        const literal = LiteralKey.from(key, flags);
        expect(literal).toBeDefined();
        for (const text of texts) {
          const expected = new RegExp(key, flags).test(text);
          if (literal?.test(text, () => asciiUpperCase(text)) !== expected)
            differences.push(`/${key}/${flags} on ${text}`);
        }
      }
    }
    expect(differences).toEqual([]);
  });

  it('are left to the regex engine where it reads more into them', () => {
    expect(LiteralKey.from('dragon', 'iu')).toBeUndefined();
    expect(LiteralKey.from('dragon', 'v')).toBeUndefined();
    expect(LiteralKey.from('drag.n', 'i')).toBeUndefined();
    expect(LiteralKey.from('dragón', 'i')).toBeUndefined();
  });
});

describe('regex key templates: one check for every name', () => {
  const templates = [
    '{{user}} meets {{char}}',
    '^{{user}}$',
    '({{user}})+ again',
    '(?:{{user}} )*x',
    '{{user}}+',
    '{{user}}{2,}',
    '{{user}}?',
    'a{{{user}}}',
    '(a+){{{user}}}',
    '\\w{1,{{user}}}',
    '\\{{user}}',
    '\\\\{{user}}',
    '(a)\\1{{user}}',
    '(\\w+) \\k<{{user}}>',
    '({{user}}?=a)',
    '(?{{user}}a)',
    '(?<{{user}}>a+)\\w+',
    '[{{user}}]+x',
    '[^{{user}}]* {{char}}',
    '\\w+ {{user}} \\w+',
    '{{user}}\\s+{{char}}',
    '\\x{{user}}',
    '\\u{{user}}+',
    '\\p{{{user}}}+\\w+',
    '<user> and <BOT>',
    '{{{user}}}',
    '{{char}}user}}',
    '.*{{user}}',
    '{{user}}.*',
    '(?:{{user}}|{{char}})+',
  ];
  const names = [
    'Sam',
    'a',
    'aa',
    '1',
    '0',
    '99999',
    '1,',
    ',5',
    '=',
    '!',
    ':',
    '<x>',
    'd',
    'w+',
    '(a+)+',
    '-',
    '^',
    ' ',
    'a'.repeat(200),
    '<',
    'user>',
    '{{user}}',
  ];
  const flags = ['', 'u'];

  it('passes no expansion that the full check would refuse', () => {
    const escaped: string[] = [];
    for (const template of templates) {
      for (const flag of flags) {
        const { safeForAllNames } = keys.checkRegexKeyTemplate(`/${template}/${flag}`);
        if (!safeForAllNames) continue;
        for (const char of names) {
          for (const user of names) {
            if (!keys.namesFitRegexTemplate([char, user])) continue;
            const source = substituteMacros(template, { char: escapeRegex(char), user: escapeRegex(user) });
            try {
              new RegExp(source, flag);
            } catch {
              continue;
            }
            const risk = keys.findRegexRisk(source, flag);
            if (risk) escaped.push(`${template} /${flag} with ${char}, ${user}: ${risk}`);
          }
        }
      }
    }
    expect(escaped).toEqual([]);
  });

  it('sends keys where a name could join the syntax around it to the per-name check', () => {
    for (const template of [
      'a{{{user}}}',
      '\\{{user}}',
      '(a)\\1{{user}}',
      '({{user}}?=a)',
      '{{user}}+',
      '(?<{{user}}>a)',
    ]) {
      expect(keys.checkRegexKeyTemplate(template).safeForAllNames).toBe(false);
    }
    expect(keys.checkRegexKeyTemplate('/{{user}} meets the dragon (again)?/').safeForAllNames).toBe(true);
    expect(keys.namesFitRegexTemplate(['Sam', ''])).toBe(false);
    expect(keys.namesFitRegexTemplate(['Sam', 'a'.repeat(201)])).toBe(false);
    expect(keys.namesFitRegexTemplate(['Sam', 'my <user>'])).toBe(false);
  });
});
