import { json, RequestHandler } from 'express';
import { DomainError, ErrorCode, ValidationError } from './domain-error';
import { MAX_JSON_DEPTH } from './json-depth';

interface BodyParserError {
  type?: string;
  limit?: number;
  message?: string;
  /** http-errors' status: body-parser gives every failure to read the body (a corrupt gzip stream, say) 400. */
  status?: number;
  /** The Content-Encoding it refused, on `encoding.unsupported`. */
  encoding?: string;
}

const SUPPORTED_ENCODINGS = 'identity, gzip, deflate or br';

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * express.json, but its failures become domain errors before Nest turns them into a bare 400: a client should
 * learn that its JSON is malformed (and where), that its body is over the limit, or that it nests too deeply.
 * Depth is checked on the raw text, in one pass before parsing, so no later walk over the body can overflow.
 */
export function jsonBody(limitBytes: number, maxDepth: number = MAX_JSON_DEPTH): RequestHandler {
  const parse = json({ limit: limitBytes, verify: (_req, _res, raw) => checkDepth(raw, maxDepth) });
  return (req, res, next) => {
    parse(req, res, (error?: unknown) =>
      next(error === undefined ? undefined : toDomainError(error, limitBytes)),
    );
  };
}

/** Throws when brackets outside strings nest deeper than `maxDepth`; malformed JSON is left to the parser. */
export function checkDepth(raw: Uint8Array, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i += 1) {
    const byte = raw[i];
    if (inString) {
      if (byte === BACKSLASH) i += 1;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      depth += 1;
      if (depth > maxDepth) {
        throw new ValidationError(`The request body nests deeper than ${maxDepth} levels.`, {
          maxDepth,
        });
      }
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) depth -= 1;
  }
}

function toDomainError(error: unknown, limitBytes: number): unknown {
  // What verify throws comes back as itself, with body-parser's fields added.
  if (error instanceof DomainError) return error;
  const parserError = error as BodyParserError;
  switch (parserError.type) {
    case 'entity.too.large':
      return new DomainError(
        ErrorCode.PAYLOAD_TOO_LARGE,
        `The request body is larger than the limit of ${limitBytes} bytes.`,
      );
    case 'entity.parse.failed':
      return new DomainError(
        ErrorCode.MALFORMED_JSON,
        `The request body is not valid JSON: ${parserError.message ?? 'parse error'}.`,
      );
    case 'encoding.unsupported':
      return new DomainError(
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        `Content-Encoding '${parserError.encoding ?? 'unknown'}' is not supported: send ${SUPPORTED_ENCODINGS}.`,
      );
    case 'charset.unsupported':
      return new DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Send JSON encoded as UTF-8.');
    default:
      return unreadableBody(parserError) ?? error;
  }
}

/**
 * A body that could not be read as sent, most often compressed data that does not decompress (zlib's error
 * carries no body-parser type): the client's fault, so a 400 that says so rather than a 500.
 */
function unreadableBody(parserError: BodyParserError): DomainError | undefined {
  const status = parserError.status;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  return new DomainError(
    ErrorCode.MALFORMED_JSON,
    `The request body could not be read as sent (check its Content-Encoding): ${parserError.message ?? 'read error'}.`,
  );
}
