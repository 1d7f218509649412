// wasm solc for scripts/compile-contracts.ts and the artifact drift test; the runtime reads the committed artifacts,
// so this stays out of the barrel (solc is ~10 MB of wasm).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import solcModule from 'solc';
import type { ContractArtifact } from './contract-artifact';

interface SolcCompiler {
  version(): string;
  compile(input: string): string;
}

interface SolcError {
  severity: 'error' | 'warning' | 'info';
  formattedMessage: string;
}

interface SolcContractOutput {
  abi: ContractArtifact['abi'];
  evm: { bytecode: { object: string }; deployedBytecode: { object: string } };
}

interface SolcOutput {
  errors?: SolcError[];
  contracts?: Record<string, Record<string, SolcContractOutput>>;
}

const solc = solcModule as unknown as SolcCompiler;

/** Pinned so the bytecode does not change with solc's default and runs on every chain that has had Shanghai (PUSH0). */
export const EVM_VERSION = 'shanghai';
/** Tuned for calls, not deployment: `anchor` runs once per batch for the contract's whole life. */
export const OPTIMIZER_RUNS = 10_000;

export const CONTRACTS_DIR = resolve(__dirname, '..', 'contracts');
export const ARTIFACTS_DIR = resolve(__dirname, '..', 'artifacts');

export function sha256Hex(text: string): string {
  return '0x' + createHash('sha256').update(text, 'utf8').digest('hex');
}

export function compileContracts(contractsDir: string = CONTRACTS_DIR): ContractArtifact[] {
  const files = readdirSync(contractsDir)
    .filter((file) => file.endsWith('.sol'))
    .sort();
  // Bare file names, so the bytecode's metadata hash does not depend on where the repository is checked out.
  const sources = Object.fromEntries(
    files.map((file) => [file, { content: readFileSync(join(contractsDir, file), 'utf8') }]),
  );
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: OPTIMIZER_RUNS },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((error) => error.severity === 'error');
  if (errors.length > 0) {
    throw new Error(`solc failed:\n${errors.map((error) => error.formattedMessage).join('\n')}`);
  }

  const solcVersion = solc.version();
  return Object.entries(output.contracts ?? {})
    .flatMap(([file, contracts]) =>
      Object.entries(contracts).map(([contractName, contract]): ContractArtifact => ({
        contractName,
        sourceName: file,
        abi: contract.abi,
        bytecode: '0x' + contract.evm.bytecode.object,
        deployedBytecode: '0x' + contract.evm.deployedBytecode.object,
        solcVersion,
        evmVersion: EVM_VERSION,
        optimizerRuns: OPTIMIZER_RUNS,
        sourceHash: sha256Hex(sources[file].content),
      })),
    )
    .sort((a, b) => a.contractName.localeCompare(b.contractName));
}

/** The exact text an artifact file holds, so the script and the drift test agree byte for byte. */
export function serializeArtifact(artifact: ContractArtifact): string {
  return JSON.stringify(artifact, null, 2) + '\n';
}
