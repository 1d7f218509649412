import type { GenerationRequest } from './generation-request';
import type { ReplyListener } from './reply-listener';

/**
 * Where a message goes: a conversation, or a new one with a persona (id or slug), started only once the message
 * has passed every check (a refused OpenAI request must not leave an empty conversation behind).
 */
export type SendTarget = { conversationId: string } | { startWithPersona: string };

export type SendInput = SendTarget & {
  content: string;
  clientMessageId: string;
  listener?: ReplyListener;
  generation?: GenerationRequest;
};

export interface SendOptions {
  /**
   * Runs once the caller is known to be a participant of a conversation that accepts messages, before the reply
   * starts: the socket transport joins the conversation's room here, never before.
   */
  authorized?: (conversationId: string) => Promise<void>;
}

export interface SendAccepted {
  conversationId: string;
  userMessageId: string;
  assistantMessageId: string;
  /** Known before the first token, so HTTP clients get it in a header. Null for a repeated send. */
  inferenceId: string | null;
  /** Resolves when the reply has finished, failed or been cancelled (the socket ack does not wait for it). */
  reply: Promise<void>;
}
