import { getAddress, isAddress } from 'ethers';
import {
  ATTESTATION_KINDS,
  type AttestationEvidence,
  type AttestationKind,
  type AttestationPolicy,
  type AttestationVerdict,
} from './attestation.types';
import { verifyDcapQuote } from './dcap';
import { verifyDevAttestation } from './dev-attestation';
import { verifyNitroAttestation } from './nitro';
import { errorMessage, rejected } from './verdict';

/** Never throws on bad evidence: the verdict says why. Evidence is often JSON, so it is checked at run time. */
export async function verifyAttestation(
  evidence: AttestationEvidence,
  policy: AttestationPolicy,
): Promise<AttestationVerdict> {
  // Typed callers cannot pass null or an unknown kind, but evidence parsed from JSON can.
  const kind = (evidence as AttestationEvidence | null)?.kind;
  if (!kind || !ATTESTATION_KINDS.includes(kind)) {
    // The verdict type has no "unknown" kind; echoing the caller's value keeps the refusal traceable.
    return rejected(kind as AttestationKind, `unsupported attestation kind: ${String(kind)}`);
  }
  if (!(policy.now instanceof Date) || Number.isNaN(policy.now.getTime())) {
    // Every time comparison against an invalid date is false, which would make expired evidence pass.
    return rejected(kind, 'policy.now is not a valid date');
  }
  if (typeof evidence.document !== 'string' || evidence.document.length === 0) {
    return rejected(kind, 'malformed document: not a non-empty string');
  }
  try {
    return await Promise.resolve(dispatch(kind, evidence, policy));
  } catch (error) {
    // A library failing on input we did not foresee is still a refusal, not a crash of the caller.
    return rejected(kind, `verification error: ${errorMessage(error)}`);
  }
}

function dispatch(kind: AttestationKind, evidence: AttestationEvidence, policy: AttestationPolicy) {
  switch (kind) {
    case 'dev':
      return verifyDevAttestation(evidence.document, policy);
    case 'nitro':
      return verifyNitroAttestation(evidence.document, policy);
    case 'tdx':
    case 'sgx':
      return verifyDcapQuote(kind, evidence.document, evidence.collateral, policy);
  }
}

/** Verifies the evidence and that it binds exactly `expectedAddress` (the node's receipt-signing key). */
export async function verifyNodeBinding(
  evidence: AttestationEvidence,
  expectedAddress: string,
  policy: AttestationPolicy,
): Promise<AttestationVerdict> {
  const verdict = await verifyAttestation(evidence, policy);
  if (!verdict.verified) return verdict;
  if (!isAddress(expectedAddress)) {
    return {
      ...verdict,
      verified: false,
      reason: `expected address ${String(expectedAddress)} is not an address`,
    };
  }
  const expected = getAddress(expectedAddress);
  if (verdict.boundAddress?.toLowerCase() === expected.toLowerCase()) return verdict;
  return {
    ...verdict,
    verified: false,
    reason: `key not bound: the evidence binds ${verdict.boundAddress ?? 'no address'}, not ${expected}`,
  };
}
