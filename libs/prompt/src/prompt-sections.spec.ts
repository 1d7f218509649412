import { completeEntry } from '@app/personas';
import { factory } from '@app/testing';
import { buildPrompt } from './prompt-builder';
import { parsePromptSections, renderListSection, renderSummaryLine } from './prompt-sections';

describe('prompt sections', () => {
  it('parses back what buildPrompt wrote', async () => {
    const persona = factory.personaContent({
      name: 'Aria',
      description: 'A keeper.\n\nShe hums.',
      lorebook: [completeEntry({ keys: [], content: 'The isle is\ncursed.', constant: true }, 0)],
    });
    const prompt = await buildPrompt({
      persona,
      userName: 'Sam',
      canonicalMemories: [{ id: 'c1', content: 'Born at sea.' }],
      userMemories: [
        { id: 'u1', content: 'Sam sails.' },
        { id: 'u2', content: 'Sam cooks.' },
      ],
      summary: 'They met.\nThey talked.',
      history: [],
      newMessage: 'hi',
      tokenBudget: 2048,
      maxResponseTokens: 256,
    });

    expect(parsePromptSections(prompt.messages[0].content)).toEqual({
      name: 'Aria',
      canonicalMemory: ['Born at sea.'],
      userFacts: ['Sam sails.', 'Sam cooks.'],
      lore: ['The isle is cursed.'],
      summary: 'They met. They talked.',
    });
  });

  it('renders nothing for empty lists and summaries', () => {
    expect(renderListSection('Lore:', ['', ' \n'])).toBeNull();
    expect(renderSummaryLine(null)).toBeNull();
    expect(renderSummaryLine('  ')).toBeNull();
  });
});
