import type { ProofUpdateEvent } from '@app/proofs';
// The /chat namespace's events, as API.md lists them. One typed map, used by the gateway and the emitter.
export interface TokenEvent {
  conversationId: string;
  messageId: string;
  seq: number;
  delta: string;
}

export interface DoneEvent {
  conversationId: string;
  messageId: string;
  content: string;
  inferenceId: string;
  usage: { promptTokens: number; completionTokens: number };
  timings: { ttftMs: number | null; totalMs: number };
}

export interface ErrorEventBody {
  code: string;
  message: string;
}

export interface MessageErrorEvent {
  conversationId: string;
  messageId: string;
  error: ErrorEventBody;
}

export interface ServerToClientEvents {
  'message:token': (event: TokenEvent) => void;
  'message:done': (event: DoneEvent) => void;
  'message:error': (event: MessageErrorEvent) => void;
  /** Sent by the worker through the Redis adapter (libs/proofs ProofEvents), never by the api itself. */
  'proof:update': (event: ProofUpdateEvent) => void;
}

export type Ack<T> = ({ ok: true } & T) | { ok: false; error: ErrorEventBody };

export const rooms = {
  conversation: (id: string): string => `conversation:${id}`,
  user: (id: string): string => `user:${id}`,
};
