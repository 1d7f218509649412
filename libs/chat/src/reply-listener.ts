import type { FinishReason } from '@app/inference';
import type { DoneEvent, MessageErrorEvent, NodeChangedEvent, TokenEvent } from '@app/realtime';

/** Receives a reply's events too, for transports other than socket.io rooms (the OpenAI-compatible endpoint). */
export interface ReplyListener {
  token(event: TokenEvent): void;
  /** `finish` is OpenAI's finish_reason: `length` when a token cap cut the reply. */
  done(event: DoneEvent, finish: FinishReason): void;
  error(event: MessageErrorEvent): void;
  /**
   * Another node took the reply over mid-stream (docs/network.md); the tokens simply continue. Optional: the
   * OpenAI-compatible endpoint has no such event, and its client sees one uninterrupted completion.
   */
  nodeChanged?(event: NodeChangedEvent): void;
}
