// `npm run build && node dist/scripts/compile-contracts.js [--check]`: compiles libs/settlement/contracts/*.sol
// with solc and writes one artifact per contract to libs/settlement/artifacts, which are committed so that nothing
// compiles at run time. `--check` writes nothing and fails if a committed artifact differs from a fresh compile.
// A sub-path rather than @app/settlement: the compiler is not part of the library's runtime surface.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { compileContracts, serializeArtifact } from '@app/settlement/contract-compiler';

// __dirname is scripts/ under ts tooling and dist/scripts/ after the build; either way the repository root holds package.json.
function repositoryRoot(): string {
  for (const candidate of [resolve(__dirname, '..'), resolve(__dirname, '..', '..')]) {
    if (existsSync(join(candidate, 'package.json'))) return candidate;
  }
  throw new Error(`Cannot find the repository root from ${__dirname}`);
}

function main(): void {
  const root = repositoryRoot();
  const contractsDir = join(root, 'libs', 'settlement', 'contracts');
  const artifactsDir = join(root, 'libs', 'settlement', 'artifacts');
  const check = process.argv.includes('--check');

  const started = performance.now();
  const artifacts = compileContracts(contractsDir);
  const ms = Math.round(performance.now() - started);
  mkdirSync(artifactsDir, { recursive: true });

  let stale = 0;
  for (const artifact of artifacts) {
    const file = join(artifactsDir, `${artifact.contractName}.json`);
    const text = serializeArtifact(artifact);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (check) {
      if (current !== text) {
        stale += 1;
        console.error(`${relative(root, file)} is out of date`);
      }
      continue;
    }
    if (current !== text) writeFileSync(file, text);
    const size = (artifact.deployedBytecode.length - 2) / 2;
    console.log(
      `${relative(root, file)}: ${artifact.contractName}, ${size} bytes deployed (${artifact.solcVersion})`,
    );
  }
  console.log(`Compiled ${artifacts.length} contract(s) in ${ms} ms`);
  if (stale > 0) process.exit(1);
}

main();
