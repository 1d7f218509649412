import type { GenerationRequest } from './generation-request';
import type { ReplyListener } from './reply-listener';

/** A new conversation starts only once the message has passed every check: a refusal leaves none behind. */
export type SendTarget = { conversationId: string } | { startWithPersona: string };

export type SendInput = SendTarget & {
  content: string;
  clientMessageId: string;
  listener?: ReplyListener;
  generation?: GenerationRequest;
};

export interface SendOptions {
  /** Runs once the caller is known to be a participant, before the reply starts: sockets join the room here. */
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
