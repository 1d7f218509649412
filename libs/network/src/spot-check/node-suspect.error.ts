import { DomainError, ErrorCode } from '@app/common';

/**
 * A spot check caught this node key producing another output than an honest node (docs/network.md, Spot checks).
 * The key is burned: registering it again does not clear it; its operator makes a new key and registers that.
 */
export class NodeSuspectError extends DomainError {
  constructor(what: string) {
    super(
      ErrorCode.FORBIDDEN,
      `Node ${what} is suspect: a spot check disputed one of its replies. Register a new node key.`,
      { status: 'suspect' },
    );
  }
}

/**
 * Suspicion belongs to the operator too: one whose key was caught could otherwise register a fresh key at once and
 * take its traffic back. An admin who has looked into it revokes the suspect key, which lifts this.
 */
export class OperatorSuspectError extends DomainError {
  constructor() {
    super(
      ErrorCode.FORBIDDEN,
      'One of your nodes is suspect (a spot check disputed its replies): no new node key is registered for you ' +
        'until an admin has reviewed and revoked it.',
      { status: 'suspect' },
    );
  }
}

/** Only an admin ends a suspect key's status: its operator revoking it would also lift OperatorSuspectError. */
export class SuspectNodeRevokeError extends DomainError {
  constructor() {
    super(ErrorCode.FORBIDDEN, 'A suspect node is revoked by an admin, after review.', { status: 'suspect' });
  }
}
