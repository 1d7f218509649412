// `npm run build && node dist/scripts/zk-build.js [--ptau FILE] [--fresh-ptau] [--verbose]`: rebuilds the reply
// score circuit's keys into libs/zk/artifacts (committed; nothing here runs at start-up or in CI). --ptau takes a
// prepared public-ceremony file (production); otherwise a LOCAL dev ceremony is made, cached in libs/zk/build.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as prettier from 'prettier';
import solcModule from 'solc';
import { curves, powersOfTau, r1cs, zKey, type SnarkjsLogger } from 'snarkjs';
import type { JsonFragment } from 'ethers';
import {
  ACC_BITS,
  commitWeights,
  FRAC_BITS,
  PUBLIC_SIGNAL_NAMES,
  releaseZkResources,
  REPLY_SCORE_WEIGHTS,
  verifyZkProof,
  ZK_ARTIFACT_FILES,
  ZK_CIRCUIT,
  ZkProver,
  type ZkManifest,
  type ZkVerifierArtifact,
} from '@app/zk';

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts?: Record<
    string,
    Record<
      string,
      { abi: JsonFragment[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }
    >
  >;
}
const solc = solcModule as unknown as { version(): string; compile(input: string): string };

const CONTRACT = 'ReplyScoreVerifier';
/** The same pins as libs/settlement's contracts: PUSH0-era chains, bytecode independent of solc's default. */
const EVM_VERSION = 'shanghai';
const OPTIMIZER_RUNS = 200;
const SAMPLE_REPLY = "Thanks for asking! I'd love to help you plan the trip.";

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(`--${name}`);
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const verbose = flag('verbose');
const logger: SnarkjsLogger = {
  debug: () => undefined,
  info: (m) => verbose && console.log(`  ${m}`),
  warn: (m) => console.warn(`  ${m}`),
  error: (m) => console.error(`  ${m}`),
};

function repositoryRoot(): string {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'libs', 'zk', 'circuits'))) return dir;
  }
  throw new Error(`Cannot find the repository root from ${__dirname}`);
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const entropy = (): string => randomBytes(32).toString('hex');

async function step<T>(label: string, run: () => Promise<T> | T): Promise<T> {
  const started = performance.now();
  process.stdout.write(`${label} ... `);
  const result = await run();
  console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

async function writeFormatted(file: string, text: string): Promise<void> {
  const config = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(text, { ...config, filepath: file }));
}

function compileCircuit(root: string, source: string, buildDir: string): void {
  const circomlib = dirname(dirname(require.resolve('circomlib/circuits/poseidon.circom')));
  const cli = require.resolve('circom2/cli.js');
  const argv = [cli, source, '--r1cs', '--wasm', '--O2', '-l', dirname(circomlib), '-o', buildDir];
  const result = spawnSync(process.execPath, argv, { cwd: root, stdio: verbose ? 'inherit' : 'pipe' });
  if (result.status !== 0) {
    throw new Error(`circom2 failed (${result.status}):\n${String(result.stdout)}${String(result.stderr)}`);
  }
}

async function localPtau(buildDir: string, power: number): Promise<string> {
  const final = join(buildDir, `pot${power}_final.ptau`);
  if (existsSync(final) && !flag('fresh-ptau')) return final;
  const curve = await curves.getCurveFromName('bn128');
  const p0 = join(buildDir, `pot${power}_0000.ptau`);
  const p1 = join(buildDir, `pot${power}_0001.ptau`);
  const pb = join(buildDir, `pot${power}_beacon.ptau`);
  await powersOfTau.newAccumulator(curve, power, p0, logger);
  await powersOfTau.contribute(p0, p1, 'twinproof dev contribution', entropy(), logger);
  await powersOfTau.beacon(p1, pb, 'twinproof dev beacon', entropy(), 10, logger);
  await powersOfTau.preparePhase2(pb, final, logger);
  return final;
}

