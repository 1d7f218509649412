import { ChatMessage } from './chat-message';

export interface ModelRequest {
  modelId: string;
  messages: ChatMessage[];
  /** In estimateTokens units, so the cap means the same on every model and matches the receipt's count. */
  maxTokens?: number;
  /** The reply ends before the first of these; none of it is delivered. */
  stop?: readonly string[];
  /** Sampling parameters: an upstream gets them; the embedded model is deterministic and has nothing to sample. */
  temperature?: number;
  topP?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  seed?: number;
  /** JSON output, for a provider whose `structuredOutput` is true. */
  responseFormat?: ResponseFormat;
  /**
   * Takeover (docs/network.md): the start of the assistant's reply, already delivered by a node that died. The
   * provider continues it and streams only what follows; `maxTokens` then counts the whole reply, prefix included.
   */
  continuation?: string;
}

/** OpenAI's response_format beyond plain text: JSON, optionally to a schema. */
export type ResponseFormat =
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; schema: Record<string, unknown>; description?: string; strict?: boolean };
    };

/** OpenAI's finish_reason: `length` when a token cap cut the reply, `stop` when it ended on its own or at a stop. */
export type FinishReason = 'stop' | 'length';

/** Text pieces; concatenated they are the reply. `finishReason` is known once iteration has ended. */
export interface ModelStream extends AsyncIterable<string> {
  readonly finishReason: FinishReason;
}

// Every backend (embedded, OpenAI-compatible) streams text pieces and enforces the request's limits itself.
export interface ModelProvider {
  readonly id: string;
  /** Whether it can be asked for JSON output (response_format); callers check before they start a reply. */
  readonly structuredOutput: boolean;
  stream(request: ModelRequest, signal: AbortSignal): ModelStream;
}

export interface ModelUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

// A provider failure the caller can act on: retryable ones (network, 5xx, 429) may be tried again.
export class ModelError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

const CHARS_PER_TOKEN = 4;

// Estimate, not a real tokenizer: ceil(characters / 4), OpenAI's rule of thumb for English text. It is cheap,
// deterministic and the same for every provider, so quotas and receipts never depend on which model ran.
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** The longest text whose estimateTokens is at most maxTokens. */
export function maxCompletionChars(maxTokens: number): number {
  return maxTokens * CHARS_PER_TOKEN;
}

export function estimateUsage(messages: readonly ChatMessage[], completion: string): ModelUsage {
  const promptTokens = messages.reduce((sum, message) => sum + estimateTokens(message.content), 0);
  const completionTokens = estimateTokens(completion);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

// Streams end with the platform's usual AbortError (like fetch), whatever reason the caller aborted with.
export function abortError(): DOMException {
  return new DOMException('The model stream was aborted', 'AbortError');
}

// By name, not instanceof: DOMException comes from Node's own realm, which need not be the caller's (jest's vm).
export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'name' in error && error.name === 'AbortError';
}
