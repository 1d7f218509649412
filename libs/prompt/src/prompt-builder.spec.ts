import type { ChatMessage } from '@app/inference';
import { completeEntry, PersonaContent } from '@app/personas';
import { factory } from '@app/testing';
import { buildPrompt } from './prompt-builder';
import type { PromptInput } from './prompt.types';

function lighthouse(overrides: Partial<PersonaContent> = {}): PersonaContent {
  return factory.personaContent({
    name: 'Aria',
    description: '{{char}} keeps a lighthouse and talks to {{user}} at night.',
    personality: 'wry, patient',
    scenario: 'A storm off the coast.',
    exampleDialogues: '<START>\n{{user}}: Hello?\n{{char}}: The light is on.',
    postHistoryInstructions: 'Stay in character as {{char}}.',
    lorebook: [
      completeEntry({ keys: ['storm'], content: 'Storms here last three days.' }, 0),
      completeEntry({ keys: ['treasure'], content: 'There is no treasure.' }, 1),
    ],
    ...overrides,
  });
}

function input(overrides: Partial<PromptInput> = {}): PromptInput {
  return {
    persona: lighthouse(),
    userName: 'Sam',
    canonicalMemories: [{ id: 'c1', content: 'Aria lost her brother at sea.' }],
    userMemories: [{ id: 'u1', content: 'Sam is a sailor.' }],
    summary: 'Sam arrived by boat.',
    history: [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Welcome.' },
    ],
    newMessage: 'Is the storm bad?',
    tokenBudget: 4096,
    maxResponseTokens: 512,
    ...overrides,
  };
}

function turns(count: number, chars: number): ChatMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    role: i % 2 === 0 ? 'user' : 'assistant',
    content: `${i}`.padEnd(chars, '.'),
  }));
}

