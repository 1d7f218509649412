import { EmbeddedModelProvider } from '@app/inference';
import { factory } from '@app/testing';
import { buildPrompt } from './prompt-builder';

/** The prompt builder writes what the embedded model reads: recall works only if both sides agree. */
describe('prompt builder → embedded model', () => {
  async function reply(userMemories: { id: string; content: string }[], newMessage: string): Promise<string> {
    const prompt = await buildPrompt({
      persona: factory.personaContent({ name: 'Mira', personality: 'cheerful' }),
      userName: 'Sam',
      canonicalMemories: [],
      userMemories,
      summary: null,
      history: [],
      newMessage,
      tokenBudget: 4096,
      maxResponseTokens: 256,
    });
    let text = '';
    for await (const token of new EmbeddedModelProvider().stream(
      { modelId: 'embedded', messages: prompt.messages },
      new AbortController().signal,
    )) {
      text += token;
    }
    return text;
  }

  it('answers "what is my dog called?" from the consumer’s retrieved memory', async () => {
    expect(await reply([{ id: 'm1', content: 'my dog is called Rex' }], 'what is my dog called?')).toContain(
      'Rex',
    );
  });

  it('does not know it without the memory', async () => {
    expect(await reply([], 'what is my dog called?')).not.toContain('Rex');
  });
});
