import { Injectable } from '@nestjs/common';
import type { AuthUser } from '@app/auth';
import { ConversationsRepository, type ConversationWithPersona } from '@app/conversations';
import type { Message } from '@app/database';
import type { ChatMessage } from '@app/inference';
import { MemoryRepository, RECENT_TURNS_KEPT } from '@app/memory';
import type { PersonaContent } from '@app/personas';
import { buildPrompt, type BuiltPrompt } from '@app/prompt';
import type { GenerationRequest } from './generation-request';

// The prompt keeps this many recent turns verbatim; the memory job folds older ones into the rolling summary.
const HISTORY_TURNS = RECENT_TURNS_KEPT;
const TOKEN_BUDGET = 4_096;
export const MAX_RESPONSE_TOKENS = 512;
const MEMORIES_PER_REPLY = 8;

export interface ReplyPromptInput {
  user: AuthUser;
  conversation: ConversationWithPersona;
  persona: PersonaContent;
  userMessage: Message;
  generation: GenerationRequest;
}

@Injectable()
export class ReplyPrompt {
  constructor(
    private readonly memories: MemoryRepository,
    private readonly conversations: ConversationsRepository,
  ) {}

  async build(input: ReplyPromptInput): Promise<{ prompt: BuiltPrompt; maxTokens: number }> {
    const { user, conversation, persona, userMessage, generation } = input;
    const [memories, history] = await Promise.all([
      this.memories.retrieveForReply({
        personaId: conversation.personaId,
        userId: user.id,
        query: userMessage.content,
        limit: MEMORIES_PER_REPLY,
      }),
      // A stateless OpenAI client sends its own history; the stored turns are not read then.
      generation.history
        ? Promise.resolve([])
        : this.conversations.recentHistory(conversation.id, userMessage.seq, HISTORY_TURNS),
    ]);
    const maxTokens = Math.min(generation.maxTokens ?? MAX_RESPONSE_TOKENS, MAX_RESPONSE_TOKENS);
    const prompt = await buildPrompt({
      persona,
      userName: user.handle,
      canonicalMemories: memories.canonical,
      userMemories: memories.user,
      summary: conversation.summary,
      history:
        generation.history ??
        history.reverse().map((m): ChatMessage => ({ role: m.role, content: m.content })),
      instructions: generation.instructions,
      newMessage: userMessage.content,
      tokenBudget: TOKEN_BUDGET,
      maxResponseTokens: maxTokens,
    });
    return { prompt, maxTokens };
  }
}
