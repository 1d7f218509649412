import { AttestationEvidence, AttestationPolicy, verifyNodeBinding } from '@app/attestation';
import { verifyInclusion } from '@app/settlement';
import { getAddress } from 'ethers';
import type { ProofBundle } from '../bundle';
import { commitInput, commitText, hashInput, hashText, isReceiptSalt, utf8Prefix } from '../receipt-hashes';
import { receiptDigest, recoverReceiptSigner } from '../receipt-signing';
import { receiptVersionOf, ZERO_ADDRESS, ZERO_DIGEST } from '../receipt.spec-types';
import type { AnyReceipt, Receipt, ReceiptVersion } from '../receipt.spec-types';
import { ChainReader } from './chain-reader';
import { verifyZkBundle } from './zk-check';
import { CheckResult, fail, pass, skip, summarize, Verification } from './verification.types';

export interface VerifyOptions {
  attestationPolicy: AttestationPolicy;
  /** Reads the anchoring contract; without one the on-chain check is skipped, not passed. */
  chain?: ChainReader;
  /** The inference the caller asked about: a bundle carrying another inference's receipt fails. */
  expectedInferenceId?: string;
  /** When the evidence must have held: when the node signed (so old receipts outlive it), or attestationPolicy.now. */
  attestationTime?: 'signing' | 'policy';
}

const sameAddress = (a: string, b: string): boolean => {
  try {
    return getAddress(a) === getAddress(b);
  } catch {
    return false;
  }
};

/**
 * As an outsider would, trusting nothing the platform says: recompute the digest, recover the signer, check that the
 * attestation binds it, recompute the content hashes, walk the Merkle proof, ask the chain, verify the zk proof.
 */
export async function verifyBundle(bundle: ProofBundle, options: VerifyOptions): Promise<Verification> {
  const checks: CheckResult[] = [];
  const receipt = bundle?.receipt as AnyReceipt | undefined;
  let digest: string | null = null;
  // The domain only selects how to hash: the signature covers it, so a relabelled receipt fails the signer check.
  const version = receiptVersionOf(bundle?.domain);
  try {
    if (!receipt) throw new Error('the bundle has no receipt');
    if (!version) throw new Error(`its domain ${JSON.stringify(bundle.domain)} is no known receipt version`);
    digest = receiptDigest(receipt, version);
    const expected = options.expectedInferenceId ?? bundle.inferenceId;
    checks.push(
      digest !== bundle.digest
        ? fail('receipt-digest', `the receipt hashes to ${digest}, the bundle says ${bundle.digest}`)
        : receipt.inferenceId !== bundle.inferenceId || receipt.inferenceId !== expected
          ? fail('receipt-digest', `the receipt is for inference ${receipt.inferenceId}, not ${expected}`)
          : pass('receipt-digest', `v${version} receipt ${digest}`),
    );
  } catch (error) {
    checks.push(fail('receipt-digest', `the receipt is malformed: ${String(error)}`));
  }
  if (!receipt || !digest || !version) return summarize(checks);
  // Every other check reports, never throws, however malformed the bundle is.
  const guarded = async (check: CheckResult['check'], run: () => CheckResult | Promise<CheckResult>) =>
    Promise.resolve()
      .then(run)
      .catch((error: unknown) => fail(check, `the bundle is malformed: ${String(error)}`));

  checks.push(
    await guarded('signature', () => {
      const signer = recoverReceiptSigner(receipt, bundle.signature, version);
      if (!signer) return fail('signature', 'the signature is malformed');
      return sameAddress(signer, receipt.node) && sameAddress(signer, bundle.signer)
        ? pass('signature', `signed by ${signer}`)
        : fail('signature', `the signature recovers to ${signer}, not to the receipt's node ${receipt.node}`);
    }),
  );
  checks.push(await guarded('attestation', () => checkAttestation(bundle, receipt, options)));
  checks.push(await guarded('output-hash', () => checkOutput(bundle, receipt, version)));
  checks.push(await guarded('input-hash', () => checkInput(bundle, receipt, version)));
  // v1 and v2 sign no prefix: their checks stay exactly as they were, unless a bundle claims a takeover for one.
  if (version === 3 || bundle.takeover !== undefined)
    checks.push(await guarded('prefix-hash', () => checkPrefix(bundle, receipt, version)));
  checks.push(
    ...(await checkBatch(bundle, digest, options.chain).catch((error: unknown) => [
      fail('merkle-inclusion', `the bundle is malformed: ${String(error)}`),
    ])),
  );
  checks.push(await guarded('zk-proof', () => checkZk(bundle)));
  if (bundle.spotCheck?.status === 'matched' || bundle.spotCheck?.status === 'disputed')
    checks.push(await guarded('spot-check', () => checkSpotCheck(bundle.spotCheck!)));
  return summarize(checks);
}

