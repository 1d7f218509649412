import { DomainError, ErrorCode } from '@app/common';

export class GatewayUnavailableError extends DomainError {
  constructor() {
    super(
      ErrorCode.NOT_FOUND,
      'This api runs no in-process node, so it has no gateway; use a node’s gateway from GET /v1/privacy/gateways.',
    );
  }
}
