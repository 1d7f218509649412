import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  BhttpResponseStreamEncoder,
  bucketSize,
  decapsulateRequest,
  decodeRequest,
  encodeResponse,
  MEDIA,
  OhttpError,
  openChunkedRequest,
} from '../ohttp';
import type { GatewayKeyring } from './gateway-keyring';
import { FORWARDED_INNER_HEADERS, isPrivateRoute } from './private-routes';
import type { ReplayCheck } from './seen-requests';
import { LineCarry, padEventStreamPiece } from './sse-padding';

/** The header a relay names itself with (docs/privacy.md); passed to the api for the relay-operator figures. */
export const RELAY_HEADER = 'twinproof-relay';

/** An inner request as the gateway passes it to the api: only its method, path, allowed headers and body. */
export interface InnerRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
}

export type Forward = (
  request: InnerRequest,
  /** `origin`: the outer request, for where it arrived (never for who sent it: that is the relay). */
  context: { relayId?: string; signal: AbortSignal; origin: IncomingMessage },
) => Promise<Response>;

export interface GatewayOptions {
  keyring: GatewayKeyring;
  seen: ReplayCheck;
  forward: Forward;
  /** The largest encapsulated request accepted, in bytes. */
  maxBodyBytes: number;
}

/** Inner response headers a client needs; the api's others stay inside the gateway. */
const RETURNED_INNER_HEADERS = [
  'content-type',
  'retry-after',
  'x-private-session-key',
  'x-inference-id',
  'x-conversation-id',
];
// How long a client (the relay) may take to send the whole encapsulated request.
const READ_DEADLINE_MS = 10_000;
// The response head (status and headers) is padded to a multiple of this, so whether a session key came back (the
// token was accepted) does not show in its size.
const HEAD_BLOCK = 256;
// A non-streamed inner response larger than this is not sealed whole (a proof bundle is a few KiB).
const MAX_INNER_RESPONSE_BYTES = 4 * 1024 * 1024;

/** Answered outside the encapsulation, so seen by the relay: they say nothing the relay could not see itself. */
class OuterError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problemType?: string,
  ) {
    super(message);
  }
}

// One answer for every request the gateway could not open or would not serve once opened (tampered, truncated, a
// replay, undecodable Binary HTTP): the relay, which sees this answer, cannot tell which check failed.
const unreadable = (): OuterError =>
  new OuterError(
    400,
    'OHTTP_UNREADABLE',
    'The gateway could not decapsulate this request. Seal a new request to the current key configuration.',
  );

/**
 * The Oblivious HTTP gateway of one node (RFC 9458, and draft-ietf-ohai-chunked-ohttp for streamed replies). It opens
 * requests with keys that never leave this process, forwards the inner request to the api without anything that
 * identifies the client (the api sees this gateway's address), and seals the api's answer back.
 */
