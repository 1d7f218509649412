import { Logger } from '@nestjs/common';
import type { ChatMessage } from '@app/inference';
import { completeEntry, Lorebook, LorebookEntryInput } from '@app/personas';
import { factory } from '@app/testing';
import { MacroValues } from './card-macros';
import { LoreScanLimits, selectLorebookEntries } from './lorebook';
import { PlainKeyIndex } from './lorebook-keys';

const macros = { char: 'Aria', user: 'Sam' };

function triggered(
  entries: LorebookEntryInput[],
  newMessage: string,
  history: ChatMessage[] = [],
  settings: Partial<Lorebook> = {},
  options: { macros?: MacroValues; limits?: Partial<LoreScanLimits> } = {},
): number[] {
  const card = factory.personaContent({ name: 'Aria' });
  card.lorebook = entries.map((entry, index) => completeEntry(entry, index));
  card.lorebookSettings = { ...card.lorebookSettings, ...settings };
  return selectLorebookEntries(card, { history, newMessage }, options.macros ?? macros, options.limits).map(
    (entry) => entry.index,
  );
}

const user = (content: string): ChatMessage => ({ role: 'user', content });

describe('selectLorebookEntries', () => {
  it('matches keys case-insensitively unless the entry is case-sensitive', () => {
    expect(triggered([{ keys: ['Dragon'], content: 'd' }], 'a DRAGON appears')).toEqual([0]);
    expect(triggered([{ keys: ['Dragon'], content: 'd', caseSensitive: true }], 'a dragon appears')).toEqual(
      [],
    );
    expect(triggered([{ keys: ['Dragon'], content: 'd', caseSensitive: true }], 'a Dragon appears')).toEqual([
      0,
    ]);
  });

  it('matches plain keys as whole words only', () => {
    const cat = [{ keys: ['cat'], content: 'c' }];
    expect(triggered(cat, 'concatenate the cats')).toEqual([]);
    expect(triggered(cat, 'the cat.')).toEqual([0]);
    expect(triggered([{ keys: ['red moon'], content: 'r' }], 'under the Red Moon tonight')).toEqual([0]);
    expect(triggered([{ keys: ['café'], content: 'c' }], 'cafés are closed')).toEqual([]);
    expect(triggered([{ keys: ['C++'], content: 'c' }], 'I write C++ daily')).toEqual([0]);
  });

  it('treats keys as regular expressions when useRegex is set, bare or /slashed/', () => {
    expect(triggered([{ keys: ['/drag(on|ons)\\b/'], content: 'd', useRegex: true }], 'Dragons!')).toEqual([
      0,
    ]);
    expect(triggered([{ keys: ['fire\\w+'], content: 'f', useRegex: true }], 'a firebreather')).toEqual([0]);
    expect(triggered([{ keys: ['^storm$'], content: 's', useRegex: true }], 'a storm')).toEqual([]);
  });

  it('falls back to a literal match for an invalid regex instead of throwing', () => {
    const entries = [{ keys: ['[unclosed(', 'ok'], content: 'x', useRegex: true }];
    expect(() => triggered(entries, 'nothing here')).not.toThrow();
    expect(triggered(entries, 'nothing here')).toEqual([]);
    expect(triggered(entries, 'it says [unclosed( here')).toEqual([0]);
  });

  it('needs a secondary key too for a selective entry, unless it has none', () => {
    const sword = { keys: ['sword'], secondaryKeys: ['king', 'queen'], content: 's', selective: true };
    expect(triggered([sword], 'a sword')).toEqual([]);
    expect(triggered([sword], 'the queen drew a sword')).toEqual([0]);
    expect(triggered([{ ...sword, selective: false }], 'a sword')).toEqual([0]);
    expect(triggered([{ ...sword, secondaryKeys: [] }], 'a sword')).toEqual([0]);
  });

  it('always includes constant entries and never disabled ones', () => {
    expect(triggered([{ keys: [], content: 'c', constant: true }], 'anything')).toEqual([0]);
    expect(triggered([{ keys: ['x'], content: 'c', constant: true, enabled: false }], 'x')).toEqual([]);
  });

  it('scans the new message and the last scanDepth turns (default 4)', () => {
    const entry = [{ keys: ['amulet'], content: 'a' }];
    const history = [user('the amulet glows'), user('one'), user('two'), user('three')];
    expect(triggered(entry, 'hello', history)).toEqual([0]);
    expect(triggered(entry, 'hello', history, { scanDepth: 3 })).toEqual([]);
    expect(triggered(entry, 'hello', [user('x'), ...history])).toEqual([0]);
    expect(triggered(entry, 'the amulet?', history, { scanDepth: 0 })).toEqual([0]);
  });

  it('expands macros in keys', () => {
    expect(triggered([{ keys: ['{{user}}'], content: 'u' }], 'sam is here')).toEqual([0]);
  });

  it('orders entries by insertion order, then priority', () => {
    const entries = [
      { keys: ['k'], content: 'a', insertionOrder: 5 },
      { keys: ['k'], content: 'b', insertionOrder: 1, priority: 1 },
      { keys: ['k'], content: 'c', insertionOrder: 1, priority: 9 },
    ];
    expect(triggered(entries, 'k')).toEqual([2, 1, 0]);
  });

  it('keeps to the lorebook token budget, constant entries and higher priority first', () => {
    const long = 'x'.repeat(36); // "- " + 36 + "\n" = 10 tokens
    const entries = [
      { keys: ['k'], content: long, priority: 1 },
      { keys: ['k'], content: long, priority: 50 },
      { keys: [], content: long, constant: true, priority: 0 },
    ];
    expect(triggered(entries, 'k', [], { tokenBudget: 20 })).toEqual([1, 2]);
    expect(triggered(entries, 'k', [], { tokenBudget: 10 })).toEqual([2]);
    expect(triggered(entries, 'k', [], { tokenBudget: null })).toEqual([0, 1, 2]);
  });
});

