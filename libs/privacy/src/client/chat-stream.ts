import { formatAuthorization } from '@app/privacy/tokens/token';
import { readStreamedResponse } from './inner-response';
import { PrivateChatError } from './private-chat.errors';
import type { PrivateRoute } from './route';
import { exchangeChunked, type FetchLike } from './sealed-exchange';
import { parseChatData, SseParser } from './sse';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export type ChatEvent =
  | { type: 'delta'; text: string }
  | {
      type: 'done';
      inferenceId: string;
      conversationId: string;
      /** Everything streamed, in order: what the receipt's outputHash must match. */
      content: string;
      /** The throwaway key of this private session: it reads this reply's proof, nothing else. */
      sessionKey: string;
    };

export interface ChatRequest {
  route: PrivateRoute;
  token: Uint8Array;
  persona: string;
  messages: ChatMessage[];
}

export const SESSION_KEY_HEADER = 'x-private-session-key';

/** The inner request: an ordinary OpenAI-compatible completion, authorized by a Privacy Pass token, not an account. */
export function chatRequest(apiUrl: string, request: Omit<ChatRequest, 'route'>): Request {
  return new Request(`${apiUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      authorization: formatAuthorization(request.token),
      'content-type': 'application/json',
      accept: 'text/event-stream',
    },
    body: JSON.stringify({ model: request.persona, stream: true, messages: request.messages }),
  });
}

/**
 * One private turn: sealed with chunked OHTTP, streamed back through the relay and opened chunk by chunk, so each
 * delta is yielded as the gateway sends it. Ends with 'done', or throws: an api error (its own code), a cut stream.
 */
export async function* streamChat(
  fetcher: FetchLike,
  apiUrl: string,
  request: ChatRequest,
): AsyncGenerator<ChatEvent> {
  const chunks = await exchangeChunked(fetcher, request.route, chatRequest(apiUrl, request));
  const response = await readStreamedResponse(chunks);
  if (response.status < 200 || response.status > 299) throw await apiError(response.status, response.body);
  const sessionKey = response.headers.get(SESSION_KEY_HEADER);
  if (!sessionKey)
    throw new PrivateChatError(
      'RESPONSE_INVALID',
      'The api answered without a private session key, so the reply could not be verified.',
      'api',
    );
  const parser = new SseParser();
  let content = '';
  let final: { inferenceId: string; conversationId: string } | null = null;
  let ended = false;
  // Read to the sealed stream's final chunk even after [DONE]: only then is the response known to be whole.
  for await (const piece of response.body) {
    if (ended) continue;
    for (const data of parser.push(piece)) {
      const event = parseChatData(data);
      if (event.type === 'error')
        throw new PrivateChatError(event.code, `The reply failed: ${event.message}`, 'api');
      if (event.type === 'end') {
        ended = true;
        break;
      }
      if (event.type === 'final')
        final = { inferenceId: event.inferenceId, conversationId: event.conversationId };
      if (event.text) {
        content += event.text;
        yield { type: 'delta', text: event.text };
      }
    }
  }
  parser.end();
  yield* finish(final, content, sessionKey);
}

function* finish(
  final: { inferenceId: string; conversationId: string } | null,
  content: string,
  sessionKey: string,
): Generator<ChatEvent> {
  if (!final)
    throw new PrivateChatError(
      'STREAM_INCOMPLETE',
      'The reply ended without its final chunk (no inference id): it cannot be verified.',
      'api',
    );
  yield { type: 'done', ...final, content, sessionKey };
}

/** The api's `{ error: { code, message } }`, carried as it is: the caller reacts to TOKEN_SPENT as on the direct api. */
export async function apiError(status: number, body: AsyncIterable<Uint8Array>): Promise<PrivateChatError> {
  const pieces: Uint8Array[] = [];
  for await (const piece of body) pieces.push(piece);
  return apiErrorFrom(status, Buffer.concat(pieces).toString('utf8'));
}

export function apiErrorFrom(status: number, text: string): PrivateChatError {
  let error: { code?: unknown; message?: unknown } | undefined;
  try {
    error = (JSON.parse(text) as { error?: typeof error }).error;
  } catch {
    error = undefined;
  }
  return new PrivateChatError(
    typeof error?.code === 'string' ? error.code : `HTTP_${status}`,
    `The api answered ${status}: ${typeof error?.message === 'string' ? error.message : 'no details'}`,
    'api',
    status,
  );
}
