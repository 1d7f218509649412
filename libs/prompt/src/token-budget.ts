import type { ChatMessage } from '@app/inference/chat-message';
import { estimateTokens } from '@app/inference/model-provider';

// The one estimate that quotas and receipts use too (ceil(UTF-16 code units / 4)); it under-counts CJK text, so
// budgets keep some headroom.
export { estimateTokens };

/** Role markers and separators a chat template adds around each message. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

export function messageTokens(message: ChatMessage): number {
  return estimateTokens(message.content) + MESSAGE_OVERHEAD_TOKENS;
}

export function countPromptTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((sum, message) => sum + messageTokens(message), 0);
}

export function promptAllowance(tokenBudget: number, maxResponseTokens: number): number {
  return Math.max(0, tokenBudget - maxResponseTokens);
}

export interface FittedHistory {
  kept: ChatMessage[];
  dropped: number;
}

/** Stops at the first turn that does not fit, so the model never sees a conversation with a hole in it. */
export function fitRecentHistory(history: readonly ChatMessage[], allowance: number): FittedHistory {
  let used = 0;
  let start = history.length;
  while (start > 0) {
    const cost = messageTokens(history[start - 1]);
    if (used + cost > allowance) break;
    used += cost;
    start -= 1;
  }
  return { kept: history.slice(start), dropped: start };
}
