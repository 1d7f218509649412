import type { TargetKind } from './args';
import type { TurnTimeline } from './metrics';
import type { LoadUser, ReadyConversation } from './setup';

export interface TurnRequest {
  conversation: ReadyConversation;
  user: LoadUser;
  content: string;
  /** Filled in as the turn's events arrive; error set when it fails. */
  timeline: TurnTimeline;
  timeoutMs: number;
}

/** One way of talking to the platform (socket.io /chat, or the OpenAI-compatible endpoint). */
export interface ChatTarget {
  readonly kind: TargetKind;
  /** Sends one turn and resolves when it is over; never rejects: failures go into timeline.error. */
  turn(request: TurnRequest): Promise<void>;
  /** Conversation-level preparation right before its first turn (e.g. joining its room for proofs). */
  startConversation?(conversation: ReadyConversation): void;
  /** Signs of a platform that breaks its contract (token seq gaps, ids that do not match), by kind. */
  anomalies(): Record<string, number>;
  close(): Promise<void>;
}

/**
 * Errors after which the conversation's state is unknown (a reply may still be streaming on the server): the
 * simulated user walks away rather than collide with it (CONVERSATION_BUSY) on the next turn. Refusals such as
 * RATE_LIMITED leave nothing running, so the conversation carries on with its next turn.
 */
export const ABANDONING_ERRORS: ReadonlySet<string> = new Set([
  'TIMEOUT',
  'DISCONNECTED',
  'NETWORK',
  'STREAM_ENDED',
]);
