// Every error a client can act on is a DomainError with a code from ErrorCode. The global filter maps the
// code to an HTTP status (or a socket ack) and renders the error shape of docs/api.md: { error: { code, message, details? } }.

export enum ErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  MALFORMED_JSON = 'MALFORMED_JSON',
  INVALID_CARD = 'INVALID_CARD',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  SLUG_TAKEN = 'SLUG_TAKEN',
  HANDLE_TAKEN = 'HANDLE_TAKEN',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  RATE_LIMITED = 'RATE_LIMITED',
  CONVERSATION_BUSY = 'CONVERSATION_BUSY',
  MODEL_FAILED = 'MODEL_FAILED',
  CANCELLED = 'CANCELLED',
  SIGNUP_DISABLED = 'SIGNUP_DISABLED',
  CHAIN_UNAVAILABLE = 'CHAIN_UNAVAILABLE',
  SERVER_STOPPING = 'SERVER_STOPPING',
  /** The persona was made private or deleted: its conversations stay readable but take no new messages. */
  PERSONA_UNAVAILABLE = 'PERSONA_UNAVAILABLE',
  /** Fewer independent operators serve the persona's model than its minOperators: no reply was started. */
  NOT_ENOUGH_OPERATORS = 'NOT_ENOUGH_OPERATORS',
  /** A Privacy Pass token that is malformed, for another issuer, key or challenge, or not validly signed. */
  TOKEN_INVALID = 'TOKEN_INVALID',
  /** A Privacy Pass token that was already redeemed. */
  TOKEN_SPENT = 'TOKEN_SPENT',
  /** An uploaded model artifact's bytes do not match the SHA-256 or length its signed manifest declares. */
  ARTIFACT_HASH_MISMATCH = 'ARTIFACT_HASH_MISMATCH',
  /** A model name confusably close (case, spacing, homoglyphs) to another publisher's model. */
  NAME_IMPERSONATION = 'NAME_IMPERSONATION',
  /** The hub does not hold this model's bytes (nodes that pin it may): see its artifact locations. */
  ARTIFACT_NOT_HELD = 'ARTIFACT_NOT_HELD',
  /** A dependency (Redis) is down: retry later. */
  UNAVAILABLE = 'UNAVAILABLE',
  INTERNAL = 'INTERNAL',
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, details?: unknown) {
    super(ErrorCode.VALIDATION_FAILED, message, details);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string) {
    super(ErrorCode.NOT_FOUND, `${what} ${id} was not found`);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super(ErrorCode.FORBIDDEN, message);
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message: string) {
    super(ErrorCode.UNAUTHENTICATED, message);
  }
}

/** A dependency (Redis) cannot serve now: nothing was done, and the same request may be sent again. */
export class UnavailableError extends DomainError {
  constructor(message = 'Briefly unavailable; nothing was done, send again in a moment.') {
    super(ErrorCode.UNAVAILABLE, message);
  }
}

const ERROR_CODES = new Set<string>(Object.values(ErrorCode));

/** For codes that arrive as strings (a reply's error event): whether the table of statuses knows them. */
export function isErrorCode(code: string): code is ErrorCode {
  return ERROR_CODES.has(code);
}
