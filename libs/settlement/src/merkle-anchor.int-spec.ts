import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { Contract, id, JsonRpcProvider } from 'ethers';
import { AnchorClient } from './anchor-client';
import { DevChain, startDevChain } from './dev-chain';
import { buildBatchTree } from './merkle';

// What a client of docs/receipts.md does with a bundle: check the receipt's inclusion in the batch, then check the batch's
// root on chain, using only public libraries and the contract's published interface.
describe('a batch of receipts, end to end', () => {
  let chain: DevChain;
  let client: AnchorClient;

  beforeAll(async () => {
    chain = await startDevChain();
    client = await AnchorClient.deploy({ rpcUrl: chain.rpcUrl, privateKey: chain.accounts[0] });
  });

  afterAll(async () => {
    client?.close();
    await chain?.stop();
  });

  it('anchors a 100-receipt tree whose every leaf an outsider can verify against the chain', async () => {
    const digests = Array.from({ length: 100 }, (_, i) => id(`receipt ${i}`));
    const tree = buildBatchTree(digests);
    const anchored = await client.anchor(7, tree.root, digests.length, 'twinproof:batch:7');
    const { leafIndex, proof } = tree.proofFor(digests[42]);
    const bundle = {
      digest: digests[42],
      batch: {
        root: tree.root,
        leafIndex,
        proof,
        contract: client.contractAddress,
        blockNumber: anchored.blockNumber,
      },
    };

    // The outsider: OpenZeppelin's verifier and plain ethers, nothing from this library.
    expect(bundle.batch.leafIndex).toBe(42);
    expect(
      StandardMerkleTree.verify(bundle.batch.root, ['bytes32'], [bundle.digest], bundle.batch.proof),
    ).toBe(true);
    expect(StandardMerkleTree.verify(bundle.batch.root, ['bytes32'], [digests[43]], bundle.batch.proof)).toBe(
      false,
    );
    const provider = new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true });
    try {
      const anchor = new Contract(
        bundle.batch.contract,
        ['function anchoredAt(bytes32 root) view returns (uint64 blockNumber)'],
        provider,
      );
      expect(await anchor.anchoredAt(bundle.batch.root)).toBe(BigInt(bundle.batch.blockNumber));
      expect(await anchor.anchoredAt(id('a root nobody anchored'))).toBe(0n);
    } finally {
      provider.destroy();
    }
  });
});
