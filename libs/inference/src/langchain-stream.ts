import { linkedAbort } from '@app/common';
import { CompletionLimiter, CompletionLimits } from './completion-limiter';
import { abortError, FinishReason, ModelStream } from './model-provider';

export interface TextChunk {
  text: string;
  /** LangChain puts the backend's finish_reason here on the chunk that carries it. */
  response_metadata?: Record<string, unknown>;
}

/**
 * Turns a LangChain chunk stream into text pieces within the request's limits. Whatever a backend throws once the
 * caller aborted, the caller sees one AbortError; other failures go through the provider's own mapping. When the
 * limits end the reply early, the backend is told to stop through the signal `start` receives.
 */
export function streamChunkText(
  start: (signal: AbortSignal) => Promise<AsyncIterable<TextChunk>>,
  signal: AbortSignal,
  mapError: (error: unknown) => Error,
  limits: CompletionLimits = {},
): ModelStream {
  const stream = { finishReason: 'stop' as FinishReason, [Symbol.asyncIterator]: () => generate() };
  async function* generate(): AsyncGenerator<string> {
    if (signal.aborted) throw abortError();
    const limiter = new CompletionLimiter(limits);
    const { controller: enough, release } = linkedAbort(signal);
    let backendReason: FinishReason | undefined;
    try {
      for await (const chunk of await start(enough.signal)) {
        backendReason = finishReasonOf(chunk) ?? backendReason;
        if (chunk.text === '') continue;
        const piece = limiter.push(chunk.text);
        if (piece !== '') yield piece;
        if (limiter.finished) break;
      }
    } catch (error) {
      if (signal.aborted) throw abortError();
      throw mapError(error);
    } finally {
      release();
      enough.abort();
    }
    if (signal.aborted) throw abortError();
    const rest = limiter.end();
    if (rest !== '') yield rest;
    stream.finishReason = limiter.reason ?? backendReason ?? 'stop';
  }
  return stream;
}

function finishReasonOf(chunk: TextChunk): FinishReason | undefined {
  const reason = chunk.response_metadata?.finish_reason;
  if (reason === 'length') return 'length';
  return typeof reason === 'string' ? 'stop' : undefined;
}
