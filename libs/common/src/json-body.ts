import { json, RequestHandler } from 'express';
import { DomainError, ErrorCode } from './domain-error';

interface BodyParserError {
  type?: string;
  limit?: number;
  message?: string;
}

/**
 * express.json, but its failures become domain errors before Nest turns them into a bare 400: a client should
 * learn that its JSON is malformed (and where), or that its body is over the limit.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  const parse = json({ limit: limitBytes });
  return (req, res, next) => {
    parse(req, res, (error?: unknown) =>
      next(error === undefined ? undefined : toDomainError(error, limitBytes)),
    );
  };
}

function toDomainError(error: unknown, limitBytes: number): unknown {
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
    case 'charset.unsupported':
      return new DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Send JSON encoded as UTF-8.');
    default:
      return error;
  }
}
