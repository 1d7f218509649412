import * as poseidonLite from 'poseidon-lite';
import { toField } from './fixed-point';
import type { MlpWeights } from './weights';

/** The circuit's hashing order: w1 row-major, b1, w2 row-major, b2. */
export function flattenWeights(weights: MlpWeights): number[] {
  return [...weights.w1.flat(), ...weights.b1, ...weights.w2.flat(), ...weights.b2];
}

/** As the circuit's ChainedPoseidon: Poseidon of the first 16 values, then Poseidon(previous, next <= 15 values). */
export function commitWeights(weights: MlpWeights): bigint {
  const values = flattenWeights(weights).map(toField);
  const first = Math.min(16, values.length);
  let hash = poseidon(values.slice(0, first));
  for (let taken = first; taken < values.length; taken += 15) {
    hash = poseidon([hash, ...values.slice(taken, taken + 15)]);
  }
  return hash;
}

/** circomlib's Poseidon(n) for n in 1..16; poseidon-lite uses the same constants. */
function poseidon(inputs: bigint[]): bigint {
  const name = `poseidon${inputs.length}`;
  if (!(name in poseidonLite)) throw new RangeError(`Poseidon takes 1 to 16 inputs, not ${inputs.length}`);
  return poseidonLite[name as keyof typeof poseidonLite](inputs);
}
