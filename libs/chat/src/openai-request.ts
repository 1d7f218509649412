import { ValidationError } from '@app/common';
import type { ResponseFormat } from '@app/inference';
import type { GenerationRequest, Sampling } from './generation-request';
import { parseMessages } from './openai-messages';
import { rejectUnsupported } from './openai-unsupported';

/** OpenAI allows at most four stop sequences. */
export const MAX_STOP_SEQUENCES = 4;
const MAX_STOP_CHARS = 256;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CompletionRequest {
  model: string;
  content: string;
  generation: Required<Pick<GenerationRequest, 'history'>> & GenerationRequest;
  stream: boolean;
  user?: string;
}

/**
 * Sampling parameters go to an upstream model (the embedded one is deterministic); a parameter that would change
 * what the reply is and that no model here can honour (n, tools, logprobs, ...) is refused by name.
 */
export function parseCompletionRequest(body: unknown): CompletionRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ValidationError('The body must be a chat.completions request object.');
  const fields = body as Record<string, unknown>;
  rejectUnsupported(fields);
  const { model, messages, stream, user } = fields;
  if (typeof model !== 'string' || !model)
    throw new ValidationError('model must be a persona slug (see GET /v1/models).', { param: 'model' });
  const conversation = parseMessages(messages);
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean')
    throw new ValidationError('stream must be a boolean.', { param: 'stream' });
  if (user !== undefined && user !== null && typeof user !== 'string')
    throw new ValidationError('user must be a string.', { param: 'user' });
  return {
    model,
    content: conversation.content,
    generation: {
      history: conversation.history,
      instructions: conversation.instructions,
      maxTokens: maxTokensOf(fields),
      stop: stopOf(fields.stop),
      sampling: samplingOf(fields),
      responseFormat: responseFormatOf(fields.response_format),
    },
    stream: stream ?? false,
    user: user ?? undefined,
  };
}

// max_completion_tokens replaced max_tokens in OpenAI's API; clients send either, and both caps hold.
function maxTokensOf(fields: Record<string, unknown>): number | undefined {
  const caps = (['max_tokens', 'max_completion_tokens'] as const)
    .filter((param) => fields[param] !== undefined && fields[param] !== null)
    .map((param) => {
      const value = fields[param];
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
        throw new ValidationError(`${param} must be a positive integer.`, { param });
      return value;
    });
  return caps.length === 0 ? undefined : Math.min(...caps);
}

function stopOf(stop: unknown): string[] | undefined {
  if (stop === undefined || stop === null) return undefined;
  const list = typeof stop === 'string' ? [stop] : stop;
  if (
    !Array.isArray(list) ||
    list.length > MAX_STOP_SEQUENCES ||
    !list.every((item) => typeof item === 'string' && item.length > 0 && item.length <= MAX_STOP_CHARS)
  )
    throw new ValidationError(
      `stop must be a string or a list of at most ${MAX_STOP_SEQUENCES} non-empty strings of up to ${MAX_STOP_CHARS} characters.`,
      { param: 'stop' },
    );
  return list.length === 0 ? undefined : (list as string[]);
}

const SAMPLING: readonly { param: string; key: keyof Sampling; min: number; max: number; integer?: true }[] =
  [
    { param: 'temperature', key: 'temperature', min: 0, max: 2 },
    { param: 'top_p', key: 'topP', min: 0, max: 1 },
    { param: 'frequency_penalty', key: 'frequencyPenalty', min: -2, max: 2 },
    { param: 'presence_penalty', key: 'presencePenalty', min: -2, max: 2 },
    { param: 'seed', key: 'seed', min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, integer: true },
  ];

function samplingOf(fields: Record<string, unknown>): Sampling {
  const sampling: Sampling = {};
  for (const { param, key, min, max, integer } of SAMPLING) {
    const value = fields[param];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
      throw new ValidationError(`${param} must be a number from ${min} to ${max}.`, { param });
    if (integer && !Number.isSafeInteger(value))
      throw new ValidationError(`${param} must be an integer.`, { param });
    sampling[key] = value;
  }
  return sampling;
}

/** Plain text (the default) is no request at all; JSON goes to models that can give it (see assertModelCanServe). */
function responseFormatOf(value: unknown): ResponseFormat | undefined {
  if (value === undefined || value === null) return undefined;
  const format = value as { type?: unknown; json_schema?: unknown };
  if (typeof value === 'object' && format.type === 'text') return undefined;
  if (typeof value === 'object' && format.type === 'json_object') return { type: 'json_object' };
  const schema = format.json_schema as { name?: unknown; schema?: unknown } | null | undefined;
  if (
    typeof value === 'object' &&
    format.type === 'json_schema' &&
    typeof schema === 'object' &&
    schema !== null &&
    typeof schema.name === 'string' &&
    typeof schema.schema === 'object' &&
    schema.schema !== null
  )
    return value as ResponseFormat;
  throw new ValidationError(
    'response_format must be { "type": "text" }, { "type": "json_object" } or { "type": "json_schema", "json_schema": { "name", "schema" } }.',
    { param: 'response_format' },
  );
}

/** X-Conversation-Id, or a UUID in `user`, continues a conversation; an empty header is no header. */
export function continuedConversation(
  header: string | undefined,
  user: string | undefined,
): string | undefined {
  if (header !== undefined && header.trim() !== '') {
    if (!UUID.test(header.trim()))
      throw new ValidationError('X-Conversation-Id must be a conversation id (a UUID).', {
        param: 'X-Conversation-Id',
      });
    return header.trim();
  }
  return user && UUID.test(user) ? user : undefined;
}
