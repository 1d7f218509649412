import type { ChatMessage } from '@app/inference';
import { completeEntry, Lorebook, LorebookEntryInput } from '@app/personas';
import { factory } from '@app/testing';
import { selectLorebookEntries } from './lorebook';

const macros = { char: 'Aria', user: 'Sam' };

function triggered(
  entries: LorebookEntryInput[],
  newMessage: string,
  history: ChatMessage[] = [],
  settings: Partial<Lorebook> = {},
): number[] {
  const card = factory.personaContent({ name: 'Aria' });
  card.lorebook = entries.map((entry, index) => completeEntry(entry, index));
  card.lorebookSettings = { ...card.lorebookSettings, ...settings };
  return selectLorebookEntries(card, { history, newMessage }, macros).map((entry) => entry.index);
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
