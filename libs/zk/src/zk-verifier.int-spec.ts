import { startDevChain, type DevChain } from '@app/settlement';
import { Contract, ContractFactory, JsonRpcProvider, Wallet } from 'ethers';
import { loadVerifierArtifact, toSolidityCalldata } from './solidity-calldata';
import type { ZkProofBundle } from './zk-bundle';
import { ZkProver } from './zk-prover';

// The generated Solidity verifier on the dev chain: it must accept what verifyZkProof accepts and reject a changed
// score. It uses the run's chain (test/jest.global-setup.ts) with this worker's own key, or starts one of its own.
describe('ReplyScoreVerifier on the dev chain', () => {
  const prover = new ZkProver();
  let chain: DevChain | undefined;
  let provider: JsonRpcProvider;
  let verifier: Contract;
  let bundle: ZkProofBundle;

  beforeAll(async () => {
    chain = await startDevChain({ port: 0 });
    provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true });
    const artifact = loadVerifierArtifact();
    const factory = new ContractFactory(
      artifact.abi,
      artifact.bytecode,
      new Wallet(chain.accounts[0], provider),
    );
    const deployed = await factory.deploy();
    await deployed.waitForDeployment();
    verifier = new Contract(await deployed.getAddress(), artifact.abi, provider);
    bundle = await prover.prove('Great question! Here is what I would do: start small and measure.');
  });

  afterAll(async () => {
    provider?.destroy();
    await chain?.stop();
    await prover.close();
  });

  it('accepts a real proof', async () => {
    expect(await verifier.getFunction('verifyProof').staticCall(...(await toSolidityCalldata(bundle)))).toBe(
      true,
    );
  });

  it('rejects the same proof with a changed score', async () => {
    const publicSignals = [...bundle.publicSignals];
    publicSignals[0] = (BigInt(publicSignals[0]) + 1n).toString();
    const calldata = await toSolidityCalldata({ proof: bundle.proof, publicSignals });
    expect(await verifier.getFunction('verifyProof').staticCall(...calldata)).toBe(false);
  });
});
