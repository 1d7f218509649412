import type { ChatMessage } from '@app/inference';

// What prompt assembly reads of a persona version. Declared here, not imported: @app/personas depends on this
// library for its key checks. A PersonaContent has all of it.

export interface PromptLorebookEntry {
  keys: readonly string[];
  secondaryKeys: readonly string[];
  content: string;
  enabled: boolean;
  insertionOrder: number;
  caseSensitive: boolean;
  constant: boolean;
  selective: boolean;
  priority: number;
  useRegex: boolean;
}

export interface PromptCard {
  name: string;
  description: string;
  personality: string;
  scenario: string;
  exampleDialogues: string;
  systemPrompt: string;
  postHistoryInstructions: string;
  lorebook: readonly PromptLorebookEntry[];
  lorebookSettings: { scanDepth: number | null; tokenBudget: number | null };
}

/** One retrieved memory, already ranked by the retrieval step (best first). */
export interface MemorySnippet {
  id: string;
  content: string;
}

export interface PromptInput {
  persona: PromptCard;
  userName: string;
  canonicalMemories: MemorySnippet[];
  userMemories: MemorySnippet[];
  summary: string | null;
  /** Oldest first, without the new turn. */
  history: ChatMessage[];
  /** The client's own system message (OpenAI clients send one), placed right after the persona's. */
  instructions?: string;
  newMessage: string;
  /** The model's context window: prompt and response together. */
  tokenBudget: number;
  maxResponseTokens: number;
}

export interface BuiltPrompt {
  /** Exactly what is sent to the model (and what the receipt's inputHash covers). */
  messages: ChatMessage[];
  /** Ids of the memories that made it into the prompt, canonical first, in rank order. */
  memoryIds: string[];
  /** Indexes into persona.lorebook of the entries included, in insertion order. */
  lorebookEntries: number[];
  droppedTurns: number;
  promptTokens: number;
}
