import type { Prisma, Proof } from '@app/database';
import {
  AnyReceipt,
  BundleAttestation,
  BundleBatch,
  BundleSpotCheck,
  BundleTakeover,
  BundleZk,
  ProofBundle,
  RECEIPT_DOMAINS,
  ReceiptVersion,
  receiptTypes,
} from '@app/receipts';
import type { InferenceDetail } from './inferences.repository';

/** `GET /v1/inferences/:id` (docs/api.md). */
export interface InferenceView {
  id: string;
  messageId: string;
  conversationId: string;
  status: string;
  verification: string;
  receipt: AnyReceipt | null;
  digest: string | null;
  signature: string | null;
  signer: string | null;
  attestation: BundleAttestation | null;
  batch: BundleBatch | null;
  zk: BundleZk | { status: 'pending' | 'failed'; error?: string } | null;
  /** The reply's spot check (docs/network.md), null when it was not sampled. */
  spotCheck: BundleSpotCheck | null;
  /** memoryIds for the conversation's participants only: which memories shaped a reply is theirs to know. */
  grounding: { personaVersionHash: string; memoryIds?: string[] };
  timings: { ttftMs: number | null; totalMs: number | null };
  error: string | null;
  /** v2 and v3 receipts, for the conversation's participants only: the salt of inputHash and outputHash. */
  salt?: string;
  /** A reply taken over mid-stream, for the conversation's participants only: where the delivered prefix ends. */
  takeover?: BundleTakeover;
}

/**
 * Told from what was signed: only a v3 receipt has prefixHash (zero or not); receipts stored before v2 have no salt,
 * they were signed with the v1 domain over unsalted hashes.
 */
export function receiptVersionOfRecord(row: {
  salt: string | null;
  receipt: Prisma.JsonValue | null;
}): ReceiptVersion {
  const receipt = row.receipt;
  if (typeof receipt === 'object' && receipt !== null && !Array.isArray(receipt) && 'prefixHash' in receipt)
    return 3;
  return row.salt ? 2 : 1;
}

const saltFor = (row: InferenceDetail, forParticipant: boolean): { salt?: string } =>
  forParticipant && row.salt ? { salt: row.salt } : {};

/** Where the prefix ends is measured in the content, which only participants see. */
const takeoverFor = (row: InferenceDetail, forParticipant: boolean): { takeover?: BundleTakeover } =>
  forParticipant && row.prefixBytes !== null ? { takeover: { prefixBytes: row.prefixBytes } } : {};

const proofOf = (row: InferenceDetail, kind: Proof['kind']): Proof | undefined =>
  row.proofs.find((proof) => proof.kind === kind);

function attestationOf(row: InferenceDetail): BundleAttestation | null {
  if (!row.node) return null;
  // The evidence the worker checked for this receipt, else (not yet attested) what the node registered.
  // Its kind and measurement too: a node re-registered since then has new ones, which the old document contradicts.
  const checked = proofOf(row, 'attestation')?.data as
    { evidence?: unknown; kind?: string; measurement?: string | null } | null | undefined;
  const evidence = (checked?.evidence ?? row.node.attestation) as { document?: string; collateral?: unknown };
  const fromCheck = checked?.evidence !== undefined;
  return {
    kind: (fromCheck ? checked?.kind : undefined) ?? row.node.attestationKind,
    document: evidence.document ?? '',
    ...(evidence.collateral === undefined ? {} : { collateral: evidence.collateral }),
    measurement: fromCheck && checked?.measurement !== undefined ? checked.measurement : row.node.measurement,
    verified: proofOf(row, 'attestation')?.status === 'verified',
  };
}

function batchOf(row: InferenceDetail): BundleBatch | null {
  const merkle = proofOf(row, 'merkle');
  const batch = row.batch;
  if (!merkle || merkle.status !== 'verified' || !batch?.root || !batch.txHash) return null;
  const data = merkle.data as { leafIndex: number; proof: string[] };
  return {
    root: batch.root,
    leafIndex: data.leafIndex,
    proof: data.proof,
    chainId: batch.chainId ?? 0,
    contract: batch.contract ?? '',
    txHash: batch.txHash,
    blockNumber: batch.blockNumber ?? 0,
  };
}

function spotCheckOf(row: InferenceDetail): BundleSpotCheck | null {
  const check = row.spotCheck;
  if (!check) return null;
  return {
    status: check.status,
    checkerNode: check.checkerNode?.address ?? null,
    checkedAt: check.checkedAt?.toISOString() ?? null,
    ...(check.reason ? { reason: check.reason } : {}),
  };
}

function zkOf(row: InferenceDetail): BundleZk | null {
  const zk = proofOf(row, 'zk');
  if (zk?.status !== 'verified' || !zk.data) return null;
  return { ...(zk.data as unknown as BundleZk), inferenceMs: row.totalMs };
}

export function toInferenceView(row: InferenceDetail, forParticipant: boolean): InferenceView {
  const zk = proofOf(row, 'zk');
  const pendingZk = row.verification === 'zk' && !zk ? { status: 'pending' as const } : null;
  return {
    id: row.id,
    messageId: row.messageId,
    conversationId: row.conversationId,
    status: row.status,
    verification: row.verification,
    receipt: row.receipt as AnyReceipt | null,
    digest: row.digest,
    signature: row.signature,
    signer: row.signer,
    attestation: attestationOf(row),
    batch: batchOf(row),
    zk:
      zkOf(row) ?? (zk?.status === 'failed' ? { status: 'failed', error: zk.error ?? undefined } : pendingZk),
    spotCheck: spotCheckOf(row),
    grounding: {
      personaVersionHash: row.personaVersionHash,
      ...(forParticipant ? { memoryIds: row.memoryIds } : {}),
    },
    timings: { ttftMs: row.ttftMs, totalMs: row.totalMs },
    error: row.error,
    ...saltFor(row, forParticipant),
    ...takeoverFor(row, forParticipant),
  };
}

/** Content, input and salt go only to the conversation's participant: the hashes are public, the words are not. */
export function toBundle(row: InferenceDetail, forParticipant: boolean): ProofBundle | null {
  const attestation = attestationOf(row);
  if (!row.receipt || !row.digest || !row.signature || !row.signer || !attestation) return null;
  const version = receiptVersionOfRecord(row);
  return {
    version: 1,
    inferenceId: row.id,
    status: row.status,
    domain: RECEIPT_DOMAINS[version],
    // Its own version's types: a verifier hashing with the types it is shown must get the signed digest.
    types: receiptTypes(version),
    receipt: row.receipt as unknown as AnyReceipt,
    digest: row.digest,
    signature: row.signature,
    signer: row.signer,
    attestation,
    batch: batchOf(row),
    zk: zkOf(row),
    spotCheck: spotCheckOf(row),
    ...(forParticipant ? { content: row.message.content, input: row.input } : {}),
    ...saltFor(row, forParticipant),
    ...takeoverFor(row, forParticipant),
  };
}
