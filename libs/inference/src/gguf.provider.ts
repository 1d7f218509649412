import type {
  ChatHistoryItem,
  LlamaChat,
  LLamaChatGenerateResponseOptions,
  LlamaContextSequence,
} from 'node-llama-cpp';
import type { ChatMessage } from './chat-message';
import { linkedAbort } from '@app/common';
import { GgufRuntime, loadGgufRuntime } from './gguf/gguf-runtime';
import { SequenceSlots } from './gguf/sequence-slots';
import type { TextChunk } from './langchain-stream';
import { streamChunkText } from './langchain-stream';
import {
  FinishReason,
  isAbortError,
  maxCompletionChars,
  ModelError,
  ModelProvider,
  ModelRequest,
  ModelStream,
} from './model-provider';

export interface GgufModelConfig {
  /** The model id personas name. */
  id: string;
  /** The .gguf file. */
  path: string;
  /** Replies generated at once, one context sequence each (default 2); more wait, up to 4 per sequence. */
  parallel?: number;
  /** CPU threads per evaluation (default: llama.cpp's, the machine's cores). */
  threads?: number;
  /** Upper bound on the context in the model's tokens (default 4096, less if the model was trained on less). */
  contextSize?: number;
  /** Cap on a reply, in estimateTokens units, when a request gives none (default 512). */
  maxTokens?: number;
}

export const GGUF_DEFAULT_PARALLEL = 2;
const WAITING_PER_SEQUENCE = 4;
const DEFAULT_CONTEXT_SIZE = 4096;
const DEFAULT_MAX_TOKENS = 512;

/**
 * A local GGUF model file run on this machine's CPU by llama.cpp (node-llama-cpp's prebuilt binaries, an optional
 * dependency). Loaded on the first request, not at start. Each reply runs on a fresh context sequence, so the same
 * request with temperature 0 (the default here) gives the same text on every run of the same build and CPU: spot
 * checks can compare them. The prompt is the model's own chat template (from the file; a generic one if it has none).
 */
export class GgufModelProvider implements ModelProvider {
  readonly id: string;
  /** JSON output would need a grammar; not offered yet. */
  readonly structuredOutput = false;
  private readonly slots: SequenceSlots;
  private runtime: Promise<GgufRuntime> | undefined;

  constructor(private readonly config: GgufModelConfig) {
    this.id = config.id;
    const parallel = config.parallel ?? GGUF_DEFAULT_PARALLEL;
    this.slots = new SequenceSlots(parallel, parallel * WAITING_PER_SEQUENCE);
  }

  stream(request: ModelRequest, signal: AbortSignal): ModelStream {
    const maxTokens = remainingTokens(
      request.maxTokens ?? this.config.maxTokens ?? DEFAULT_MAX_TOKENS,
      request,
    );
    return streamChunkText(
      (model) => Promise.resolve(this.generate(request, maxTokens, model)),
      signal,
      (error) => (error instanceof ModelError ? error : toModelError(error, this.id)),
      { maxTokens, stop: request.stop },
    );
  }

  /** Loads the model now (it otherwise loads on the first request); rejects as a request would. */
  async load(): Promise<void> {
    await this.loaded();
  }

  /** Frees the model and its context (llama.cpp itself stays loaded); a later request loads the model again. */
  async close(): Promise<void> {
    const runtime = this.runtime;
    this.runtime = undefined;
    if (!runtime) return;
    const loaded = await runtime.catch(() => undefined);
    await loaded?.model.dispose();
  }

  private loaded(): Promise<GgufRuntime> {
    this.runtime ??= loadGgufRuntime({
      path: this.config.path,
      sequences: this.slots.size,
      threads: this.config.threads,
      contextSize: this.config.contextSize ?? DEFAULT_CONTEXT_SIZE,
    }).catch((error: unknown) => {
      // A failed load is not kept: the next request tries again (the file may have been fixed meanwhile).
      this.runtime = undefined;
      throw new ModelError(`Model ${this.id} could not be loaded: ${String(error)}`, false, undefined, {
        cause: error,
      });
    });
    return this.runtime;
  }

