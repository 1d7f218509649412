// Artifacts are committed (scripts/compile-contracts.ts), so nothing needs solc at run time; read from disk because the
// swc build copies no JSON into dist/.
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
  sourceHash: string;
}

// ../artifacts from the source tree and jest; from dist/libs/settlement/src, the repository's after `npm run build`.
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
