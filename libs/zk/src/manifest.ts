import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { VerificationKey } from 'snarkjs';

export const ZK_CIRCUIT = 'reply_score';

/** Files in libs/zk/artifacts that proving and verifying need; the manifest pins each by SHA-256. */
export const ZK_ARTIFACT_FILES = {
  wasm: 'reply_score.wasm',
  zkey: 'reply_score_final.zkey',
  verificationKey: 'verification_key.json',
  verifierSource: 'ReplyScoreVerifier.sol',
  verifierArtifact: 'ReplyScoreVerifier.json',
} as const;

export interface ZkArtifactFile {
  sha256: string;
  bytes: number;
}

/** libs/zk/artifacts/manifest.json, written by scripts/zk-build.ts. */
export interface ZkManifest {
  circuit: typeof ZK_CIRCUIT;
  protocol: 'groth16';
  curve: 'bn128';
  compiler: { circom: string; snarkjs: string; solc: string };
  constraints: number;
  wires: number;
  privateInputs: number;
  /** Names of the public signals, in the order snarkjs and the Solidity verifier take them. */
  publicSignals: string[];
  fixedPoint: { fracBits: number; accBits: number };
  commitment: string;
  /** SHA-256 of the compiled constraint system (reply_score.r1cs, reproducible from the .circom, not kept). */
  circuitHash: string;
  circuitSourceHash: string;
  verificationKeyHash: string;
  ptau: { power: number; source: string; sha256: string };
  files: Record<string, ZkArtifactFile>;
  builtAt: string;
}

export interface ZkArtifacts {
  dir: string;
  manifest: ZkManifest;
  verificationKey: VerificationKey;
  wasmPath: string;
  zkeyPath: string;
}

const ARTIFACTS_FROM_ROOT = join('libs', 'zk', 'artifacts');

// Walks up from here: this runs from libs/zk/src (jest) and dist/libs/zk/src (swc, which copies no artifacts).
export function findArtifactsDir(from: string = __dirname): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, ARTIFACTS_FROM_ROOT);
    if (existsSync(join(candidate, 'manifest.json'))) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(`libs/zk/artifacts/manifest.json not found above ${from}; run scripts/zk-build.ts`);
}

const cache = new Map<string, ZkArtifacts>();

export function loadZkArtifacts(artifactsDir?: string): ZkArtifacts {
  const dir = resolve(artifactsDir ?? findArtifactsDir());
  const cached = cache.get(dir);
  if (cached) return cached;
  const readJson = <T>(name: string): T => JSON.parse(readFileSync(join(dir, name), 'utf8')) as T;
  const artifacts: ZkArtifacts = {
    dir,
    manifest: readJson<ZkManifest>('manifest.json'),
    verificationKey: readJson<VerificationKey>(ZK_ARTIFACT_FILES.verificationKey),
    wasmPath: join(dir, ZK_ARTIFACT_FILES.wasm),
    zkeyPath: join(dir, ZK_ARTIFACT_FILES.zkey),
  };
  cache.set(dir, artifacts);
  return artifacts;
}
