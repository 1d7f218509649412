import { AttestationEvidence, AttestationPolicy, verifyNodeBinding } from '@app/attestation';
import { verifyInclusion } from '@app/settlement';
import { getAddress } from 'ethers';
import type { ProofBundle } from '../bundle';
import { hashInput, hashText } from '../receipt-hashes';
import { receiptDigest, recoverReceiptSigner } from '../receipt-signing';
import type { Receipt } from '../receipt.spec-types';
import { ChainReader } from './chain-reader';
import { verifyZkBundle } from './zk-check';
import { CheckResult, fail, pass, skip, summarize, Verification } from './verification.types';

export interface VerifyOptions {
  attestationPolicy: AttestationPolicy;
  /** Reads the anchoring contract; without one the on-chain check is skipped, not passed. */
  chain?: ChainReader;
}

const sameAddress = (a: string, b: string): boolean => {
  try {
    return getAddress(a) === getAddress(b);
  } catch {
    return false;
  }
};

/**
 * Checks one bundle the way an outsider would, trusting nothing the platform says about it: recompute the digest,
 * recover the signer, verify the attestation binds that signer, recompute the content hashes, walk the Merkle
 * proof, ask the chain for the root, and verify the zk proof. Every check reports; none throws.
 */
export async function verifyBundle(bundle: ProofBundle, options: VerifyOptions): Promise<Verification> {
  const checks: CheckResult[] = [];
  const receipt = bundle.receipt as Receipt | undefined;
  let digest: string | null = null;
  try {
    if (!receipt) throw new Error('the bundle has no receipt');
    digest = receiptDigest(receipt);
    checks.push(
      digest === bundle.digest
        ? pass('receipt-digest', digest)
        : fail('receipt-digest', `the receipt hashes to ${digest}, the bundle says ${bundle.digest}`),
    );
  } catch (error) {
    checks.push(fail('receipt-digest', `the receipt is malformed: ${String(error)}`));
  }
  if (!receipt || !digest) return summarize(checks);

  const signer = recoverReceiptSigner(receipt, bundle.signature);
  checks.push(
    !signer
      ? fail('signature', 'the signature is malformed')
      : sameAddress(signer, receipt.node) && sameAddress(signer, bundle.signer)
        ? pass('signature', `signed by ${signer}`)
        : fail('signature', `the signature recovers to ${signer}, not to the receipt's node ${receipt.node}`),
  );

  const verdict = await verifyNodeBinding(
    bundle.attestation as AttestationEvidence,
    receipt.node,
    options.attestationPolicy,
  ).catch((error: unknown) => ({ verified: false, reason: String(error), measurement: null }));
  checks.push(
    verdict.verified
      ? pass(
          'attestation',
          `${bundle.attestation.kind} attestation binds ${receipt.node} (measurement ${verdict.measurement})`,
        )
      : fail(
          'attestation',
          `${bundle.attestation.kind} attestation rejected: ${verdict.reason ?? 'not verified'}`,
        ),
  );

  checks.push(
    bundle.content === undefined
      ? skip('output-hash', 'the content is shown only to the conversation’s participants')
      : hashText(bundle.content) === receipt.outputHash
        ? pass('output-hash', 'the content is exactly what the node signed')
        : fail('output-hash', 'the content does not match the receipt’s outputHash'),
  );
  checks.push(checkInput(bundle, receipt));
  checks.push(...(await checkBatch(bundle, digest, options.chain)));
  checks.push(await checkZk(bundle));
  return summarize(checks);
}

function checkInput(bundle: ProofBundle, receipt: Receipt): CheckResult {
  if (bundle.input === undefined)
    return skip('input-hash', 'the input is shown only to the conversation’s participants');
  try {
    return hashInput(bundle.input) === receipt.inputHash
      ? pass('input-hash', 'the message list is exactly what the model was sent')
      : fail('input-hash', 'the input does not match the receipt’s inputHash');
  } catch (error) {
    return fail('input-hash', `the input cannot be canonicalized: ${String(error)}`);
  }
}

async function checkBatch(bundle: ProofBundle, digest: string, chain?: ChainReader): Promise<CheckResult[]> {
  const batch = bundle.batch;
  if (!batch) {
    const why = `not anchored yet (status ${bundle.status})`;
    return [skip('merkle-inclusion', why), skip('anchored-on-chain', why)];
  }
  const included = verifyInclusion(batch.root, digest, batch.proof);
  const inclusion = included
    ? pass('merkle-inclusion', `leaf ${batch.leafIndex} of root ${batch.root}`)
    : fail('merkle-inclusion', `the Merkle proof does not link the receipt to root ${batch.root}`);
  if (!chain) return [inclusion, skip('anchored-on-chain', 'no chain RPC endpoint given')];
  return [inclusion, await chain.checkAnchor(batch)];
}

async function checkZk(bundle: ProofBundle): Promise<CheckResult> {
  if (!bundle.zk) return skip('zk-proof', 'no zk proof for this reply');
  if (bundle.content === undefined)
    return skip('zk-proof', 'the proof’s inputs are derived from the content, which is withheld');
  return verifyZkBundle(bundle.zk, bundle.content);
}
