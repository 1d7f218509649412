import { isEmbeddedModelId } from '@app/inference/embedded.provider';
import type { ModelRequest } from '@app/inference';
import { isReceiptSalt } from '@app/receipts/receipt-hashes';

/** What shaped a reply besides its input, as recorded with it (InferenceRecord.generation) and replayed by a check. */
export type RecordedGeneration = Pick<
  ModelRequest,
  'stop' | 'temperature' | 'topP' | 'frequencyPenalty' | 'presencePenalty' | 'seed' | 'responseFormat'
>;

/** What the sampler reads of an attested reply. */
export interface SpotCheckSubject {
  modelId: string;
  /** Set when another node finished the reply (a takeover): the check then judges the prefix (docs/network.md). */
  prefixBytes: number | null;
  /** The node that streamed the prefix of a taken-over reply (null when none, or no longer registered). */
  prefixNodeId?: string | null;
  nodeId: string | null;
  salt: string | null;
  /** InferenceRecord.generation: null for replies recorded before it was stored. */
  generation: unknown;
}

/**
 * Only a model that gives the same output for the same input can be re-run and compared: the embedded model always,
 * an upstream model when the platform lists it in SPOT_CHECK_MODELS (served greedily, temperature 0).
 */
export function isDeterministicModel(modelId: string, listed: readonly string[]): boolean {
  return isEmbeddedModelId(modelId) || listed.includes(modelId);
}

/** The stored generation parameters, or null when there are none (older records) or they are not an object. */
export function recordedGeneration(value: unknown): RecordedGeneration | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  return value;
}

/** Why a reply cannot be spot-checked, or null when it can. */
export function notCheckable(subject: SpotCheckSubject, listed: readonly string[]): string | null {
  if (!isDeterministicModel(subject.modelId, listed)) return `model ${subject.modelId} is not deterministic`;
  if (!subject.nodeId) return 'the node that served it is no longer registered';
  if (subject.prefixBytes !== null && !subject.prefixNodeId)
    return 'the node that streamed its start is not a registered node';
  // v1 receipts commit with a plain hash; the check recomputes the commitment with the reply's own salt.
  if (!isReceiptSalt(subject.salt)) return 'its receipt has no salt to commit the checker’s output with';
  // A reply cut by a `stop` the re-run does not know differs from an honest one: never re-run what cannot be replayed.
  const generation = recordedGeneration(subject.generation);
  if (!generation)
    return 'it was recorded without its stop and sampling parameters, so it cannot be re-run exactly';
  // A listed upstream is greedy by default; a client's temperature above 0 makes its reply a draw, not a function.
  if (
    !isEmbeddedModelId(subject.modelId) &&
    generation.temperature !== undefined &&
    generation.temperature !== 0
  )
    return `it was sampled at temperature ${generation.temperature}, so its output is not deterministic`;
  return null;
}

/**
 * The share of checkable replies that are checked. A taken-over reply always is (while checks are on): a node can
 * fail on purpose after streaming a lie, so a takeover must never be a way out of the sample.
 */
export function samplingRate(subject: Pick<SpotCheckSubject, 'prefixBytes'>, rate: number): number {
  if (rate <= 0) return 0;
  return subject.prefixBytes !== null ? 1 : rate;
}

/** Each checkable reply is picked with probability `rate`; 0 picks none, 1 picks all. */
export function sampled(rate: number, random: () => number = Math.random): boolean {
  return rate > 0 && random() < rate;
}

/**
 * Whom a check's re-runs (output commitments) point at. One re-run against the reply is doubt, not proof: the checker
 * may lie or be broken. The reply's node is blamed only when checker and referee agree with each other and not with
 * it; the checker only when the referee agrees with the reply; three different outputs blame nobody.
 */
export function blamed(reply: string, checker: string, referee: string | null): 'reply' | 'checker' | null {
  const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
  if (same(checker, reply) || referee === null) return null;
  if (same(referee, reply)) return 'checker';
  return same(referee, checker) ? 'reply' : null;
}
