import { DomainError, ErrorCode, ForbiddenError, ValidationError } from '@app/common';

/** Deliberately one message for every reason: a client learns nothing about the issuer's checks from it. */
export class TokenInvalidError extends DomainError {
  constructor() {
    super(ErrorCode.TOKEN_INVALID, 'The Privacy Pass token is not valid for this server.');
  }
}

export class TokenSpentError extends DomainError {
  constructor() {
    super(ErrorCode.TOKEN_SPENT, 'This Privacy Pass token was already redeemed; each token is good once.');
  }
}

/** RFC 9578 §6.2: a wrong type, key id or size gets a 400. */
export class TokenRequestInvalidError extends ValidationError {
  constructor(index: number, reason: string) {
    super(`tokenRequests[${index}]: ${reason}`, { index });
  }
}

export class AnonymousTokensForbiddenError extends ForbiddenError {
  constructor() {
    super('Anonymous private-chat sessions cannot obtain Privacy Pass tokens; use your own account.');
  }
}
