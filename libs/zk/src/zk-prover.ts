import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { groth16 } from 'snarkjs';
import { ensureCurve, releaseZkResources } from './curve';
import { loadZkArtifacts, type ZkArtifacts } from './manifest';
import { buildCircuitInput } from './model/circuit-input';
import { commitWeights } from './model/commitment';
import { extractFeatures } from './model/features';
import { runMlp } from './model/mlp';
import { REPLY_SCORE_WEIGHTS, type MlpWeights } from './model/weights';
import { decodePublicSignals, toReplyScores } from './public-signals';
import type { ZkProofBundle } from './zk-bundle';

export interface ZkProverOptions {
  artifactsDir?: string;
}

export class ZkProver {
  private readonly artifacts: ZkArtifacts;
  private readonly weights: MlpWeights = REPLY_SCORE_WEIGHTS;
  /** The circuit wasm and the proving key (~12 MB), read once rather than opened for every proof. */
  private keys?: { wasm: Uint8Array; zkey: Uint8Array };

  constructor(options: ZkProverOptions = {}) {
    this.artifacts = loadZkArtifacts(options.artifactsDir);
    const commitment = commitWeights(this.weights).toString();
    if (commitment !== this.artifacts.manifest.commitment) {
      throw new Error(
        `weights.ts commits to ${commitment}, the artifacts to ${this.artifacts.manifest.commitment}: ` +
          'rebuild them with scripts/zk-build.ts',
      );
    }
  }

  async prove(text: string): Promise<ZkProofBundle> {
    const { manifest, wasmPath, zkeyPath } = this.artifacts;
    this.keys ??= { wasm: readFileSync(wasmPath), zkey: readFileSync(zkeyPath) };

    const modelStart = performance.now();
    const features = extractFeatures(text);
    const expected = runMlp(features, this.weights);
    const modelMs = performance.now() - modelStart;

    await ensureCurve();
    const commitment = BigInt(manifest.commitment);
    const provingStart = performance.now();
    const { proof, publicSignals } = await groth16.fullProve(
      buildCircuitInput(features, this.weights, commitment),
      this.keys.wasm,
      this.keys.zkey,
    );
    const provingMs = performance.now() - provingStart;

    // The circuit and mlp.ts must agree; a mismatch means the artifacts and the code have drifted apart.
    const proven = decodePublicSignals(publicSignals);
    if (proven.scores.some((s, k) => s !== expected.scores[k])) {
      throw new Error(
        `circuit scores ${proven.scores.join(',')} differ from mlp.ts ${expected.scores.join(',')}`,
      );
    }

    return {
      system: 'groth16',
      curve: 'bn128',
      circuit: manifest.circuit,
      circuitHash: manifest.circuitHash,
      verificationKeyHash: manifest.verificationKeyHash,
      commitment: manifest.commitment,
      publicSignals,
      proof,
      score: toReplyScores(proven.scores),
      provingMs: Math.round(provingMs),
      modelMs: Math.round(modelMs * 1000) / 1000,
    };
  }

  /** Lets the process exit: snarkjs keeps worker threads alive otherwise. */
  async close(): Promise<void> {
    await releaseZkResources();
  }
}
