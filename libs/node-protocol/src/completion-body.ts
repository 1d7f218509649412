import type { ChatMessage } from '@app/inference/chat-message';
import type { ModelRequest, ResponseFormat } from '@app/inference/model-provider';
import type { Continuation, NodeInferenceRequest, ReceiptContext } from '@app/network/inference-node';
import { getAddress, isAddress, isHexString, ZeroAddress } from 'ethers';
import { ProtocolError } from './protocol.types';

/** POST /v1/chat/completions on a node: OpenAI's request plus the receipt fields the api fixed. */
export interface NodeCompletionBody {
  model: string;
  messages: ChatMessage[];
  stream: true;
  max_tokens?: number;
  stop?: string[];
  temperature?: number;
  top_p?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  seed?: number;
  response_format?: ResponseFormat;
  /** A takeover adds `continuation`: continue `prefix` (streaming only what follows) and sign over it (receipt v3). */
  twinproof: ReceiptContext & { continuation?: Continuation };
}

const ROLES = new Set(['system', 'user', 'assistant']);
const MAX_ID_CHARS = 200;
const MAX_STOP_SEQUENCES = 4;
/** A takeover's delivered prefix, in UTF-8 bytes: far beyond any reply's first part, well inside the body limit. */
export const MAX_CONTINUATION_BYTES = 64 * 1024;

export function toCompletionBody(request: NodeInferenceRequest): NodeCompletionBody {
  const { model, receipt, continuation } = request;
  return {
    model: model.modelId,
    messages: model.messages.map(({ role, content }) => ({ role, content })),
    stream: true,
    max_tokens: model.maxTokens,
    stop: model.stop && model.stop.length > 0 ? [...model.stop] : undefined,
    temperature: model.temperature,
    top_p: model.topP,
    frequency_penalty: model.frequencyPenalty,
    presence_penalty: model.presencePenalty,
    seed: model.seed,
    response_format: model.responseFormat,
    twinproof: {
      inferenceId: receipt.inferenceId,
      conversationId: receipt.conversationId,
      previousDigest: receipt.previousDigest,
      personaVersionHash: receipt.personaVersionHash,
      ...(continuation
        ? { continuation: { prefix: continuation.prefix, prefixNode: continuation.prefixNode } }
        : {}),
    },
  };
}

function fail(message: string): never {
  throw new ProtocolError(message);
}

function id(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_CHARS)
    fail(`${name} must be a non-empty string of up to ${MAX_ID_CHARS} characters.`);
  return value;
}

function bytes32(value: unknown, name: string): string {
  if (!isHexString(value, 32)) fail(`${name} must be 32 bytes of 0x-hex.`);
  return value;
}

function optionalNumber(value: unknown, name: string, integer = false): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isSafeInteger(value)))
    fail(`${name} must be a${integer ? 'n integer' : ' number'}.`);
  return value;
}

function messagesOf(value: unknown): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) fail('messages must be a non-empty list.');
  return value.map((message: unknown) => {
    const { role, content } = (message ?? {}) as Record<string, unknown>;
    if (typeof role !== 'string' || !ROLES.has(role) || typeof content !== 'string')
      fail('Each message must be { role: system | user | assistant, content: string }.');
    return { role: role as ChatMessage['role'], content };
  });
}

function stopOf(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (
    !Array.isArray(value) ||
    value.length > MAX_STOP_SEQUENCES ||
    !value.every((item) => typeof item === 'string' && item.length > 0)
  )
    fail(`stop must be a list of at most ${MAX_STOP_SEQUENCES} non-empty strings.`);
  return value.length === 0 ? undefined : (value as string[]);
}

function responseFormatOf(value: unknown): ResponseFormat | undefined {
  if (value === undefined || value === null) return undefined;
  const type = (value as { type?: unknown }).type;
  if (type === 'json_object') return { type };
  const schema = (value as { json_schema?: { name?: unknown; schema?: unknown } }).json_schema;
  if (type === 'json_schema' && typeof schema?.name === 'string' && typeof schema.schema === 'object')
    return value as ResponseFormat;
  fail('response_format must be json_object or json_schema.');
}

/** A takeover: a non-empty prefix (an empty one is a plain retry) and the non-zero address of the node that sent it. */
function continuationOf(value: unknown): Continuation | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    fail('twinproof.continuation must be { prefix, prefixNode }.');
  const { prefix, prefixNode } = value as Record<string, unknown>;
  if (
    typeof prefix !== 'string' ||
    prefix.length === 0 ||
    Buffer.byteLength(prefix, 'utf8') > MAX_CONTINUATION_BYTES
  )
    fail(
      `twinproof.continuation.prefix must be a non-empty string of up to ${MAX_CONTINUATION_BYTES} UTF-8 bytes.`,
    );
  if (typeof prefixNode !== 'string' || !isAddress(prefixNode) || getAddress(prefixNode) === ZeroAddress)
    fail('twinproof.continuation.prefixNode must be a non-zero address.');
  return { prefix, prefixNode: getAddress(prefixNode) };
}

/** The node's reading of a request body; throws ProtocolError naming the first field that is wrong. */
export function parseCompletionBody(body: unknown): NodeInferenceRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    fail('The body must be a JSON object.');
  const fields = body as Record<string, unknown>;
  if (fields.stream !== true) fail('A node only streams: stream must be true.');
  const maxTokens = optionalNumber(fields.max_tokens, 'max_tokens', true);
  if (maxTokens !== undefined && maxTokens < 1) fail('max_tokens must be positive.');
  const model: ModelRequest = {
    modelId: id(fields.model, 'model'),
    messages: messagesOf(fields.messages),
    maxTokens,
    stop: stopOf(fields.stop),
    temperature: optionalNumber(fields.temperature, 'temperature'),
    topP: optionalNumber(fields.top_p, 'top_p'),
    frequencyPenalty: optionalNumber(fields.frequency_penalty, 'frequency_penalty'),
    presencePenalty: optionalNumber(fields.presence_penalty, 'presence_penalty'),
    seed: optionalNumber(fields.seed, 'seed', true),
    responseFormat: responseFormatOf(fields.response_format),
  };
  const context = (fields.twinproof ?? {}) as Record<string, unknown>;
  const continuation = continuationOf(context.continuation);
  return {
    // The provider continues the prefix; the receipt signs over it (apps/node's NodeInference).
    model: continuation ? { ...model, continuation: continuation.prefix } : model,
    ...(continuation ? { continuation } : {}),
    receipt: {
      inferenceId: id(context.inferenceId, 'twinproof.inferenceId'),
      conversationId: id(context.conversationId, 'twinproof.conversationId'),
      previousDigest: bytes32(context.previousDigest, 'twinproof.previousDigest'),
      personaVersionHash: bytes32(context.personaVersionHash, 'twinproof.personaVersionHash'),
    },
  };
}
