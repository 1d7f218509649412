import { completeEntry } from '@app/personas';
import { factory } from '@app/testing';
import { selectLorebookEntries } from '../libs/conversations/src/prompt/lorebook';

// `node dist/bench/lorebook.bench.js`: how long one chat turn's lorebook scan holds the event loop, for the
// review's worst case (1,000 entries × 64 plain keys, an 8,000-character message). Figures, not verdicts.
const ENTRIES = Number(process.argv[2] ?? 1_000);
const KEYS_PER_ENTRY = 64;
const TURNS = 5;

const card = factory.personaContent({ name: 'Bench' });
card.lorebook = Array.from({ length: ENTRIES }, (_, entry) =>
  completeEntry(
    {
      keys: Array.from({ length: KEYS_PER_ENTRY }, (_, key) => `keyword${entry}x${key}`),
      content: `lore ${entry}`,
    },
    entry,
  ),
);
const message = Array.from({ length: 1_500 }, (_, i) => `word${i}`)
  .join(' ')
  .slice(0, 8_000);
const macros = { char: 'Bench', user: 'user' };

for (let turn = 1; turn <= TURNS; turn += 1) {
  const started = performance.now();
  // A budget that never runs out, so the figure is the full scan's cost.
  selectLorebookEntries(card, { history: [], newMessage: message }, macros, { timeBudgetMs: 600_000 });
  console.log(`turn ${turn}: ${(performance.now() - started).toFixed(1)} ms`);
}
