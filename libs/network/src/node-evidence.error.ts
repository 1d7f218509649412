import { DomainError, ErrorCode } from '@app/common';
import type { AttestationVerdict } from '@app/attestation';

/**
 * The node sent hardware evidence that does not verify for its key. 403, not 400: the request is well formed (the
 * DTO checked its shape and size); the api declines to trust the node, as it does a revoked one.
 */
export class NodeEvidenceRefusedError extends DomainError {
  constructor(verdict: AttestationVerdict) {
    const reason = verdict.reason ?? 'not verified';
    super(ErrorCode.FORBIDDEN, `The node's ${verdict.kind} evidence was refused: ${reason}`, {
      kind: verdict.kind,
      reason,
      measurement: verdict.measurement,
      boundAddress: verdict.boundAddress,
    });
  }
}