export class OhttpGateway {
  constructor(private readonly options: GatewayOptions) {}

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const abort = new AbortController();
    response.on('close', () => abort.abort());
    try {
      const type = mediaType(request.headers['content-type']);
      if (type === MEDIA.request) await this.single(request, response, abort.signal);
      else if (type === MEDIA.chunkedRequest) await this.chunked(request, response, abort.signal);
      else
        throw new OuterError(
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          `Send ${MEDIA.request} or ${MEDIA.chunkedRequest}, not ${type || 'no content type'}.`,
        );
    } catch (error) {
      if (response.headersSent) {
        // Mid-stream: the client sees the missing final chunk (a truncated reply), never a partial one as whole.
        response.destroy();
        return;
      }
      const outer = toOuterError(error);
      // Closed after the answer: the rest of an oversized or unread body is not read for nothing.
      response.writeHead(outer.status, { 'content-type': 'application/problem+json', connection: 'close' });
      response.end(
        JSON.stringify({
          ...(outer.problemType ? { type: outer.problemType } : {}),
          title: outer.message,
          error: { code: outer.code, message: outer.message },
        }),
      );
    }
  }

  private async single(
    request: IncomingMessage,
    response: ServerResponse,
    signal: AbortSignal,
  ): Promise<void> {
    const body = await this.readRequest(request);
    const keys = await this.options.keyring.keys();
    const opened = await decapsulateRequest(keys, body);
    await this.checkFresh(opened.keyId, opened.enc);
    const inner = await this.forward(opened.request, request, signal);
    const payload = await readResponseBounded(inner);
    const headers = returnedHeaders(inner.headers);
    const plain = new Response(payload as ConstructorParameters<typeof Response>[0], {
      status: inner.status,
      headers,
    });
    // Padded to the bucket of its own encoded length (headers included): the relay sees only the bucket.
    const unpadded = await encodeResponse(plain.clone());
    const encoded = await encodeResponse(plain, { padTo: bucketSize(unpadded.length) });
    const sealed = await opened.response.seal(encoded);
    response.writeHead(200, { 'content-type': MEDIA.response, 'content-length': sealed.length });
    response.end(sealed);
  }

  private async chunked(
    request: IncomingMessage,
    response: ServerResponse,
    signal: AbortSignal,
  ): Promise<void> {
    const keys = await this.options.keyring.keys();
    const body = await this.readRequest(request);
    const opened = await openChunkedRequest(keys, once(body));
    // The inner request is small (a chat request): it is read and opened whole before anything else, so only a
    // request that decrypts is remembered against replays (random bytes filled the replay cache otherwise).
    const parts: Uint8Array[] = [];
    for await (const chunk of opened.chunks) parts.push(chunk);
    await this.checkFresh(opened.keyId, opened.enc);
    const inner = await this.forward(Buffer.concat(parts), request, signal);
    const sealer = opened.response;
    const encoder = new BhttpResponseStreamEncoder();
    const streamed = (inner.headers.get('content-type') ?? '').startsWith('text/event-stream');
    response.writeHead(200, { 'content-type': MEDIA.chunkedResponse });
    response.flushHeaders();
    response.write(sealer.header);
    response.write(
      await sealer.seal(paddedHead(encoder, inner.status, returnedHeaders(inner.headers)), false),
    );
    if (!streamed) {
      // Not an event stream (a JSON answer, an error): sealed whole in the final chunk, padded to its bucket, so its
      // size does not tell the relay what it was.
      const content = await readResponseBounded(inner);
      const wire = content.length > 0 ? encoder.content(content) : new Uint8Array();
      const padding = bucketSize(wire.length + 2) - (wire.length + 2);
      response.end(await sealer.seal(Buffer.concat([wire, encoder.end(padding)]), true));
      return;
    }
    const lines = new LineCarry();
    const send = async (content: Uint8Array): Promise<void> => {
      // An empty non-final chunk is not allowed (the draft): nothing to send is sent as nothing.
      if (content.length > 0) response.write(await sealer.seal(encoder.content(content), false));
    };
    if (inner.body) {
      for await (const piece of inner.body as unknown as AsyncIterable<Uint8Array>) {
        if (signal.aborted) return;
        // An event stream goes out in whole lines, each piece padded: a piece cut mid-line would show its size.
        await send(padEventStreamPiece(lines.take(piece)));
      }
    }
    await send(lines.rest());
    response.end(await sealer.seal(encoder.end(), true));
  }

  /** The whole encapsulated request, within the size limit and the read deadline (a 1 byte/s drip is cut). */
  private async readRequest(request: IncomingMessage): Promise<Uint8Array> {
    const deadline = setTimeout(() => request.destroy(new Error('slow request')), READ_DEADLINE_MS);
    try {
      return await readBounded(request, this.options.maxBodyBytes);
    } finally {
      clearTimeout(deadline);
    }
  }

  private async checkFresh(keyId: number, enc: Uint8Array): Promise<void> {
    const { seen, keyring } = this.options;
    if (!(await seen.firstTime(keyId, enc))) throw unreadable();
    // Rotating is cheaper than forgetting: a full cache would otherwise have to let a replay through.
    if (seen.afterRequest?.(keyId, (id) => keyring.accepts(id)).rotate) void keyring.rotate();
  }

  /** Decodes the inner request, refuses what is not a private route (inside the encapsulation), forwards the rest. */
  private async forward(bytes: Uint8Array, origin: IncomingMessage, signal: AbortSignal): Promise<Response> {
    let decoded: Request;
    try {
      decoded = decodeRequest(bytes);
    } catch {
      throw unreadable();
    }
    const url = new URL(decoded.url);
    if (!isPrivateRoute(decoded.method, url.pathname))
      return jsonResponse(404, 'NOT_FOUND', 'The gateway forwards chat and proof requests only.');
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_INNER_HEADERS) {
      const value = decoded.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    const body = decoded.method === 'GET' ? undefined : new Uint8Array(await decoded.arrayBuffer());
    try {
      return await this.options.forward(
        { method: decoded.method, path: url.pathname + url.search, headers, body },
        { relayId: relayOf(origin), signal, origin },
      );
    } catch {
      return jsonResponse(502, 'UPSTREAM_UNREACHABLE', 'The gateway could not reach the api; try again.');
    }
  }
}