  // The text pieces of one reply. Ending the iteration early (the caller's limits, or an abort) stops the model,
  // and the sequence is given back only once llama.cpp has let go of it.
  private async *generate(
    request: ModelRequest,
    maxTokens: number,
    signal: AbortSignal,
  ): AsyncGenerator<TextChunk> {
    const { lib, context } = await this.loaded();
    const release = await this.slots.acquire(signal);
    const { controller: stop, release: unlink } = linkedAbort(signal);
    const pieces = new PieceQueue();
    let done: Promise<void> | undefined;
    let sequence: LlamaContextSequence | undefined;
    let chat: LlamaChat | undefined;
    try {
      sequence = context.getSequence();
      chat = new lib.LlamaChat({ contextSequence: sequence, autoDisposeSequence: false });
      done = chat
        .generateResponse(chatHistory(request.messages, request.continuation), {
          ...sampling(request),
          signal: stop.signal,
          // A token is one character or more, except byte pieces: up to 4 for an emoji's 2 UTF-16 units.
          maxTokens: Math.max(1, 2 * maxCompletionChars(maxTokens)),
          onTextChunk: (text) => pieces.push(text),
        })
        .then(
          ({ metadata }) => pieces.end(metadata.stopReason === 'maxTokens' ? 'length' : 'stop'),
          (error: unknown) => pieces.fail(error),
        );
      yield* pieces.drain();
    } finally {
      unlink();
      stop.abort();
      await done;
      chat?.dispose();
      try {
        await sequence?.dispose();
      } finally {
        release();
      }
    }
  }
}

/** The request's sampling: greedy unless it asks otherwise, and its stop sequences as llama.cpp stop triggers. */
function sampling(request: ModelRequest): LLamaChatGenerateResponseOptions {
  const stops = (request.stop ?? []).filter((text) => text !== '');
  const { frequencyPenalty, presencePenalty } = request;
  return {
    temperature: request.temperature ?? 0,
    topP: request.topP,
    seed: request.seed,
    repeatPenalty:
      frequencyPenalty !== undefined || presencePenalty !== undefined
        ? { frequencyPenalty, presencePenalty }
        : undefined,
    customStopTriggers: stops.length > 0 ? stops : undefined,
  };
}

/** messages, then the reply so far: empty, or a takeover's delivered prefix for the model to continue. */
function chatHistory(messages: readonly ChatMessage[], continuation: string | undefined): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((message): ChatHistoryItem => {
    if (message.role === 'system') return { type: 'system', text: message.content };
    if (message.role === 'user') return { type: 'user', text: message.content };
    return { type: 'model', response: [message.content] };
  });
  history.push({ type: 'model', response: continuation ? [continuation] : [] });
  return history;
}

/**
 * A continuation's cap counts the whole reply, prefix included (ModelRequest.continuation): what is left for the
 * rest, rounded down so that prefix and rest together never exceed maxTokens' characters (as the OpenAI provider).
 */
function remainingTokens(maxTokens: number, { continuation }: ModelRequest): number {
  if (continuation === undefined) return maxTokens;
  return Math.max(
    0,
    Math.floor((maxCompletionChars(maxTokens) - continuation.length) / maxCompletionChars(1)),
  );
}

function toModelError(error: unknown, providerId: string): ModelError {
  if (isAbortError(error))
    return new ModelError(`Model ${providerId} stopped`, false, undefined, { cause: error });
  return new ModelError(`Model ${providerId} failed: ${String(error)}`, false, undefined, { cause: error });
}

/** llama.cpp's text callbacks as an async iterable: pieces in order, then the finish reason, or the failure. */
class PieceQueue {
  private readonly pieces: string[] = [];
  private finished: { reason: FinishReason } | { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  push(text: string): void {
    this.pieces.push(text);
    this.wake?.();
  }

  end(reason: FinishReason): void {
    this.finished = { reason };
    this.wake?.();
  }

  fail(error: unknown): void {
    this.finished = { error };
    this.wake?.();
  }

  async *drain(): AsyncGenerator<TextChunk> {
    for (;;) {
      const text = this.pieces.shift();
      if (text !== undefined) {
        yield { text };
        continue;
      }
      const finished = this.finished;
      if (finished && 'error' in finished) throw finished.error;
      if (finished) {
        // The finish reason rides on an empty chunk, as LangChain's last chunk carries it (streamChunkText).
        yield { text: '', response_metadata: { finish_reason: finished.reason } };
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
