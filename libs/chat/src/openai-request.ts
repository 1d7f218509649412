import { ValidationError } from '@app/common';

export interface CompletionRequest {
  model: string;
  /** The last user message: the new turn. Earlier messages live in the conversation already. */
  content: string;
  stream: boolean;
  user?: string;
}

/**
 * Reads an OpenAI chat.completions request. Fields this platform does not use (temperature, top_p, ...) are
 * accepted and ignored, as OpenAI-compatible servers do, so existing clients work unchanged.
 */
export function parseCompletionRequest(body: unknown): CompletionRequest {
  if (typeof body !== 'object' || body === null)
    throw new ValidationError('The body must be a chat.completions request object.');
  const { model, messages, stream, user } = body as Record<string, unknown>;
  if (typeof model !== 'string' || !model)
    throw new ValidationError('model must be a persona slug (see GET /v1/models).');
  if (!Array.isArray(messages) || messages.length === 0)
    throw new ValidationError('messages must be a non-empty array.');
  const last = (messages as unknown[]).findLast((m) => (m as { role?: unknown } | null)?.role === 'user') as
    { content?: unknown } | undefined;
  if (!last) throw new ValidationError('messages must contain a user message: the last one is the new turn.');
  const content = textOf(last.content);
  if (stream !== undefined && typeof stream !== 'boolean')
    throw new ValidationError('stream must be a boolean.');
  if (user !== undefined && typeof user !== 'string') throw new ValidationError('user must be a string.');
  return { model, content, stream: stream ?? false, user };
}

// content may be a string or a list of parts; only text parts are supported here.
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => {
        const p = part as { type?: unknown; text?: unknown };
        if (p?.type !== 'text' || typeof p.text !== 'string')
          throw new ValidationError('Only text content parts are supported.');
        return p.text;
      })
      .join('');
  }
  throw new ValidationError('The last user message must have text content.');
}
