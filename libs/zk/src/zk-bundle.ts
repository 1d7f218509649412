import type { Groth16Proof } from 'snarkjs';
import type { ScoreName } from './model/weights';

export type ReplyScores = Record<ScoreName, number>;

/** A reply's score with its proof: JSON-safe, self-describing, and what the worker and the public bundle carry. */
export interface ZkProofBundle {
  system: 'groth16';
  curve: 'bn128';
  circuit: 'reply_score';
  /** SHA-256 of the compiled circuit (r1cs), from the manifest. */
  circuitHash: string;
  /** SHA-256 of libs/zk/artifacts/verification_key.json. */
  verificationKeyHash: string;
  /** Poseidon commitment to the private weights, decimal; also the last public signal. */
  commitment: string;
  /** [tone, safety, ...8 features, commitment], decimal field elements. */
  publicSignals: string[];
  proof: Groth16Proof;
  /** The proven scores as real numbers (fixed-point / 256): tone > 0 warm, safety < 0 unsafe. */
  score: ReplyScores;
  /** Witness generation plus Groth16 proving, in whole milliseconds. */
  provingMs: number;
  /** The same model run as plain TypeScript, without a proof: what proving adds to, in milliseconds. */
  modelMs: number;
}