describe('selectLorebookEntries: regex keys that could stall the server', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  const hostile = `${'a'.repeat(100_000)}!`;

  it('skips unsafe keys (stored before keys were checked) without throwing, and still runs the safe ones', () => {
    // Run on this text, the first two keys would not finish in any lifetime; the test returning is the proof.
    const entries = [
      { keys: ['/(a+)+$/'], content: 'x', useRegex: true },
      { keys: ['(\\w+\\s?)*$', '/dragons?/'], content: 'y', useRegex: true },
    ];
    expect(triggered(entries, `${hostile} dragons`)).toEqual([1]);
  });

  it('runs keys that passed the check over 100 kB of hostile text without trouble', () => {
    const entries = [
      { keys: ['/\\w+x/', '/a\\w*b/', '/(?=.*z)a/'], content: 'x', useRegex: true },
      { keys: ['/a+!$/'], content: 'y', useRegex: true },
    ];
    // A budget that never runs out, so that every key does run on the hostile text.
    expect(triggered(entries, hostile, [], {}, { limits: { timeBudgetMs: 60_000 } })).toEqual([1]);
  });

  it('warns once per skipped key, by fingerprint, without the key or any name', () => {
    const entries = [{ keys: ['/(Sam|Sam)+ the (s+)+ unsafe/'], content: 'x', useRegex: true }];
    triggered(entries, 'Sam');
    triggered(entries, 'Sam');
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0][0]);
    expect(message).toMatch(/^Skipped regex key [0-9a-f]{12} of lorebook entry 0: it is unsafe: /);
    expect(message).not.toContain('Sam');
    expect(message).not.toContain('(s+)+');
  });

  it('skips a regex key over the length limit', () => {
    const long = 'a'.repeat(300);
    expect(triggered([{ keys: [`/${long}/`], content: 'x', useRegex: true }], long)).toEqual([]);
  });

  it('puts names into regex keys as literal text', () => {
    const entry = [{ keys: ['/hello {{user}}$/'], content: 'x', useRegex: true }];
    const dotted = { macros: { char: 'Aria', user: 'S.m' } };
    expect(triggered(entry, 'hello S.m', [], {}, dotted)).toEqual([0]);
    expect(triggered(entry, 'hello Sam', [], {}, dotted)).toEqual([]);
    const nested = { macros: { char: 'Aria', user: '(a+)+' } };
    expect(triggered(entry, `hello ${'a'.repeat(50)}!`, [], {}, nested)).toEqual([]);
    expect(triggered(entry, 'hello (a+)+', [], {}, nested)).toEqual([0]);
  });

  it('lets regex keys see only the newest text, and plain keys more of it', () => {
    const entries = [
      { keys: ['/dragon/'], content: 'r', useRegex: true },
      { keys: ['dragon'], content: 'p' },
    ];
    const message = `a dragon ${'.'.repeat(50)}`;
    expect(triggered(entries, message, [], {}, { limits: { regexScanChars: 40 } })).toEqual([1]);
    expect(triggered(entries, message, [], {}, { limits: { regexScanChars: 40, scanChars: 40 } })).toEqual(
      [],
    );
    expect(triggered(entries, message, [], {}, { limits: { regexScanChars: 60 } })).toEqual([0, 1]);
  });

  it('stops matching keys, plain and regex, once a turn has used up its time, and says so', () => {
    const entries = [
      { keys: ['/dragon/'], content: 'r', useRegex: true },
      { keys: ['dragon'], content: 'p' },
    ];
    expect(triggered(entries, 'a dragon', [], {}, { limits: { timeBudgetMs: 60_000 } })).toEqual([0, 1]);
    expect(triggered(entries, 'a dragon', [], {}, { limits: { timeBudgetMs: 0 } })).toEqual([]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('used up their time'));
  });
});