/**
 * Reported only once a spot check has a verdict (most replies are never sampled, so its absence is no gap). It is the
 * platform's word that another operator's node produced a different output, not a proof this bundle carries.
 */
function checkSpotCheck(spot: NonNullable<ProofBundle['spotCheck']>): CheckResult {
  if (spot.status === 'disputed')
    return fail(
      'spot-check',
      `disputed: ${spot.reason ?? `node ${spot.checkerNode ?? 'unknown'} of another operator produced a different output`}`,
    );
  return pass(
    'spot-check',
    `node ${spot.checkerNode ?? 'unknown'} of another operator produced the same output`,
  );
}

async function checkAttestation(
  bundle: ProofBundle,
  receipt: AnyReceipt,
  options: VerifyOptions,
): Promise<CheckResult> {
  const evidence = bundle.attestation as (AttestationEvidence & { measurement?: unknown }) | null;
  if (!evidence) return fail('attestation', 'the bundle has no attestation');
  const policy =
    options.attestationTime === 'policy'
      ? options.attestationPolicy
      : { ...options.attestationPolicy, now: new Date(receipt.finishedAt) };
  const verdict = await verifyNodeBinding(evidence, receipt.node, policy);
  if (!verdict.verified)
    return fail('attestation', `${evidence.kind} attestation rejected: ${verdict.reason ?? 'not verified'}`);
  // The top-level measurement is the platform's label, not signed: whoever shows it must see it match the document.
  const stated = evidence.measurement;
  if (
    stated !== null &&
    stated !== undefined &&
    (typeof stated !== 'string' || stated.toLowerCase() !== verdict.measurement)
  )
    return fail(
      'attestation',
      `the bundle states measurement ${JSON.stringify(stated)}, but the ${evidence.kind} document says ${verdict.measurement}`,
    );
  // A genuine enclave proves only that *some* code holds the key: without an allow-list, which code is unchecked.
  if (evidence.kind !== 'dev' && !policy.allowedMeasurements?.[evidence.kind])
    return skip(
      'attestation',
      `${evidence.kind} evidence binds ${receipt.node}, but measurement ${verdict.measurement} was not checked against an allow-list`,
    );
  return pass(
    'attestation',
    `${evidence.kind} attestation binds ${receipt.node} (measurement ${verdict.measurement})`,
  );
}

/** Salted: without the salt (shown only to participants) nothing can be recomputed, so it is skipped, never passed. */
function saltProblem(
  check: 'output-hash' | 'input-hash' | 'prefix-hash',
  bundle: ProofBundle,
  version: ReceiptVersion,
): CheckResult | null {
  if (version === 1) return null;
  if (bundle.salt === undefined)
    return skip(check, `the v${version} receipt’s salt is shown only to the conversation’s participants`);
  return isReceiptSalt(bundle.salt) ? null : fail(check, 'the salt is not 32 bytes of 0x-hex');
}

