import {
  DomainError,
  ErrorCode,
  ForbiddenError,
  NotFoundError,
  UnauthenticatedError,
  ValidationError,
} from '@app/common';
import { ModelError } from '@app/inference';

export class NodeNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('Node', id);
  }
}

export class NodeAddressTakenError extends DomainError {
  constructor(address: string) {
    super(ErrorCode.CONFLICT, `The node address ${address} is registered by another operator.`);
  }
}

/** A revoked node key stays revoked: its node must make a new key and register that. */
export class NodeRevokedError extends DomainError {
  constructor(what: string) {
    super(
      ErrorCode.FORBIDDEN,
      `Node ${what} is revoked; it takes no traffic and cannot register again. Run the node with a new key ` +
        '(npm run node: another --name or --data-dir).',
      {
        status: 'revoked',
      },
    );
  }
}

export class NotNodeOperatorError extends ForbiddenError {
  constructor() {
    super('Only the operator of this node or an admin may do this.');
  }
}

/** The registration proof: the node key's signature over the operator, address, url and time (docs/network.md). */
export class InvalidRegistrationProofError extends ValidationError {
  constructor(reason: string) {
    super(`Invalid request: ${reason}`, [{ field: 'signature', problems: [reason] }]);
  }
}

export class InvalidGatewayKeysError extends ValidationError {
  constructor(reason: string) {
    super(`Invalid OHTTP gateway keys: ${reason}`, [{ field: 'ohttpKeys', problems: [reason] }]);
  }
}

export class StaleHeartbeatError extends ValidationError {
  constructor() {
    const problem = 'must be within 60 s of the api’s clock';
    super(`Invalid request: at ${problem}`, [{ field: 'at', problems: [problem] }]);
  }
}

/** A copy of a heartbeat already accepted (or one signed before it): it must not keep a dead node listed healthy. */
export class ReplayedHeartbeatError extends ValidationError {
  constructor() {
    const problem =
      'must be newer than the last heartbeat accepted from this node (a replayed copy is refused)';
    super(`Invalid request: at ${problem}`, [{ field: 'at', problems: [problem] }]);
  }
}

export class BadHeartbeatSignatureError extends UnauthenticatedError {
  constructor() {
    super('The heartbeat is not signed by the key this node registered with.');
  }
}

/** No healthy node serves the model: nothing was sent anywhere, and the same message may be sent again. */
export class NoNodeAvailableError extends DomainError {
  constructor(modelId: string) {
    super(ErrorCode.UNAVAILABLE, `No node serves this model (${modelId}) now; try again in a moment.`);
  }
}

/** No token from a remote node for NODE_ITL_TIMEOUT_MS: before the first token another node is tried. */
export class NodeStalledError extends ModelError {
  constructor(limitMs: number) {
    super(`The node sent nothing for ${limitMs} ms.`, true);
  }
}
