import type { InferenceStatus } from '@app/database';

// The /chat namespace's server→client events, as docs/asyncapi.yaml lists them. One typed map for every sender.
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
  /** As over HTTP, e.g. `retryAfterSeconds` for RATE_LIMITED. */
  details?: unknown;
}

export interface MessageErrorEvent {
  conversationId: string;
  messageId: string;
  error: ErrorEventBody;
}

/**
 * `message:node-changed` (docs/realtime.md): the node streaming the reply failed mid-reply and another continues it.
 * Sent before the new node's first token; `seq` is that token's.
 */
export interface NodeChangedEvent {
  conversationId: string;
  messageId: string;
  seq: number;
  reason: 'node_failed';
}

/** `proof:update` (docs/realtime.md): each step of a reply's verification, as it happens. */
export interface ProofUpdateEvent {
  inferenceId: string;
  messageId: string;
  conversationId: string;
  status: InferenceStatus;
  signer?: string;
  batch?: { root: string; leafIndex: number; chainId: number; txHash: string; blockNumber: number };
  zk?: {
    status: 'verified' | 'failed';
    provingMs: number | null;
    inferenceMs: number | null;
    error?: string;
  };
  error?: string;
}

export interface ServerToClientEvents {
  'message:token': (event: TokenEvent) => void;
  'message:done': (event: DoneEvent) => void;
  'message:error': (event: MessageErrorEvent) => void;
  'message:node-changed': (event: NodeChangedEvent) => void;
  /** Sent by the worker through the Redis adapter (RealtimePublisher), never by the api itself. */
  'proof:update': (event: ProofUpdateEvent) => void;
}

export type Ack<T> = ({ ok: true } & T) | { ok: false; error: ErrorEventBody };