function checkOutput(bundle: ProofBundle, receipt: AnyReceipt, version: ReceiptVersion): CheckResult {
  if (bundle.content === undefined)
    return skip('output-hash', 'the content is shown only to the conversation’s participants');
  const problem = saltProblem('output-hash', bundle, version);
  if (problem) return problem;
  const hash = version === 1 ? hashText(bundle.content) : commitText(bundle.salt!, bundle.content);
  return hash === receipt.outputHash
    ? pass('output-hash', 'the content is exactly what the node signed')
    : fail('output-hash', 'the content does not match the receipt’s outputHash');
}

function checkInput(bundle: ProofBundle, receipt: AnyReceipt, version: ReceiptVersion): CheckResult {
  if (bundle.input === undefined)
    return skip('input-hash', 'the input is shown only to the conversation’s participants');
  const problem = saltProblem('input-hash', bundle, version);
  if (problem) return problem;
  try {
    const hash = version === 1 ? hashInput(bundle.input) : commitInput(bundle.salt!, bundle.input);
    return hash === receipt.inputHash
      ? pass('input-hash', 'the message list is exactly what the model was sent')
      : fail('input-hash', 'the input does not match the receipt’s inputHash');
  } catch (error) {
    return fail('input-hash', `the input cannot be canonicalized: ${String(error)}`);
  }
}

const isZero = (value: unknown, zero: string): boolean =>
  typeof value === 'string' && value.toLowerCase() === zero;

/**
 * v3: a reply one node made signs zero prefix fields; a reply taken over mid-stream names the node that streamed its
 * start and commits (with the finishing node's salt) to exactly that prefix, whose length the bundle states. The
 * prefix node signed nothing: the finishing node vouches for what it was given, not for who produced it.
 */
function checkPrefix(bundle: ProofBundle, anyReceipt: AnyReceipt, version: ReceiptVersion): CheckResult {
  if (version !== 3)
    return fail('prefix-hash', `the bundle states a takeover, but a v${version} receipt signs none`);
  const receipt = anyReceipt as Receipt;
  const noNode = isZero(receipt.prefixNode, ZERO_ADDRESS);
  const noHash = isZero(receipt.prefixHash, ZERO_DIGEST);
  if (noNode && noHash)
    return bundle.takeover === undefined
      ? pass('prefix-hash', 'one node streamed the whole reply (no takeover)')
      : fail('prefix-hash', 'the bundle states a takeover, but the receipt signs none');
  if (noNode || noHash)
    return fail(
      'prefix-hash',
      'prefixNode and prefixHash must be both zero (one node) or both set (a takeover)',
    );
  const from = `taken over from node ${receipt.prefixNode}`;
  if (bundle.content === undefined)
    return skip('prefix-hash', `${from}; the prefix is shown only to the conversation’s participants`);
  const problem = saltProblem('prefix-hash', bundle, version);
  if (problem) return { ...problem, detail: `${from}; ${problem.detail}` };
  const prefixBytes = bundle.takeover?.prefixBytes;
  if (prefixBytes === undefined)
    return fail('prefix-hash', `${from}, but the bundle does not say where the delivered prefix ends`);
  const prefix = utf8Prefix(bundle.content, prefixBytes);
  if (prefix === null)
    return fail(
      'prefix-hash',
      `${from}, but a prefix of ${String(prefixBytes)} bytes is no prefix of the content`,
    );
  return commitText(bundle.salt!, prefix) === receipt.prefixHash
    ? pass(
        'prefix-hash',
        `${from} after ${prefixBytes} bytes: ${receipt.node} signed the whole reply, committing to that prefix`,
      )
    : fail('prefix-hash', `${from}, but the content’s first ${prefixBytes} bytes do not match prefixHash`);
}

async function checkBatch(bundle: ProofBundle, digest: string, chain?: ChainReader): Promise<CheckResult[]> {
  const batch = bundle.batch;
  if (!batch) {
    const why = `not anchored yet (status ${bundle.status})`;
    return [skip('merkle-inclusion', why), skip('anchored-on-chain', why)];
  }
  const included = Array.isArray(batch.proof) && verifyInclusion(batch.root, digest, batch.proof);
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
