import type { ContractArtifact } from '@app/settlement';
import { Interface } from 'ethers';
import { groth16 } from 'snarkjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadZkArtifacts, ZK_ARTIFACT_FILES } from './manifest';
import type { ZkProofBundle } from './zk-bundle';

type Pair = [string, string];

/** verifyProof(_pA, _pB, _pC, _pubSignals) arguments, ready to spread into an ethers contract call. */
export type ZkSolidityCalldata = [pA: Pair, pB: [Pair, Pair], pC: Pair, pubSignals: string[]];

/** The compiled ReplyScoreVerifier: written by scripts/zk-build.ts in libs/settlement's artifact format. */
export type ZkVerifierArtifact = ContractArtifact;

/** snarkjs' exportSolidityCallData, parsed: G2 coordinates come out swapped the way the precompile wants them. */
export async function toSolidityCalldata(
  bundle: Pick<ZkProofBundle, 'proof' | 'publicSignals'>,
): Promise<ZkSolidityCalldata> {
  const text = await groth16.exportSolidityCallData(bundle.proof, bundle.publicSignals);
  return JSON.parse(`[${text}]`) as ZkSolidityCalldata;
}

export function loadVerifierArtifact(artifactsDir?: string): ZkVerifierArtifact {
  const { dir } = loadZkArtifacts(artifactsDir);
  return JSON.parse(
    readFileSync(join(dir, ZK_ARTIFACT_FILES.verifierArtifact), 'utf8'),
  ) as ZkVerifierArtifact;
}

export async function encodeVerifyProofCall(
  bundle: Pick<ZkProofBundle, 'proof' | 'publicSignals'>,
  artifactsDir?: string,
): Promise<string> {
  const verifier = new Interface(loadVerifierArtifact(artifactsDir).abi);
  return verifier.encodeFunctionData('verifyProof', await toSolidityCalldata(bundle));
}
