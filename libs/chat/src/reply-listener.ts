import type { FinishReason } from '@app/inference';
import type { DoneEvent, MessageErrorEvent, TokenEvent } from '@app/realtime';

/** Receives a reply's events too, for transports other than socket.io rooms (the OpenAI-compatible endpoint). */
export interface ReplyListener {
  token(event: TokenEvent): void;
  /** `finish` is OpenAI's finish_reason: `length` when a token cap cut the reply. */
  done(event: DoneEvent, finish: FinishReason): void;
  error(event: MessageErrorEvent): void;
}