describe('selectLorebookEntries: large lorebooks', () => {
  afterEach(() => jest.restoreAllMocks());

  const words = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  // The review's worst case: 1,000 entries of 64 plain keys, and an 8,000-character message.
  const entries = Array.from({ length: 1_000 }, (_, entry) => ({
    keys: words(64, `key${entry}x`),
    content: `lore ${entry}`,
  }));
  const message = `${words(1_000, 'filler').join(' ')} key7x63 and KEY993X0.`.slice(-8_000);
  const noBudget = { limits: { timeBudgetMs: 60_000 } };

  it('finds every plain key of a large lorebook in one pass over the message', () => {
    expect(message.length).toBeGreaterThan(7_000);
    expect(triggered(entries, message, [], { tokenBudget: null }, noBudget)).toEqual([7, 993]);
  });

  it('compiles a lorebook once, not on every turn', () => {
    const add = jest.spyOn(PlainKeyIndex.prototype, 'add');
    const book = [{ keys: ['only-in-this-test'], content: 'new' }, ...entries];
    triggered(book, message, [], { tokenBudget: null }, noBudget);
    const compiledOnce = add.mock.calls.length;
    expect(compiledOnce).toBeGreaterThanOrEqual(64_000);
    expect(triggered(book, 'only-in-this-test', [], {}, noBudget)).toEqual([0]);
    expect(add.mock.calls.length).toBe(compiledOnce);
  });

  it('matches keys exactly as whole words, whatever the script, case or punctuation', () => {
    const book = [
      { keys: ['*sigh*'], content: 'a' },
      { keys: ['Mr. Smith'], content: 'b' },
      { keys: ['ΣΟΦΊΑ'], content: 'c' },
      { keys: ['  padded key  '], content: 'd' },
      { keys: ['東京'], content: 'e' },
      { keys: ['Sam & {{char}}'], content: 'f' },
      { keys: ['exact', 'Case'], content: 'g', caseSensitive: true },
    ];
    const found = (text: string) => triggered(book, text, [], { tokenBudget: null }, noBudget);
    expect(found('*sigh* fine, mr. smith; σοφία! padded key 東京 sam & aria Case')).toEqual([
      0, 1, 2, 3, 4, 5, 6,
    ]);
    expect(found('x*sigh* Mr.  Smith σοφίας padded keys 東京都 Sam & Arian case EXACT')).toEqual([]);
  });
});
