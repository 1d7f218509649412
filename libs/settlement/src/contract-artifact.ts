// The compiled contracts are committed under libs/settlement/artifacts (see scripts/compile-contracts.ts), so no
// process ever needs solc at run time. The JSON is read from disk rather than imported because the swc build
// copies no JSON into dist/.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { JsonFragment } from 'ethers';

export interface ContractArtifact {
  contractName: string;
  sourceName: string;
  abi: JsonFragment[];
  bytecode: string;
  deployedBytecode: string;
  solcVersion: string;
  evmVersion: string;
  optimizerRuns: number;
  /** sha256 of the Solidity source the artifact was compiled from. */
  sourceHash: string;
}

// libs/settlement/src → ../artifacts in the source tree and under jest; dist/libs/settlement/src → the
// repository's libs/settlement/artifacts after `npm run build`.
const CANDIDATE_DIRS = [
  resolve(__dirname, '..', 'artifacts'),
  resolve(__dirname, '..', '..', '..', '..', 'libs', 'settlement', 'artifacts'),
];

const cache = new Map<string, ContractArtifact>();

export function loadArtifact(contractName: string): ContractArtifact {
  const cached = cache.get(contractName);
  if (cached) return cached;
  const file = CANDIDATE_DIRS.map((dir) => resolve(dir, `${contractName}.json`)).find((path) =>
    existsSync(path),
  );
  if (!file) {
    throw new Error(
      `No compiled artifact for ${contractName} (looked in ${CANDIDATE_DIRS.join(', ')}); ` +
        'run `npm run build && node dist/scripts/compile-contracts.js`',
    );
  }
  const artifact = JSON.parse(readFileSync(file, 'utf8')) as ContractArtifact;
  cache.set(contractName, artifact);
  return artifact;
}
