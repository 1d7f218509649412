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

/**
 * A key first registered with hardware evidence registers again without it. The api would have to fall back to its
 * own dev attestation for a key that was bound to an enclave: a key that now registers from outside one may have left
 * it. 403: register with fresh evidence, or use a new key for a node without a TEE.
 */
export class EvidenceDowngradeError extends DomainError {
  constructor(address: string, kind: string) {
    super(
      ErrorCode.FORBIDDEN,
      `Node ${address} registered with ${kind} evidence; it must send fresh evidence to register again ` +
        '(a node without a TEE needs a new key: another --name or --data-dir).',
      { attestationKind: kind },
    );
  }
}
