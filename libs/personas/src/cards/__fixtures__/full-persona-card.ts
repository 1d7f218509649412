import { PersonaCard } from '../../persona-content';
import { UNKNOWN_FIELDS_KEY } from '../card-extensions';

/** Every field set to a non-default value, so a round trip that drops or alters anything shows up as a diff. */
export function fullPersonaCard(): PersonaCard {
  return {
    name: 'Élodie « Lo » Marchand 🦊',
    nickname: 'Lo',
    description:
      '{{char}} repairs clocks in a city where time runs backwards.\r\nShe writes <script>alert("x")</script> on the wall.',
    personality: 'meticulous, wry, kind to strangers',
    scenario: '{{user}} brings her a pocket watch that ticks forwards.',
    firstMessage: "*The bell over the door rings.* You're early. Or late. Hard to say here.",
    exampleDialogues: '<START>\n{{user}}: Can you fix it?\n{{char}}: I can make it wrong in the right way.',
    alternateGreetings: ['Closed — unless it is urgent.', '*She does not look up.* Put it on the counter.'],
    groupOnlyGreetings: ['All of you at once? Take a number.'],
    systemPrompt: 'You are {{char}}. {{original}}',
    postHistoryInstructions: 'Stay in character; keep replies under 200 words.',
    creatorNotes: 'Best with a temperature of 0.8.',
    creatorNotesMultilingual: { fr: 'Meilleur avec une température de 0,8.', ja: '温度0.8がおすすめ。' },
    tags: ['fantasy', 'Slice of life', 'clockwork'],
    creator: 'twinproof-tests',
    characterVersion: '2.1.0',
    source: ['https://example.com/cards/elodie', 'example:elodie'],
    assets: [
      { type: 'icon', uri: 'ccdefault:', name: 'main', ext: 'png' },
      { type: 'background', uri: 'https://example.com/workshop.webp', name: 'workshop', ext: 'webp' },
    ],
    lorebook: [
      {
        keys: ['watch', 'pocket watch'],
        secondaryKeys: ['forwards', 'broken'],
        content: 'The watch belonged to the last person to leave the city.',
        name: 'The watch',
        comment: 'central mystery',
        enabled: false,
        insertionOrder: 7,
        caseSensitive: true,
        constant: true,
        selective: true,
        priority: 3,
        position: 'after_char',
        useRegex: true,
        extensions: {
          depth: 4,
          'other-tool/flags': { sticky: 2, groups: ['a', 'b'] },
          [UNKNOWN_FIELDS_KEY]: { id: 41, folder: 'mysteries' },
        },
      },
      {
        keys: ['/city of (clocks|bells)/i'],
        secondaryKeys: [],
        content: '@@depth 2\nThe city is called Reverie.',
        name: '',
        comment: '',
        enabled: true,
        insertionOrder: 200,
        caseSensitive: false,
        constant: false,
        selective: false,
        priority: 0,
        position: 'before_char',
        useRegex: false,
        extensions: {},
      },
    ],
    lorebookSettings: {
      name: 'Reverie',
      description: 'Places and people of the backwards city.',
      scanDepth: 6,
      tokenBudget: 1024,
      recursiveScanning: true,
      extensions: { risu_fullWordMatching: true, [UNKNOWN_FIELDS_KEY]: { x_book_flag: 'kept' } },
    },
    extensions: {
      depth_prompt: { prompt: 'Remember the watch.', depth: 4, role: 'system' },
      talkativeness: '0.5',
      'agnai/voice': { provider: 'none', nested: [1, 2.5, null, true, { deep: ['x'] }] },
      [UNKNOWN_FIELDS_KEY]: { x_future_field: { version: 4 }, personality_alt: 'kept verbatim' },
    },
  };
}
