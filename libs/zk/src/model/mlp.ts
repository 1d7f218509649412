import { ACC_BITS, SCALE } from './fixed-point';
import type { MlpWeights } from './weights';

export interface MlpOutput {
  hidden: number[];
  /** Scores at scale 256, signed; equal to the circuit's public outputs read as signed integers. */
  scores: number[];
}

const ACC_LIMIT = 2 ** ACC_BITS;

/** The circuit's arithmetic: same products, floors and bound; every intermediate < 2^31, so doubles are exact. */
export function runMlp(features: readonly number[], weights: MlpWeights): MlpOutput {
  const hidden = weights.w1.map((row, j) => {
    const z = checkBound(dot(row, features) + weights.b1[j] * SCALE, `hidden ${j}`);
    return z > 0 ? Math.floor(z / SCALE) : 0;
  });
  const scores = weights.w2.map((row, k) => {
    const y = checkBound(dot(row, hidden) + weights.b2[k] * SCALE, `output ${k}`);
    return Math.floor(y / SCALE);
  });
  return { hidden, scores };
}

/** The largest |accumulator| over features in [0, featureMax]^n; the model is provable only below 2^ACC_BITS. */
export function accumulatorBound(weights: MlpWeights, featureMax: number): number {
  const hiddenMax: number[] = [];
  let bound = 0;
  for (const [j, row] of weights.w1.entries()) {
    const hi = row.reduce((s, w) => s + Math.max(w, 0) * featureMax, 0) + weights.b1[j] * SCALE;
    const lo = row.reduce((s, w) => s + Math.min(w, 0) * featureMax, 0) + weights.b1[j] * SCALE;
    hiddenMax.push(Math.max(0, Math.floor(hi / SCALE)));
    bound = Math.max(bound, Math.abs(hi), Math.abs(lo));
  }
  for (const [k, row] of weights.w2.entries()) {
    const hi = row.reduce((s, w, j) => s + Math.max(w, 0) * hiddenMax[j], 0) + weights.b2[k] * SCALE;
    const lo = row.reduce((s, w, j) => s + Math.min(w, 0) * hiddenMax[j], 0) + weights.b2[k] * SCALE;
    bound = Math.max(bound, Math.abs(hi), Math.abs(lo));
  }
  return bound;
}

function dot(row: readonly number[], xs: readonly number[]): number {
  if (row.length !== xs.length) throw new RangeError(`expected ${row.length} inputs, got ${xs.length}`);
  return row.reduce((sum, w, i) => sum + w * xs[i], 0);
}

function checkBound(z: number, where: string): number {
  if (!Number.isSafeInteger(z) || Math.abs(z) >= ACC_LIMIT) {
    throw new RangeError(`${where}: accumulator ${z} is outside the circuit's ±2^${ACC_BITS}`);
  }
  return z;
}
