import { fromLangChainMessages, toLangChainMessages } from '@app/inference';
import { ChatPromptTemplate, MessagesPlaceholder } from '@langchain/core/prompts';
import { MacroValues } from './card-macros';
import { selectLorebookEntries } from './lorebook';
import type { BuiltPrompt, MemorySnippet, PromptInput } from './prompt.types';
import { toSingleLine } from './prompt-sections';
import { renderCharacterBlock, renderPostHistoryInstructions, renderSystemMessage } from './system-prompt';
import { countPromptTokens, fitRecentHistory, messageTokens, promptAllowance } from './token-budget';

// Every piece of user or card text enters as a variable value, never as template source, so `{x}` in a card
// or a message is sent verbatim instead of being read as a placeholder.
const TEMPLATES = new Map<string, ChatPromptTemplate>();

/** system, [client instructions], history, new message, [post-history instructions]. */
function promptTemplate(withInstructions: boolean, withPost: boolean): ChatPromptTemplate {
  const key = `${withInstructions}|${withPost}`;
  let template = TEMPLATES.get(key);
  if (!template) {
    const system = (variable: string): [string, string][] => [['system', `{${variable}}`]];
    template = ChatPromptTemplate.fromMessages([
      ...system('system'),
      ...(withInstructions ? system('instructions') : []),
      new MessagesPlaceholder('history'),
      ['human', '{input}'],
      ...(withPost ? system('post') : []),
    ]);
    TEMPLATES.set(key, template);
  }
  return template;
}

interface RankedMemory {
  snippet: MemorySnippet;
  canonical: boolean;
}

/** Pure but for lorebook keys that overrun their time budget; async only because LangChain's formatMessages is. */
export async function buildPrompt(input: PromptInput): Promise<BuiltPrompt> {
  const { persona } = input;
  const macros: MacroValues = { char: persona.name, user: input.userName };
  const lore = selectLorebookEntries(
    persona,
    { history: input.history, newMessage: input.newMessage },
    macros,
  );
  const characterBlock = renderCharacterBlock(persona, macros);
  const post = renderPostHistoryInstructions(persona, macros);

  const renderSystem = (memories: readonly RankedMemory[]): string =>
    renderSystemMessage({
      name: persona.name,
      characterBlock,
      canonicalMemories: memories.filter((m) => m.canonical).map((m) => m.snippet.content),
      userFacts: memories.filter((m) => !m.canonical).map((m) => m.snippet.content),
      lore: lore.map((entry) => entry.content),
      summary: input.summary,
    });
  const instructions = input.instructions?.trim() ? input.instructions : undefined;
  const fixedTokens = (system: string): number =>
    messageTokens({ role: 'system', content: system }) +
    (instructions === undefined ? 0 : messageTokens({ role: 'system', content: instructions })) +
    messageTokens({ role: 'user', content: input.newMessage }) +
    (post === null ? 0 : messageTokens({ role: 'system', content: post }));

  // Memories are kept whole; only if they alone overflow are the lowest-ranked dropped, user facts before
  // canonical memory, because the persona's own canon defines who is answering.
  const allowance = promptAllowance(input.tokenBudget, input.maxResponseTokens);
  const memories = rankMemories(input.canonicalMemories, input.userMemories);
  let system = renderSystem(memories);
  while (memories.length > 0 && fixedTokens(system) > allowance) {
    memories.pop();
    system = renderSystem(memories);
  }

  const history = fitRecentHistory(input.history, Math.max(0, allowance - fixedTokens(system)));
  const formatted = await promptTemplate(instructions !== undefined, post !== null).formatMessages({
    system,
    instructions,
    history: toLangChainMessages(history.kept),
    input: input.newMessage,
    post,
  });
  const messages = fromLangChainMessages(formatted);

  return {
    messages,
    memoryIds: memories.map((m) => m.snippet.id),
    lorebookEntries: lore.map((entry) => entry.index),
    droppedTurns: history.dropped,
    promptTokens: countPromptTokens(messages),
  };
}

/** Canonical first, each list in its retrieval rank; empty snippets would render nothing, so they never count. */
function rankMemories(canonical: readonly MemorySnippet[], user: readonly MemorySnippet[]): RankedMemory[] {
  return [
    ...canonical.map((snippet) => ({ snippet, canonical: true })),
    ...user.map((snippet) => ({ snippet, canonical: false })),
  ].filter((memory) => toSingleLine(memory.snippet.content) !== '');
}
