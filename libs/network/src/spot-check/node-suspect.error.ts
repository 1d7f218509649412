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
