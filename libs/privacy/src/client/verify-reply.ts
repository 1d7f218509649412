import type { AttestationPolicy } from '@app/attestation';
import { type ChainReader, type ProofBundle, type Verification, verifyBundle } from '@app/receipts';
import { getAddress } from 'ethers';
import type { VerifiedGateway } from './directory.types';

export interface ReplyVerification {
  /** Show the reply only when true: signed by an attested node, over exactly the text streamed. */
  ok: boolean;
  verification: Verification;
  /** The node that signed the receipt (any attested node may serve the reply, not only the gateway's). */
  signer: string;
  /** Whether that node is the gateway this client sealed to. */
  servedByGateway: boolean;
  /** When not ok: the first check that stands in the way. */
  problem?: string;
}

// A check that did not pass (failed, or skipped for lack of data) leaves the text unproven: these must pass.
const REQUIRED = ['receipt-digest', 'signature', 'output-hash'] as const;

/**
 * The streamed text, not the bundle's copy, is what is checked: the receipt must commit to exactly what this client
 * is about to show. The attestation must bind the signer (verifyBundle's check), whichever node it is.
 */
export async function verifyReply(
  bundle: ProofBundle,
  content: string,
  options: {
    attestationPolicy: AttestationPolicy;
    gateway: VerifiedGateway;
    expectedInferenceId?: string;
    chain?: ChainReader;
  },
): Promise<ReplyVerification> {
  const verification = await verifyBundle(
    { ...bundle, content },
    {
      attestationPolicy: options.attestationPolicy,
      chain: options.chain,
      expectedInferenceId: options.expectedInferenceId ?? bundle.inferenceId,
      attestationTime: 'signing',
    },
  );
  const signer = typeof bundle.receipt?.node === 'string' ? bundle.receipt.node : String(bundle.signer);
  const failed = verification.checks.find((check) => check.status === 'fail');
  const unproven = verification.checks.find(
    (check) => (REQUIRED as readonly string[]).includes(check.check) && check.status !== 'pass',
  );
  const attestation = verification.checks.find((check) => check.check === 'attestation');
  const problem = failed
    ? `${failed.check}: ${failed.detail}`
    : unproven
      ? `${unproven.check}: ${unproven.detail}`
      : attestation
        ? undefined
        : 'attestation: not checked';
  return {
    ok: problem === undefined,
    verification,
    signer,
    servedByGateway: sameAddress(signer, options.gateway.nodeAddress),
    ...(problem === undefined ? {} : { problem }),
  };
}

function sameAddress(a: string, b: string): boolean {
  try {
    return getAddress(a) === getAddress(b);
  } catch {
    return false;
  }
}
