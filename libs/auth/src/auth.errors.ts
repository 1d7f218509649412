import { DomainError, ErrorCode, UnauthenticatedError } from '@app/common';

export class MissingApiKeyError extends UnauthenticatedError {
  constructor() {
    super('This call needs an API key: send "Authorization: Bearer <apiKey>" (sign up with POST /v1/users).');
  }
}

export class InvalidApiKeyError extends UnauthenticatedError {
  constructor() {
    super('The API key is unknown or has been revoked.');
  }
}

export class HandleTakenError extends DomainError {
  constructor(handle: string) {
    super(ErrorCode.HANDLE_TAKEN, `The handle "${handle}" is taken; choose another.`);
  }
}

export class SignupDisabledError extends DomainError {
  constructor() {
    super(
      ErrorCode.SIGNUP_DISABLED,
      'Open sign-up is switched off on this server; ask an administrator for an account.',
    );
  }
}

export class RoleRequiredError extends DomainError {
  constructor(roles: readonly string[]) {
    super(ErrorCode.FORBIDDEN, `Only ${roles.join(' or ')} accounts may do this.`);
  }
}

export class PrivateTokenNotAcceptedError extends UnauthenticatedError {
  constructor() {
    super(
      'A Privacy Pass token pays for a private chat request only (POST /v1/chat/completions); use an API key here.',
    );
  }
}

export class PrivateSessionKeyError extends DomainError {
  constructor() {
    super(
      ErrorCode.FORBIDDEN,
      'A private session’s key reads its own replies’ proofs (GET /v1/inferences/:id, its bundle) and nothing else.',
    );
  }
}
