import type { AttestationKind, AttestationVerdict } from './attestation.types';

type VerdictFacts = Omit<
  AttestationVerdict,
  'kind' | 'verified' | 'reason' | 'measurement' | 'boundAddress'
> &
  Partial<Pick<AttestationVerdict, 'measurement' | 'boundAddress'>>;

export function rejected(
  kind: AttestationKind,
  reason: string,
  facts: VerdictFacts = {},
): AttestationVerdict {
  return { measurement: null, boundAddress: null, ...facts, kind, verified: false, reason };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