function compileVerifier(source: string): { artifact: ZkVerifierArtifact; deployedBytes: number } {
  const sourceName = `${CONTRACT}.sol`;
  const input = {
    language: 'Solidity',
    sources: { [sourceName]: { content: source } },
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: OPTIMIZER_RUNS },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(`solc failed:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  const contract = output.contracts?.[sourceName]?.[CONTRACT];
  if (!contract) throw new Error(`solc produced no ${CONTRACT}`);
  const artifact = {
    contractName: CONTRACT,
    sourceName,
    abi: contract.abi,
    bytecode: '0x' + contract.evm.bytecode.object,
    deployedBytecode: '0x' + contract.evm.deployedBytecode.object,
    solcVersion: solc.version(),
    evmVersion: EVM_VERSION,
    optimizerRuns: OPTIMIZER_RUNS,
    sourceHash: '0x' + createHash('sha256').update(source, 'utf8').digest('hex'),
  };
  return { artifact, deployedBytes: contract.evm.deployedBytecode.object.length / 2 };
}

async function main(): Promise<void> {
  const root = repositoryRoot();
  const zkDir = join(root, 'libs', 'zk');
  const source = join(zkDir, 'circuits', `${ZK_CIRCUIT}.circom`);
  const buildDir = join(zkDir, 'build');
  const outDir = join(zkDir, 'artifacts');
  mkdirSync(buildDir, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  const at = (name: string): string => join(outDir, name);

  await step('compile circuit (circom2)', () =>
    compileCircuit(root, relative(root, source), relative(root, buildDir)),
  );
  const r1csFile = join(buildDir, `${ZK_CIRCUIT}.r1cs`);
  const info = await r1cs.info(r1csFile);
  if (info.nOutputs + info.nPubInputs !== PUBLIC_SIGNAL_NAMES.length) {
    throw new Error(
      `circuit has ${info.nOutputs + info.nPubInputs} public signals, the code expects ${PUBLIC_SIGNAL_NAMES.length}`,
    );
  }
  // Groth16's domain holds the constraints plus one per public signal and the constant one.
  const power = Math.max(8, Math.ceil(Math.log2(info.nConstraints + info.nPubInputs + info.nOutputs + 1)));
  console.log(
    `  ${info.nConstraints} constraints, ${info.nVars} wires, ${info.nPrvInputs} private inputs -> 2^${power}`,
  );

  const ptauOption = option('ptau');
  const ptau = ptauOption
    ? resolve(ptauOption)
    : await step(`local powers of tau 2^${power} (dev only)`, () => localPtau(buildDir, power));

  const z0 = join(buildDir, `${ZK_CIRCUIT}_0000.zkey`);
  const z1 = join(buildDir, `${ZK_CIRCUIT}_0001.zkey`);
  const zFinal = join(buildDir, ZK_ARTIFACT_FILES.zkey);
  await step('groth16 setup, contribution, beacon', async () => {
    if ((await zKey.newZKey(r1csFile, ptau, z0, logger)) === -1)
      throw new Error('zkey new failed (see above)');
    await zKey.contribute(z0, z1, 'twinproof dev contribution', entropy(), logger);
    await zKey.beacon(z1, zFinal, 'twinproof dev beacon', entropy(), 10, logger);
  });
  await step('verify final zkey against r1cs and ptau', async () => {
    if (!(await zKey.verifyFromR1cs(r1csFile, ptau, zFinal, logger))) throw new Error('zkey does not verify');
  });

  const vk = await zKey.exportVerificationKey(zFinal, logger);
  const template = readFileSync(
    join(dirname(require.resolve('snarkjs')), '..', 'templates', 'verifier_groth16.sol.ejs'),
    'utf8',
  );
  const solidity = (await zKey.exportSolidityVerifier(zFinal, { groth16: template }, logger)).replace(
    'contract Groth16Verifier',
    `contract ${CONTRACT}`,
  );
  const { artifact, deployedBytes } = await step('compile verifier (solc)', () => compileVerifier(solidity));
  console.log(`  ${CONTRACT}: ${deployedBytes} bytes deployed`);

  copyFileSync(join(buildDir, `${ZK_CIRCUIT}_js`, `${ZK_CIRCUIT}.wasm`), at(ZK_ARTIFACT_FILES.wasm));
  // circom's JS helpers are not needed (snarkjs runs the wasm) and would trip `prettier --check .`.
  rmSync(join(buildDir, `${ZK_CIRCUIT}_js`), { recursive: true, force: true });
  copyFileSync(zFinal, at(ZK_ARTIFACT_FILES.zkey));
  await writeFormatted(at(ZK_ARTIFACT_FILES.verificationKey), JSON.stringify(vk));
  writeFileSync(at(ZK_ARTIFACT_FILES.verifierSource), solidity);
  await writeFormatted(at(ZK_ARTIFACT_FILES.verifierArtifact), JSON.stringify(artifact));

  const files = Object.fromEntries(
    Object.values(ZK_ARTIFACT_FILES).map((name) => [
      name,
      { sha256: sha256(at(name)), bytes: statSync(at(name)).size },
    ]),
  );
  const packageVersion = (name: string): string =>
    (
      JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  const manifest: ZkManifest = {
    circuit: ZK_CIRCUIT,
    protocol: 'groth16',
    curve: 'bn128',
    compiler: {
      circom: `circom2 ${packageVersion('circom2')}`,
      snarkjs: packageVersion('snarkjs'),
      solc: solc.version(),
    },
    constraints: info.nConstraints,
    wires: info.nVars,
    privateInputs: info.nPrvInputs,
    publicSignals: [...PUBLIC_SIGNAL_NAMES],
    fixedPoint: { fracBits: FRAC_BITS, accBits: ACC_BITS },
    commitment: commitWeights(REPLY_SCORE_WEIGHTS).toString(),
    circuitHash: sha256(r1csFile),
    circuitSourceHash: sha256(source),
    verificationKeyHash: files[ZK_ARTIFACT_FILES.verificationKey].sha256,
    ptau: {
      power,
      source: ptauOption
        ? `prepared ptau ${relative(root, ptau)}`
        : 'local development ceremony (not for production)',
      sha256: sha256(ptau),
    },
    files,
    builtAt: new Date().toISOString(),
  };
  await writeFormatted(at('manifest.json'), JSON.stringify(manifest));
  for (const [name, file] of Object.entries(files)) console.log(`  ${name}: ${file.bytes} bytes`);

  const prover = new ZkProver({ artifactsDir: outDir });
  try {
    const bundle = await step('prove a sample reply', () => prover.prove(SAMPLE_REPLY));
    const ok = await step('verify it', () => verifyZkProof(bundle, SAMPLE_REPLY, { artifactsDir: outDir }));
    if (!ok) throw new Error('the fresh keys do not verify their own proof');
    console.log(`  score ${JSON.stringify(bundle.score)}, proving ${bundle.provingMs} ms`);
  } finally {
    await prover.close();
    await releaseZkResources();
  }
}

main().catch(async (error: unknown) => {
  console.error(error);
  await releaseZkResources();
  process.exit(1);
});