function toOuterError(error: unknown): OuterError {
  if (error instanceof OuterError) return error;
  if (error instanceof OhttpError) {
    if (error.code === 'UNKNOWN_KEY' || error.code === 'UNSUPPORTED_SUITE')
      // RFC 9458 §5.3: the client's key configuration is out of date (the key id is in clear text anyway).
      return new OuterError(
        400,
        'OHTTP_KEY_UNKNOWN',
        'This gateway does not hold that key; fetch its key configuration again.',
        'https://iana.org/assignments/http-problem-types#ohttp-key',
      );
    return unreadable();
  }
  // Anything else (a replay cache that cannot be reached, a bug) refuses the request: never served unchecked, and
  // one answer that says nothing about the request.
  return new OuterError(503, 'UNAVAILABLE', 'The gateway cannot serve this request now; try again shortly.');
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

function relayOf(request: IncomingMessage): string | undefined {
  const value = request.headers[RELAY_HEADER];
  return typeof value === 'string' && /^[0-9a-f-]{36}$/i.test(value) ? value.toLowerCase() : undefined;
}

function returnedHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of RETURNED_INNER_HEADERS) {
    const value = headers.get(name);
    if (value !== null) kept[name] = value;
  }
  return kept;
}

function jsonResponse(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

async function* bounded(stream: AsyncIterable<Uint8Array>, max: number): AsyncIterable<Uint8Array> {
  let total = 0;
  for await (const piece of stream) {
    total += piece.length;
    if (total > max) throw tooLarge(max);
    yield piece;
  }
}

async function readBounded(stream: AsyncIterable<Uint8Array>, max: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const piece of bounded(stream, max)) parts.push(piece);
  return Buffer.concat(parts);
}

async function readResponseBounded(response: Response): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array();
  return readBounded(response.body, MAX_INNER_RESPONSE_BYTES);
}

function tooLarge(max: number): OuterError {
  return new OuterError(413, 'PAYLOAD_TOO_LARGE', `An encapsulated request may hold at most ${max} bytes.`);
}

/** The response head, with a padding header that brings it to a multiple of HEAD_BLOCK bytes. */
function paddedHead(
  encoder: BhttpResponseStreamEncoder,
  status: number,
  headers: Record<string, string>,
): Uint8Array {
  const bare = encoder.head(status, new Headers(headers)).length;
  // A field line costs its name, two length prefixes and the value; the prefixes grow with the value, so adjust.
  let fill = Math.max(0, Math.ceil((bare + 16) / HEAD_BLOCK) * HEAD_BLOCK - bare - 16);
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const head = encoder.head(status, new Headers({ ...headers, 'x-padding': '0'.repeat(fill) }));
    const missing = (HEAD_BLOCK - (head.length % HEAD_BLOCK)) % HEAD_BLOCK;
    if (missing === 0) return head;
    fill += missing;
  }
  return encoder.head(status, new Headers({ ...headers, 'x-padding': '0'.repeat(fill) }));
}

function once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]: () => {
      let done = false;
      return {
        next: () => {
          const result = done
            ? { done: true as const, value: undefined }
            : { done: false as const, value: bytes };
          done = true;
          return Promise.resolve(result);
        },
      };
    },
  };
}
