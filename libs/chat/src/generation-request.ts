import type { ChatMessage, ModelRequest } from '@app/inference';

export type Sampling = Pick<
  ModelRequest,
  'temperature' | 'topP' | 'frequencyPenalty' | 'presencePenalty' | 'seed'
>;

/** What a client may ask of one reply beyond its message (the OpenAI-compatible endpoint's parameters). */
export interface GenerationRequest {
  /**
   * Earlier turns the client holds, oldest first, used instead of the stored ones: stateless OpenAI clients send
   * the whole conversation every time. They enter the prompt (and the inference's recorded input) like stored ones.
   */
  history?: ChatMessage[];
  /** The client's own system message, placed right after the persona's. */
  instructions?: string;
  /** A cap on the reply, in estimateTokens units; the server's own cap still applies. */
  maxTokens?: number;
  /** The reply ends before the first of these. */
  stop?: string[];
  sampling?: Sampling;
}
