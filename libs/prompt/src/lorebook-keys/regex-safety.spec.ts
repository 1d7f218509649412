import { findRegexRisk } from './regex-safety';

/** A key as a creator writes it: /pattern/flags, macros left in. */
function risk(key: string): string | undefined {
  const [, source, flags] = /^\/(.+)\/([a-z]*)$/s.exec(key) ?? ['', key, ''];
  return findRegexRisk(source, flags, { macros: true });
}

describe('findRegexRisk', () => {
  it.each([
    '/dragon(s)?/i',
    '/\\bfire\\b/',
    '/^hi/m',
    '/drag(on|ons)\\b/',
    '/city of (clocks|bells)/i',
    '/fire\\w+/',
    '/\\w*fire\\w*/',
    '/colou?r/',
    '/\\b(?:red|blue|green) (?:dragon|drake)s?\\b/',
    '/\\w+\\s+\\w+/',
    '/[a-z]+\\d+[a-z]+!/',
    '/(\\w+)\\s+\\1/',
    '/(["\'])\\w+\\1/',
    '/(\\d{1,3}\\.){3}\\d{1,3}/',
    '/(ab|cd)*x/',
    '/dragon.{0,30}fire/',
    '/\\w+ \\d{4}/',
    '/\\w+a{3}x/',
    '/(?=.*sword)(?=.*king)/',
    '/\\b{{char}}\\b/',
    '/[\\p{L}]+ of {{user}}/u',
    '/[[a-z]--[aeiou]]+/v',
    '/^\\s*hello\\s*$/',
    '/a{1000}/',
    '/(?:)*x/',
  ])('accepts %s', (key) => {
    expect(risk(key)).toBeUndefined();
  });

  it.each([
    ['/(a+)+$/', 'nested-repetition'],
    ['/(.*a){12}/', 'nested-repetition'],
    ['/(\\w+\\s?)*$/', 'nested-repetition'],
    ['/(?:(?=.*x)a)+/', 'nested-repetition'],
    ['/(a|a)*b/', 'ambiguous-repetition'],
    ['/(a|ab)*c/', 'ambiguous-repetition'],
    ['/(\\w|\\d)+$/', 'ambiguous-repetition'],
    ['/(a?)+b/', 'ambiguous-repetition'],
    ['/(a|)+b/', 'ambiguous-repetition'],
    ['/(a)\\1+b/', 'backreference-in-repetition'],
    ['/((a)\\2)*b/', 'backreference-in-repetition'],
    ['/a*a*b/', 'overlapping-repetitions'],
    ['/\\w+\\s?\\w+!/', 'overlapping-repetitions'],
    ['/.*foo.*bar/', 'overlapping-repetitions'],
    ['/(\\w+)\\1/', 'overlapping-repetitions'],
    ['/\\d+{{user}}\\d+x/', 'overlapping-repetitions'],
    ['/\\w+\\d{4}/', 'overlapping-repetitions'],
    ['/\\s+.[^a]{500}^/', 'overlapping-repetitions'],
    ['/\\w+(?=\\w*x)/', 'overlapping-repetitions'],
    ['/a{2,}[a-z]{2}(?:\\w{500}\\s){2,}/', 'overlapping-repetitions'],
    ['/A*?(?=A{500}){2,}\\s/', 'overlapping-repetitions'],
    ['/(a?){30}a{30}/', 'too-many-choices'],
    ['/(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)b/', 'too-many-choices'],
    ['/a?a?a?\\w+x/', 'too-many-choices'],
    ['/a{1000,1016}a{1000,1016}b/', 'too-many-choices'],
    ['/\\w{100,110}.{500}\\W/', 'too-many-choices'],
    ['/(?=.*a)(?=.*b)(?=.*c)(?=.*d)(?=.*e)(?=.*f)(?=.*g)/', 'too-many-repetitions'],
  ])('refuses %s (%s)', (key, expected) => {
    expect(risk(key)).toBe(expected);
  });

  it('reads characters case-insensitively, since most keys are matched that way', () => {
    expect(risk('/[a-z]+[A-Z]+!/')).toBe('overlapping-repetitions');
    expect(risk('/k+\\u212a+!/u')).toBe('overlapping-repetitions'); // KELVIN SIGN folds to k
  });

  it('treats a macro as a name that may hold anything, or nothing', () => {
    // With an empty or all-letter name, the two \w+ would meet.
    expect(risk('/\\w+{{char}}\\w+!/')).toBe('overlapping-repetitions');
    expect(risk('/({{user}}|x)+/')).toBe('ambiguous-repetition');
  });
});
