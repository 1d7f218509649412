import { DomainError, ErrorCode, NotFoundError } from '@app/common';

export class RelayUrlTakenError extends DomainError {
  constructor(url: string) {
    super(ErrorCode.CONFLICT, `A relay at ${url} is registered already.`);
  }
}

export class RelayNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('Relay', id);
  }
}

export class NotRelayOperatorError extends DomainError {
  constructor() {
    super(ErrorCode.FORBIDDEN, 'Only the relay’s operator or an admin may remove it.');
  }
}
