import type { TargetKind } from './args';
import type { TurnTimeline } from './metrics';
import type { LoadUser, ReadyConversation } from './setup';

export interface TurnRequest {
  conversation: ReadyConversation;
  user: LoadUser;
  content: string;
  timeline: TurnTimeline;
  timeoutMs: number;
}

export interface ChatTarget {
  readonly kind: TargetKind;
  /** Sends one turn and resolves when it is over; never rejects: failures go into timeline.error. */
  turn(request: TurnRequest): Promise<void>;
  startConversation?(conversation: ReadyConversation): void;
  /** Signs of a platform that breaks its contract (token seq gaps, ids that do not match), by kind. */
  anomalies(): Record<string, number>;
  close(): Promise<void>;
}

/** Errors after which a reply may still stream on the server: the simulated user walks away rather than collide. */
export const ABANDONING_ERRORS: ReadonlySet<string> = new Set([
  'TIMEOUT',
  'DISCONNECTED',
  'NETWORK',
  'STREAM_ENDED',
]);
