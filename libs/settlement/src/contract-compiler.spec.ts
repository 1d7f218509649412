import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import solc from 'solc';
import { ARTIFACTS_DIR, compileContracts, serializeArtifact } from './contract-compiler';

// The runtime deploys and calls the committed artifact, never the source: if the two drifted, the contract on
// chain would not be the one the repository shows. Recompiling takes about a second with the wasm solc.
describe('committed contract artifacts', () => {
  const compiled = compileContracts();

  it('match a fresh compile of libs/settlement/contracts byte for byte', () => {
    expect(compiled.map((artifact) => artifact.contractName)).toContain('ReceiptAnchor');
    for (const artifact of compiled) {
      const committed = readFileSync(join(ARTIFACTS_DIR, `${artifact.contractName}.json`), 'utf8');
      // One message for the usual cause rather than a JSON diff of bytecode.
      if (committed !== serializeArtifact(artifact)) {
        throw new Error(
          `libs/settlement/artifacts/${artifact.contractName}.json is stale: run ` +
            '`npm run build && node dist/scripts/compile-contracts.js` and commit the result',
        );
      }
    }
  });

  it('record the compiler that made them', () => {
    const [anchor] = compiled.filter((artifact) => artifact.contractName === 'ReceiptAnchor');
    expect(anchor.solcVersion).toBe((solc as unknown as { version(): string }).version());
    expect(anchor.evmVersion).toBe('shanghai');
    expect(anchor.sourceHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(anchor.deployedBytecode.length).toBeGreaterThan(100);
  });
});
