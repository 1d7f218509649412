import { concat } from './bytes';
import {
  Cursor,
  encodeFieldLines,
  FieldLines,
  headerLines,
  lengthPrefixed,
  malformed,
  octets,
  toHeaders,
} from './bhttp-wire';
import { encodeVarint } from './varint';

export { BhttpResponseStreamDecoder, BhttpResponseStreamEncoder } from './bhttp-stream';
export type { BhttpResponseEvent } from './bhttp-stream';

/*
 * Binary HTTP (RFC 9292). Written here rather than on bhttp-js 0.2.1, whose encoder drops the query string
 * (it writes url.pathname), sizes fields by UTF-16 length instead of bytes, and whose decoder reads past the end
 * of short input and builds a Response that throws for 204/304. Its wire format is the same: the spec checks that
 * each side decodes the other's messages.
 */

const FRAMING = {
  knownRequest: 0,
  knownResponse: 1,
  indeterminateRequest: 2,
  indeterminateResponse: 3,
} as const;
const NULL_BODY_STATUSES = new Set([204, 205, 304]);
const EMPTY = new Uint8Array(0);

/** The padded size for a message of `length` bytes: 256, 512, 1 KiB, ... (a power of two, at least 256). */
export function bucketSize(length: number): number {
  let size = 256;
  while (size < length) size *= 2;
  return size;
}

/** Known-length request (framing indicator 0), padded with zeros to `padTo` bytes when shorter. */
export async function encodeRequest(request: Request, options: { padTo?: number } = {}): Promise<Uint8Array> {
  const url = new URL(request.url);
  const content = new Uint8Array(await request.arrayBuffer());
  const message = concat(
    encodeVarint(FRAMING.knownRequest),
    lengthPrefixed(octets(request.method)),
    lengthPrefixed(octets(url.protocol.slice(0, -1))),
    lengthPrefixed(octets(url.host)),
    lengthPrefixed(octets(url.pathname + url.search)),
    lengthPrefixed(encodeFieldLines(headerLines(request.headers))),
    lengthPrefixed(content),
    encodeVarint(0), // no trailers
  );
  return pad(message, options.padTo);
}

/** Known-length response (framing indicator 1). */
export async function encodeResponse(
  response: Response,
  options: { padTo?: number } = {},
): Promise<Uint8Array> {
  const content = new Uint8Array(await response.arrayBuffer());
  const message = concat(
    encodeVarint(FRAMING.knownResponse),
    encodeVarint(response.status),
    lengthPrefixed(encodeFieldLines(headerLines(response.headers))),
    lengthPrefixed(content),
    encodeVarint(0),
  );
  return pad(message, options.padTo);
}

/** Known- or indeterminate-length request; padding and truncation (RFC 9292 §3.8) accepted. Throws MALFORMED. */
export function decodeRequest(bytes: Uint8Array): Request {
  const c = new Cursor(bytes);
  const framing = c.varint();
  if (framing !== FRAMING.knownRequest && framing !== FRAMING.indeterminateRequest) {
    throw malformed(`not a request (framing indicator ${framing})`);
  }
  const known = framing === FRAMING.knownRequest;
  const method = c.string();
  const scheme = c.string();
  const authority = c.string();
  const path = c.string();
  const { headers, content } = readSections(c, known);
  if (scheme !== 'https' && scheme !== 'http') throw malformed('scheme must be http or https');
  if (!path.startsWith('/')) throw malformed('path must start with /');
  const host = authority || headers.get('host');
  if (!host) throw malformed('no authority');
  if ((method === 'GET' || method === 'HEAD') && content.length > 0)
    throw malformed(`${method} with content`);
  try {
    return new Request(`${scheme}://${host}${path}`, {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' ? undefined : content,
    });
  } catch {
    throw malformed('not a valid HTTP request');
  }
}

/** Known- or indeterminate-length response; informational responses and trailers are dropped. Throws MALFORMED. */
export function decodeResponse(bytes: Uint8Array): Response {
  const c = new Cursor(bytes);
  const framing = c.varint();
  if (framing !== FRAMING.knownResponse && framing !== FRAMING.indeterminateResponse) {
    throw malformed(`not a response (framing indicator ${framing})`);
  }
  const known = framing === FRAMING.knownResponse;
  let status = c.varint();
  while (status >= 100 && status < 200) {
    readFields(c, known);
    status = c.varint();
  }
  if (status < 200 || status > 599) throw malformed(`bad status ${status}`);
  const { headers, content } = readSections(c, known);
  if (NULL_BODY_STATUSES.has(status) && content.length > 0) throw malformed(`status ${status} with content`);
  return new Response(NULL_BODY_STATUSES.has(status) ? null : content, { status, headers });
}

function readFields(c: Cursor, known: boolean): FieldLines {
  return known ? c.knownFields() : c.indeterminateFields();
}

/**
 * Header section, content, then trailers (dropped). RFC 9292 §3.8 lets a message end before any of them, which
 * then read as empty (RFC 9458's example request ends after its path); zero padding may follow.
 */
function readSections(c: Cursor, known: boolean): { headers: Headers; content: Uint8Array } {
  const headers = toHeaders(c.done ? [] : readFields(c, known));
  return { headers, content: readContentAndTrailers(c, known) };
}

function readContentAndTrailers(c: Cursor, known: boolean): Uint8Array {
  if (c.done) return EMPTY;
  let content: Uint8Array;
  if (known) {
    content = c.bytes(c.varint()).slice();
  } else {
    const pieces: Uint8Array[] = [];
    for (let length = c.varint(); length !== 0; length = c.varint()) pieces.push(c.bytes(length));
    content = concat(...pieces);
  }
  if (!c.done) readFields(c, known);
  c.padding();
  return content;
}

function pad(message: Uint8Array, padTo = 0): Uint8Array {
  if (padTo <= message.length) return message;
  const out = new Uint8Array(padTo);
  out.set(message);
  return out;
}
