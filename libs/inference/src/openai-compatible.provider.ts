import { ChatOpenAI } from '@langchain/openai';
import { currentLogContext } from '@app/common/log-context';
import { toLangChainMessages } from './langchain-messages';
import { streamChunkText } from './langchain-stream';
import { AIMessage } from '@langchain/core/messages';
import { maxCompletionChars, ModelError, ModelProvider, ModelRequest, ModelStream } from './model-provider';

export interface OpenAiCompatibleConfig {
  /** The persona modelId that selects this provider, e.g. `llama3-local`. */
  id: string;
  /** e.g. http://localhost:8000/v1 (vLLM), http://localhost:11434/v1 (Ollama). */
  baseURL: string;
  /** Local servers accept any key, but the client insists on one. */
  apiKey?: string;
  /** The model name the upstream server knows. */
  model: string;
  timeoutMs?: number;
  /** Client-side retries; 0 by default, so retry policy stays with the caller, guided by ModelError.retryable. */
  maxRetries?: number;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const MAX_CACHED_MODELS = 32;

function field(error: unknown, key: string): unknown {
  return typeof error === 'object' && error !== null && key in error
    ? (error as Record<string, unknown>)[key]
    : undefined;
}

export function toModelError(error: unknown, providerId: string): ModelError {
  const status = field(error, 'status');
  const message = `Model provider ${providerId} failed: ${String(field(error, 'message') ?? error)}`;
  if (typeof status === 'number') {
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    return new ModelError(message, retryable, status, { cause: error });
  }
  return new ModelError(message, isNetworkFailure(error), undefined, { cause: error });
}

// No HTTP status and a connection failure somewhere in the cause chain (the openai client's APIConnectionError
// keeps name 'Error', so its class name counts too): the request never got an answer, worth retrying.
function isNetworkFailure(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth += 1) {
    const names = `${String(field(current, 'name'))} ${String(field(field(current, 'constructor'), 'name'))}`;
    if (/Connection|Timeout/.test(names) || NETWORK_CODES.has(String(field(current, 'code')))) return true;
    current = field(current, 'cause');
  }
  return false;
}

// The upstream's logs can then be matched with ours: the message's id, or the request's (LangChain drops per-call
// headers when streaming, so they are added here, where the call's async context is still current).
function correlatedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const context = currentLogContext();
  const correlationId = context?.messageId ?? context?.requestId;
  if (!correlationId) return fetch(input, init);
  const headers = new Headers(init?.headers);
  headers.set('X-Request-Id', correlationId);
  return fetch(input, { ...init, headers });
}

// Any server that speaks the OpenAI chat-completions API, through LangChain's ChatOpenAI.
export class OpenAiCompatibleProvider implements ModelProvider {
  readonly id: string;
  /** Passed upstream; a server that cannot do it refuses the request, and the reply fails with its message. */
  readonly structuredOutput = true;
  // ChatOpenAI takes maxTokens and the sampling parameters at construction only, so one client per distinct set.
  private readonly models = new Map<string, ChatOpenAI>();

  constructor(private readonly config: OpenAiCompatibleConfig) {
    this.id = config.id;
  }

  // The limits go upstream, and are enforced again here: an upstream that ignores them cannot exceed them.
  stream(request: ModelRequest, signal: AbortSignal): ModelStream {
    const { continuation } = request;
    const maxTokens = remainingTokens(request);
    // An upstream refuses max_tokens 0; the limiter below then delivers nothing of what it sends.
    const upstreamMax = maxTokens === undefined ? undefined : Math.max(1, maxTokens);
    const model = this.modelFor({ ...request, maxTokens: upstreamMax }, continuation !== undefined);
    const stop = request.stop && request.stop.length > 0 ? [...request.stop] : undefined;
    const { seed, responseFormat } = request;
    const messages = toLangChainMessages(request.messages);
    // Takeover (docs/network.md): the delivered start of the reply goes last, as the assistant's, to be continued.
    if (continuation !== undefined) messages.push(new AIMessage(continuation));
    return streamChunkText(
      (upstream) =>
        model.stream(messages, {
          signal: upstream,
          stop,
          seed,
          response_format: responseFormat,
        }),
      signal,
      (error) => toModelError(error, this.id),
      { maxTokens, stop: request.stop },
    );
  }

  private modelFor(request: ModelRequest, continuing: boolean): ChatOpenAI {
    const { maxTokens, temperature, topP, frequencyPenalty, presencePenalty } = request;
    const key = [maxTokens, temperature, topP, frequencyPenalty, presencePenalty, continuing].join('|');
    let model = this.models.get(key);
    if (!model) {
      if (this.models.size >= MAX_CACHED_MODELS) this.models.clear();
      model = new ChatOpenAI({
        model: this.config.model,
        apiKey: this.config.apiKey ?? 'not-needed',
        configuration: { baseURL: this.config.baseURL, fetch: correlatedFetch },
        maxTokens,
        temperature,
        topP,
        frequencyPenalty,
        presencePenalty,
        timeout: this.config.timeoutMs,
        maxRetries: this.config.maxRetries ?? 0,
        // vLLM's chat template extension: continue the trailing assistant message instead of starting a new turn.
        // Best effort: llama.cpp's server and Ollama continue a trailing assistant message on their own and ignore
        // these; a server that does neither starts a fresh reply after the prefix (docs/network.md).
        modelKwargs: continuing ? { continue_final_message: true, add_generation_prompt: false } : undefined,
      });
      this.models.set(key, model);
    }
    return model;
  }
}

/**
 * A continuation's cap counts the whole reply, prefix included (ModelRequest.continuation): what is left for the
 * rest, rounded down so that prefix and rest together never exceed maxTokens' characters.
 */
function remainingTokens({ maxTokens, continuation }: ModelRequest): number | undefined {
  if (maxTokens === undefined || continuation === undefined) return maxTokens;
  return Math.max(
    0,
    Math.floor((maxCompletionChars(maxTokens) - continuation.length) / maxCompletionChars(1)),
  );
}
