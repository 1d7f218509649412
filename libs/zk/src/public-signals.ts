import { FEATURE_NAMES } from './model/features';
import { dequantize, fromField } from './model/fixed-point';
import { SCORE_NAMES } from './model/weights';
import type { ReplyScores } from './zk-bundle';

/** The circuit's public signals in snarkjs order: outputs first, then public inputs as declared. */
export const PUBLIC_SIGNAL_NAMES: readonly string[] = [
  ...SCORE_NAMES.map((name) => `score.${name}`),
  ...FEATURE_NAMES.map((name) => `feature.${name}`),
  'commitment',
];

export interface DecodedPublicSignals {
  scores: number[];
  features: number[];
  commitment: bigint;
}

/** Throws on anything but PUBLIC_SIGNAL_NAMES.length canonical decimal field elements. */
export function decodePublicSignals(signals: unknown): DecodedPublicSignals {
  if (!Array.isArray(signals) || signals.length !== PUBLIC_SIGNAL_NAMES.length) {
    throw new RangeError(`expected ${PUBLIC_SIGNAL_NAMES.length} public signals`);
  }
  const values = signals.map((s) => {
    if (typeof s !== 'string' || !/^(0|[1-9]\d*)$/.test(s))
      throw new RangeError(`not a decimal signal: ${s}`);
    return fromField(s);
  });
  const nScores = SCORE_NAMES.length;
  return {
    scores: values.slice(0, nScores).map(Number),
    features: values.slice(nScores, nScores + FEATURE_NAMES.length).map(Number),
    // A hash, not a signed number: read it as the plain field element.
    commitment: BigInt(signals[signals.length - 1] as string),
  };
}

export function toReplyScores(scores: readonly number[]): ReplyScores {
  return Object.fromEntries(SCORE_NAMES.map((name, k) => [name, dequantize(scores[k])])) as ReplyScores;
}