describe('buildPrompt', () => {
  it('renders the exact message list for a small persona', async () => {
    const prompt = await buildPrompt(input());

    expect(prompt.messages).toEqual([
      {
        role: 'system',
        content: [
          'Name: Aria',
          "Write Aria's next reply in a fictional chat between Aria and Sam.",
          'Aria keeps a lighthouse and talks to Sam at night.',
          "Aria's personality: wry, patient",
          'Scenario: A storm off the coast.',
          'Example dialogues:',
          '<START>',
          'Sam: Hello?',
          'Aria: The light is on.',
          '',
          'Canonical memory:',
          '- Aria lost her brother at sea.',
          '',
          'Known facts about the user:',
          '- Sam is a sailor.',
          '',
          'Lore:',
          '- Storms here last three days.',
          '',
          'Summary of earlier conversation: Sam arrived by boat.',
        ].join('\n'),
      },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Welcome.' },
      { role: 'user', content: 'Is the storm bad?' },
      { role: 'system', content: 'Stay in character as Aria.' },
    ]);
    expect(prompt.memoryIds).toEqual(['c1', 'u1']);
    expect(prompt.lorebookEntries).toEqual([0]);
    expect(prompt.droppedTurns).toBe(0);
    expect(prompt.promptTokens).toBe(
      prompt.messages.reduce((sum, m) => sum + Math.ceil(m.content.length / 4) + 4, 0),
    );
  });

  it('leaves out empty sections and card fields', async () => {
    const persona = factory.personaContent({ name: 'Bare' });
    const prompt = await buildPrompt(
      input({ persona, canonicalMemories: [], userMemories: [], summary: null, history: [] }),
    );

    expect(prompt.messages).toEqual([
      {
        role: 'system',
        content: "Name: Bare\nWrite Bare's next reply in a fictional chat between Bare and Sam.",
      },
      { role: 'user', content: 'Is the storm bad?' },
    ]);
  });

  it('substitutes {{char}} and {{user}} in any case, in every card field and lore entry', async () => {
    const persona = lighthouse({
      description: '{{CHAR}} greets {{User}}; <BOT> and <USER> too.',
      personality: '{{Char}} likes {{USER}}',
      scenario: '{{user}} visits {{char}}',
      exampleDialogues: '{{user}}: hi\n{{char}}: hi',
      postHistoryInstructions: 'Reply to {{user}} as {{char}}.',
      lorebook: [completeEntry({ keys: ['storm'], content: '{{char}} fears storms; {{user}} does not.' }, 0)],
    });
    const prompt = await buildPrompt(input({ persona }));
    const text = prompt.messages.map((m) => m.content).join('\n');

    expect(text).toContain('Aria greets Sam; Aria and Sam too.');
    expect(text).toContain("Aria's personality: Aria likes Sam");
    expect(text).toContain('Scenario: Sam visits Aria');
    expect(text).toContain('Sam: hi\nAria: hi');
    expect(text).toContain('- Aria fears storms; Sam does not.');
    expect(prompt.messages.at(-1)).toEqual({ role: 'system', content: 'Reply to Sam as Aria.' });
    expect(text).not.toMatch(/\{\{(char|user)\}\}|<bot>|<user>/i);
  });

  it("uses the card's systemPrompt instead of the default, with {{original}} quoting the default", async () => {
    const persona = lighthouse({ systemPrompt: 'You are {{char}}, never break character. {{Original}}' });
    const prompt = await buildPrompt(input({ persona }));

    expect(prompt.messages[0].content.split('\n').slice(0, 3)).toEqual([
      'Name: Aria',
      "You are Aria, never break character. Write Aria's next reply in a fictional chat between Aria and Sam.",
      'Aria keeps a lighthouse and talks to Sam at night.',
    ]);
  });

  it('sends curly braces in card, memory, history and message text verbatim', async () => {
    const persona = lighthouse({
      description: 'Likes {curly} braces, {{double}} ones and a lone } or {.',
      postHistoryInstructions: 'Answer as JSON: {"reply": "{text}"}',
    });
    const prompt = await buildPrompt(
      input({
        persona,
        canonicalMemories: [{ id: 'c1', content: 'Knows {system} and {input}.' }],
        summary: 'Talked about {history}.',
        history: [{ role: 'user', content: '{post} {history} {{input}}' }],
        newMessage: 'What is {input}? }{',
      }),
    );

    expect(prompt.messages[0].content).toContain('Likes {curly} braces, {{double}} ones and a lone } or {.');
    expect(prompt.messages[0].content).toContain('- Knows {system} and {input}.');
    expect(prompt.messages[0].content).toContain('Summary of earlier conversation: Talked about {history}.');
    expect(prompt.messages.slice(1)).toEqual([
      { role: 'user', content: '{post} {history} {{input}}' },
      { role: 'user', content: 'What is {input}? }{' },
      { role: 'system', content: 'Answer as JSON: {"reply": "{text}"}' },
    ]);
  });

  it('puts post-history instructions last, after the new message, and only when the card has them', async () => {
    const withPost = await buildPrompt(input());
    expect(withPost.messages.slice(-2)).toEqual([
      { role: 'user', content: 'Is the storm bad?' },
      { role: 'system', content: 'Stay in character as Aria.' },
    ]);

    const without = await buildPrompt(input({ persona: lighthouse({ postHistoryInstructions: '  ' }) }));
    expect(without.messages.at(-1)).toEqual({ role: 'user', content: 'Is the storm bad?' });
    expect(without.messages.filter((m) => m.role === 'system')).toHaveLength(1);
  });

  it("places the client's system message right after the persona's, and counts it in the budget", async () => {
    const instructions = 'Answer in French. {braces} stay verbatim.';
    const prompt = await buildPrompt(input({ instructions }));
    const plain = await buildPrompt(input());
    expect(prompt.messages[0]).toEqual(plain.messages[0]);
    expect(prompt.messages[1]).toEqual({ role: 'system', content: instructions });
    expect(prompt.messages.slice(2)).toEqual(plain.messages.slice(1));

    // The client's system message costs what it weighs: with it, one more old turn must go.
    const history = turns(10, 36);
    const tokenBudget = plain.promptTokens + 3 * 13 + 512;
    const withInstructions = await buildPrompt(
      input({ history, tokenBudget, instructions: 'x'.repeat(4 * 9) }),
    );
    expect(withInstructions.droppedTurns).toBeGreaterThan(
      (await buildPrompt(input({ history, tokenBudget }))).droppedTurns,
    );
    expect(withInstructions.promptTokens).toBeLessThanOrEqual(tokenBudget - 512);
  });

  it('drops the oldest turns first to fit the budget and reports how many', async () => {
    const fixed = (await buildPrompt(input({ history: [] }))).promptTokens;
    const history = turns(10, 36); // 9 + 4 tokens each
    const tokenBudget = fixed + 3 * 13 + 5 + 512;
    const prompt = await buildPrompt(input({ history, tokenBudget }));

    expect(prompt.droppedTurns).toBe(7);
    expect(prompt.messages.slice(1, -2)).toEqual(history.slice(7));
    expect(prompt.promptTokens).toBe(fixed + 3 * 13);
    expect(prompt.promptTokens).toBeLessThanOrEqual(tokenBudget - 512);
  });

  it('never splits a turn nor skips one to fit older turns', async () => {
    const fixed = (await buildPrompt(input({ history: [] }))).promptTokens;
    const history: ChatMessage[] = [...turns(2, 8), { role: 'user', content: 'x'.repeat(400) }];
    const prompt = await buildPrompt(input({ history, tokenBudget: fixed + 50 + 512 }));

    expect(prompt.droppedTurns).toBe(3);
    expect(prompt.messages.map((m) => m.role)).toEqual(['system', 'user', 'system']);
  });

  it('keeps the system prompt and the new message even when nothing else fits', async () => {
    const prompt = await buildPrompt(input({ history: turns(4, 40), tokenBudget: 512 + 10 }));

    expect(prompt.droppedTurns).toBe(4);
    expect(prompt.memoryIds).toEqual([]);
    expect(prompt.messages.map((m) => m.role)).toEqual(['system', 'user', 'system']);
    expect(prompt.messages[1].content).toBe('Is the storm bad?');
  });

  it('lists only the memories included, dropping the lowest-ranked user facts first when they overflow', async () => {
    const bare = (await buildPrompt(input({ canonicalMemories: [], userMemories: [], history: [] })))
      .promptTokens;
    const prompt = await buildPrompt(
      input({
        history: [],
        canonicalMemories: [
          { id: 'c1', content: 'Aria lost her brother at sea.' },
          { id: 'c2', content: 'Aria never leaves the island.' },
        ],
        userMemories: [
          { id: 'u1', content: 'Sam is a sailor.' },
          { id: 'u2', content: 'Sam '.repeat(100) },
        ],
        tokenBudget: bare + 40 + 512,
      }),
    );

    expect(prompt.memoryIds).toEqual(['c1', 'c2', 'u1']);
    expect(prompt.messages[0].content).toContain('- Sam is a sailor.');
    expect(prompt.messages[0].content).not.toContain('Sam Sam');
    expect(prompt.promptTokens).toBeLessThanOrEqual(bare + 40);
  });

  it('ignores empty memories and keeps each memory on one line', async () => {
    const prompt = await buildPrompt(
      input({
        canonicalMemories: [{ id: 'c0', content: ' \n ' }],
        userMemories: [{ id: 'u1', content: 'Sam is a sailor\nand a cook.' }],
      }),
    );

    expect(prompt.memoryIds).toEqual(['u1']);
    expect(prompt.messages[0].content).not.toContain('Canonical memory:');
    expect(prompt.messages[0].content).toContain(
      'Known facts about the user:\n- Sam is a sailor and a cook.',
    );
  });

  it('is deterministic', async () => {
    const source = input({ history: turns(6, 30), tokenBudget: 700 });
    const first = await buildPrompt(source);
    const second = await buildPrompt(structuredClone(source));

    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });
});
