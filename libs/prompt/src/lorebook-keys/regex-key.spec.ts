import {
  findLorebookKeyProblems,
  findRegexKeyProblem,
  MAX_REGEX_KEY_CHARS,
  regexKeyParts,
} from './regex-key';

describe('regexKeyParts', () => {
  it('reads /pattern/flags and bare patterns, dropping g, y and i', () => {
    expect(regexKeyParts('/drag(on)?/gimsuy')).toEqual({ source: 'drag(on)?', flags: 'msu', slashed: true });
    expect(regexKeyParts('fire\\w+')).toEqual({ source: 'fire\\w+', flags: '', slashed: false });
  });
});

describe('findRegexKeyProblem', () => {
  it('accepts safe keys, blank keys, and bare keys that are not regexes (matched as plain text)', () => {
    expect(findRegexKeyProblem('/dragon(s)?/i')).toBeUndefined();
    expect(findRegexKeyProblem('  ')).toBeUndefined();
    expect(findRegexKeyProblem('C++')).toBeUndefined();
    expect(findRegexKeyProblem('*sigh*')).toBeUndefined();
  });

  it('refuses a /slashed/ key that does not compile, saying why', () => {
    expect(findRegexKeyProblem('/[unclosed/')).toBe(
      'is not a valid regular expression: Unterminated character class',
    );
    expect(findRegexKeyProblem('/x/q')).toMatch(/^is not a valid regular expression: Invalid flags/);
  });

  it(`refuses keys over ${MAX_REGEX_KEY_CHARS} characters`, () => {
    expect(findRegexKeyProblem(`/${'a'.repeat(MAX_REGEX_KEY_CHARS)}/`)).toBe(
      `is a regular expression of ${MAX_REGEX_KEY_CHARS + 2} characters; the limit is ${MAX_REGEX_KEY_CHARS}`,
    );
  });

  it('refuses unsafe keys, slashed or bare, saying what makes them slow', () => {
    expect(findRegexKeyProblem('/(a+)+$/')).toMatch(/^is an unsafe regular expression: it repeats a part/);
    expect(findRegexKeyProblem('(a|a)*b')).toMatch(/^is an unsafe regular expression: .*\(a\|a\)\*/);
  });

  it('checks keys with macros as they are written, before any name is known', () => {
    expect(findRegexKeyProblem('/{{user}}, son of {{char}}/u')).toBeUndefined();
    expect(findRegexKeyProblem('/(a+{{user}})+/')).toMatch(/unsafe/);
  });
});

describe('findLorebookKeyProblems', () => {
  it('checks primary and secondary keys of regex entries only, naming each', () => {
    const problems = findLorebookKeyProblems([
      { keys: ['(a+)+'], secondaryKeys: [], useRegex: false },
      { keys: ['ok', '/(a|a)*$/'], secondaryKeys: ['/(x+)*y/'], useRegex: true },
    ]);
    expect(problems.map(({ entry, list, index, key }) => ({ entry, list, index, key }))).toEqual([
      { entry: 1, list: 'keys', index: 1, key: '/(a|a)*$/' },
      { entry: 1, list: 'secondaryKeys', index: 0, key: '/(x+)*y/' },
    ]);
  });
});
