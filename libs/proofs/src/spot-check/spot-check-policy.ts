import { isEmbeddedModelId } from '@app/inference/embedded.provider';
import { isReceiptSalt } from '@app/receipts/receipt-hashes';

/** What the sampler reads of an attested reply. */
export interface SpotCheckSubject {
  modelId: string;
  /** Set when another node finished the reply (a takeover): no single node ran it, nothing to re-run. */
  prefixBytes: number | null;
  nodeId: string | null;
  salt: string | null;
}

/**
 * Only a model that gives the same output for the same input can be re-run and compared: the embedded model always,
 * an upstream model when the platform lists it in SPOT_CHECK_MODELS (served greedily, temperature 0).
 */
export function isDeterministicModel(modelId: string, listed: readonly string[]): boolean {
  return isEmbeddedModelId(modelId) || listed.includes(modelId);
}

/** Why a reply cannot be spot-checked, or null when it can. */
export function notCheckable(subject: SpotCheckSubject, listed: readonly string[]): string | null {
  if (!isDeterministicModel(subject.modelId, listed)) return `model ${subject.modelId} is not deterministic`;
  if (subject.prefixBytes !== null) return 'the reply was taken over by a second node';
  if (!subject.nodeId) return 'the node that served it is no longer registered';
  // v1 receipts commit with a plain hash; the check recomputes the commitment with the reply's own salt.
  if (!isReceiptSalt(subject.salt)) return 'its receipt has no salt to commit the checker’s output with';
  return null;
}

/** Each checkable reply is picked with probability `rate`; 0 picks none, 1 picks all. */
export function sampled(rate: number, random: () => number = Math.random): boolean {
  return rate > 0 && random() < rate;
}
