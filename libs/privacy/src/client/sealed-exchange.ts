import {
  bucketSize,
  encapsulateChunkedRequest,
  encapsulateRequest,
  encodeRequest,
  MEDIA,
  OhttpError,
} from '@app/privacy/ohttp';
import { PrivateChatError } from './private-chat.errors';
import type { PrivateRoute } from './route';

export type FetchLike = typeof fetch;

/** Binary HTTP of the inner request, padded to its size bucket so its length tells the relay little. */
export async function encodeInner(request: Request): Promise<Uint8Array> {
  const plain = await encodeRequest(request.clone());
  return encodeRequest(request, { padTo: bucketSize(plain.length) });
}

/** RFC 9458: one sealed request, one sealed response, read whole. Returns the decapsulated inner response. */
export async function exchangeSealed(
  fetcher: FetchLike,
  route: PrivateRoute,
  request: Request,
): Promise<Uint8Array> {
  const { encapsulated, response: opener } = await encapsulateRequest(
    route.gateway.keyConfig,
    await encodeInner(request),
  );
  const outer = await post(fetcher, route, MEDIA.request, encapsulated);
  await expectOuter(outer, MEDIA.response, route);
  const sealed = new Uint8Array(await outer.arrayBuffer());
  try {
    return await opener.open(sealed);
  } catch (error) {
    throw sealingError(error, route);
  }
}

/**
 * draft-ietf-ohai-chunked-ohttp: the request is sealed as one final chunk (it is known whole), the response is
 * opened chunk by chunk as the relay streams it, so a streamed reply shows while it is being written.
 */
export async function exchangeChunked(
  fetcher: FetchLike,
  route: PrivateRoute,
  request: Request,
): Promise<AsyncIterable<Uint8Array>> {
  const sealer = await encapsulateChunkedRequest(route.gateway.keyConfig);
  const chunk = await sealer.seal(await encodeInner(request), true);
  const body = new Uint8Array(sealer.header.length + chunk.length);
  body.set(sealer.header);
  body.set(chunk, sealer.header.length);
  const outer = await post(fetcher, route, MEDIA.chunkedRequest, body);
  await expectOuter(outer, MEDIA.chunkedResponse, route);
  if (!outer.body)
    throw new PrivateChatError('RESPONSE_INVALID', 'The relay answered with no body.', 'relay');
  const opened = sealer.response.open(readBody(outer.body));
  return guardOpened(opened, route);
}

async function* guardOpened(
  chunks: AsyncIterable<Uint8Array>,
  route: PrivateRoute,
): AsyncIterable<Uint8Array> {
  try {
    for await (const chunk of chunks) yield chunk;
  } catch (error) {
    throw sealingError(error, route);
  }
}

async function post(
  fetcher: FetchLike,
  route: PrivateRoute,
  type: string,
  body: Uint8Array,
): Promise<Response> {
  try {
    return await fetcher(route.endpoint, { method: 'POST', headers: { 'content-type': type }, body });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new PrivateChatError(
      'RELAY_ERROR',
      `Could not reach the relay at ${route.relayUrl} (${cause?.code ?? cause?.message ?? String(error)}).`,
      'relay',
    );
  }
}

/**
 * Who answered an outer error: the gateway says so with application/problem+json (decapsulation failed), the relay
 * with application/json (rate limit, size, unknown node). Neither can read or forge the inner response.
 */
async function expectOuter(outer: Response, expected: string, route: PrivateRoute): Promise<void> {
  const type = (outer.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (outer.ok && type === expected) return;
  const text = await outer.text().catch(() => '');
  const detail = parseErrorBody(text);
  const message =
    (typeof detail?.error?.message === 'string' && detail.error.message) ||
    (typeof detail?.title === 'string' && detail.title) ||
    (outer.ok ? `an unexpected content type ${type || '(none)'}` : 'no details');
  const upstream = typeof detail?.error?.code === 'string' ? ` ${detail.error.code}` : '';
  if (type === 'application/problem+json')
    throw new PrivateChatError(
      'GATEWAY_ERROR',
      `The gateway of node ${route.gateway.nodeId} answered ${outer.status}${upstream}: ${message}`,
      'gateway',
      outer.status,
    );
  throw new PrivateChatError(
    'RELAY_ERROR',
    `The relay ${route.relayUrl} answered ${outer.status}${upstream}: ${message}`,
    'relay',
    outer.status,
  );
}

/** An AEAD failure or a missing final chunk: someone between here and the gateway changed or cut the response. */
function sealingError(error: unknown, route: PrivateRoute): PrivateChatError {
  if (error instanceof PrivateChatError) return error;
  const code = error instanceof OhttpError ? error.code : 'UNKNOWN';
  const what =
    code === 'TRUNCATED'
      ? 'was cut before its final chunk'
      : code === 'DECRYPT_FAILED'
        ? 'does not open with the key sealed to (changed on the way)'
        : `could not be opened (${error instanceof Error ? error.message : String(error)})`;
  return new PrivateChatError(
    'RESPONSE_INVALID',
    `The sealed response through ${route.relayUrl} ${what}: nothing of it is shown.`,
    'relay',
  );
}

async function* readBody(body: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Stopping early (an error event, a caller's break) must not leave the relay's connection open.
    await reader.cancel().catch(() => undefined);
  }
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown };
  title?: unknown;
}

function parseErrorBody(text: string): ErrorBody | null {
  try {
    const body: unknown = JSON.parse(text);
    return typeof body === 'object' && body !== null ? body : null;
  } catch {
    return null;
  }
}
