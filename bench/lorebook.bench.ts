import { completeEntry } from '@app/personas';
import type { LorebookEntry, PersonaContent } from '@app/personas';
import { factory } from '@app/testing';
import { selectLorebookEntries } from '@app/prompt';

// `node --expose-gc dist/bench/lorebook.bench.js [scenario]`: how long one chat turn's lorebook work holds the
// event loop, for the security reviews' worst cases. Figures, not verdicts. Scenarios:
//   plain        1,000 entries × 64 plain keys, an 8,000-character message, a budget that never runs out (the
//                full scan's cost);
//   regex-names  1,000 entries × 10 keys like /{{user}} n0x0qwerty…/ (10,000 regex keys with a name), the turn's
//                own budget, from the first turn on;
//   regex        the same without the name;
//   rotate       three personas of 10,000 regex keys of 185 characters each (about 2 MiB cards), turns taken in
//                rotation, the turn's own budget.
// The regex scenarios' message holds the last key of the last entry: "1 entries" says that the whole lorebook
// is compiled and run by then.
const scenario = process.argv[2] ?? 'all';
const TURNS = 5;
const LATER_TURNS = 40;
const macros = { char: 'Bench', user: 'user' };
const heapBefore = process.memoryUsage().heapUsed;

function persona(lorebook: LorebookEntry[]): PersonaContent {
  const card = factory.personaContent({ name: 'Bench' });
  card.lorebook = lorebook;
  return card;
}

function literal(tag: string, entry: number, key: number, keyChars: number): string {
  return `${tag}${entry}x${key}${'qwertyuiopasdfghjklzxcvbnm'.repeat(10)}`.slice(0, keyChars);
}

function regexLorebook(tag: string, keyChars: number, withName: boolean): LorebookEntry[] {
  return Array.from({ length: 1_000 }, (_, entry) =>
    completeEntry(
      {
        keys: Array.from({ length: 10 }, (_, key) => {
          const text = literal(tag, entry, key, keyChars);
          return withName ? `/{{user}} ${text}/` : `/${text}/`;
        }),
        content: `lore ${entry}`,
        useRegex: true,
      },
      entry,
    ),
  );
}

function turn(card: PersonaContent, message: string, timeBudgetMs?: number): string {
  const started = performance.now();
  const found = selectLorebookEntries(
    card,
    { history: [], newMessage: message },
    macros,
    timeBudgetMs === undefined ? {} : { timeBudgetMs },
  );
  return `${(performance.now() - started).toFixed(1)} ms, ${found.length} entries`;
}

function plain(): void {
  const card = persona(
    Array.from({ length: 1_000 }, (_, entry) =>
      completeEntry(
        { keys: Array.from({ length: 64 }, (_, key) => `keyword${entry}x${key}`), content: `lore ${entry}` },
        entry,
      ),
    ),
  );
  const message = Array.from({ length: 1_500 }, (_, i) => `word${i}`)
    .join(' ')
    .slice(0, 8_000);
  for (let n = 1; n <= TURNS; n += 1) console.log(`plain, turn ${n}: ${turn(card, message, 600_000)}`);
}

function regex(withName: boolean): void {
  const tag = withName ? 'n' : 'r';
  const card = persona(regexLorebook(tag, 80, withName));
  const label = withName ? 'regex-names' : 'regex';
  const message = `hello there user ${literal(tag, 999, 9, 80)}`;
  for (let n = 1; n <= LATER_TURNS; n += 1) console.log(`${label}, turn ${n}: ${turn(card, message)}`);
}

function rotate(): void {
  const cards = [0, 1, 2].map((p) => persona(regexLorebook(`p${p}e`, 185, false)));
  for (let round = 1; round <= LATER_TURNS; round += 1) {
    cards.forEach((card, p) => {
      const message = `hello ${round} ${literal(`p${p}e`, 999, 9, 185)}`;
      console.log(`rotate, round ${round}, persona ${p}: ${turn(card, message)}`);
    });
  }
}

const scenarios: Record<string, () => void> = {
  plain,
  'regex-names': () => regex(true),
  regex: () => regex(false),
  rotate,
};
for (const [name, run] of Object.entries(scenarios)) if (scenario === 'all' || scenario === name) run();
global.gc?.();
const grown = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
console.log(`heap grew ${grown.toFixed(0)} MiB (after a collection only with node --expose-gc)`);
