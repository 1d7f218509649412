import { toField } from './fixed-point';
import type { MlpWeights } from './weights';

/** The witness input for reply_score.circom; field elements as decimal strings, negatives as p - |v|. */
export interface ReplyScoreCircuitInput {
  features: string[];
  commitment: string;
  w1: string[][];
  b1: string[];
  w2: string[][];
  b2: string[];
  [signal: string]: string | string[] | string[][];
}

export function buildCircuitInput(
  features: readonly number[],
  weights: MlpWeights,
  commitment: bigint,
): ReplyScoreCircuitInput {
  const field = (v: number): string => toField(v).toString();
  return {
    features: features.map(field),
    commitment: commitment.toString(),
    w1: weights.w1.map((row) => row.map(field)),
    b1: weights.b1.map(field),
    w2: weights.w2.map((row) => row.map(field)),
    b2: weights.b2.map(field),
  };
}
