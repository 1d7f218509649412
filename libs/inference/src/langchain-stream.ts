import { abortError } from './model-provider';

// Turns a LangChain chunk stream into text pieces. Whatever a backend throws once the caller aborted, the
// caller sees one AbortError; other failures go through the provider's own mapping.
export async function* streamChunkText(
  start: () => Promise<AsyncIterable<{ text: string }>>,
  signal: AbortSignal,
  mapError: (error: unknown) => Error,
): AsyncGenerator<string> {
  if (signal.aborted) throw abortError();
  try {
    for await (const chunk of await start()) {
      if (chunk.text !== '') yield chunk.text;
    }
  } catch (error) {
    if (signal.aborted) throw abortError();
    throw mapError(error);
  }
  if (signal.aborted) throw abortError();
}
