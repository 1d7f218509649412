import type { IncomingMessage, ServerResponse } from 'node:http';

// RFC 9458 §9 and draft-ietf-ohai-chunked-ohttp; spelled here rather than imported from @app/privacy/ohttp, so the
// relay loads no HPKE code: it never opens what it forwards.
export const OHTTP_REQUEST_TYPES: ReadonlySet<string> = new Set([
  'message/ohttp-req',
  'message/ohttp-chunked-req',
]);

// What a gateway may answer with: an encapsulated response, or its own error before decapsulating. Anything else
// (text/html, application/json) is refused without its body: a gateway URL that points at some other service must not
// turn the relay into a way to read that service's answers, nor serve a page from the relay's origin.
export const GATEWAY_RESPONSE_TYPES: ReadonlySet<string> = new Set([
  'message/ohttp-res',
  'message/ohttp-chunked-res',
  'application/problem+json',
]);

export type RelayErrorCode =
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'RATE_LIMITED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'GATEWAY_UNREACHABLE'
  | 'GATEWAY_TIMEOUT'
  | 'GATEWAY_INVALID_RESPONSE'
  | 'UNAVAILABLE'
  | 'INTERNAL';

/** `type/subtype`, lower case, without parameters; undefined when absent. */
export function mediaType(header: string | undefined): string | undefined {
  const essence = header?.split(';', 1)[0].trim().toLowerCase();
  return essence === '' ? undefined : essence;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * The error shape of docs/api.md. A request whose body was not read closes its connection: otherwise Node would read
 * and discard the rest of it, however long, to keep the connection alive.
 */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: RelayErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(
    res,
    status,
    { error: { code, message } },
    req.complete ? headers : { ...headers, connection: 'close' },
  );
}
