import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { id } from 'ethers';
import { buildBatchTree, LEAF_ENCODING, loadBatchTree, verifyInclusion } from './merkle';

const digests = (n: number, salt = 'receipt') => Array.from({ length: n }, (_, i) => id(`${salt} ${i}`));

describe('buildBatchTree', () => {
  const batch = digests(13);
  const tree = buildBatchTree(batch);

  it('proves every receipt of the batch, with leafIndex = its position in the list given', () => {
    batch.forEach((digest, index) => {
      const { leafIndex, proof } = tree.proofFor(digest);
      expect(leafIndex).toBe(index);
      expect(verifyInclusion(tree.root, digest, proof)).toBe(true);
      expect(tree.proofAt(index)).toEqual({ leafIndex: index, digest, proof });
    });
    expect(tree.count).toBe(13);
  });

  it('agrees with StandardMerkleTree itself, which OpenZeppelin’s MerkleProof.sol also accepts', () => {
    const reference = StandardMerkleTree.of(
      batch.map((digest) => [digest]),
      ['bytes32'],
    );
    expect(tree.root).toBe(reference.root);
    batch.forEach((digest, index) => {
      const { proof } = tree.proofFor(digest);
      expect(proof).toEqual(reference.getProof(index));
      expect(StandardMerkleTree.verify(tree.root, LEAF_ENCODING, [digest], proof)).toBe(true);
    });
  });

  it('does not depend on how the digests are capitalised', () => {
    const upper = batch.map((digest) => '0x' + digest.slice(2).toUpperCase());
    expect(buildBatchTree(upper).root).toBe(tree.root);
    expect(tree.proofFor(upper[2]).leafIndex).toBe(2);
    expect(
      verifyInclusion(tree.root.toUpperCase().replace('0X', '0x'), upper[2], tree.proofFor(batch[2]).proof),
    ).toBe(true);
  });

  it('survives a dump and reload, as a worker storing the tree would need', () => {
    const reloaded = loadBatchTree(JSON.parse(JSON.stringify(tree.dump())) as ReturnType<typeof tree.dump>);
    expect(reloaded.root).toBe(tree.root);
    expect(reloaded.proofFor(batch[5])).toEqual(tree.proofFor(batch[5]));
  });

  it('proves a batch of one with an empty proof', () => {
    const single = buildBatchTree([batch[0]]);
    expect(single.proofFor(batch[0])).toEqual({ leafIndex: 0, proof: [] });
    expect(verifyInclusion(single.root, batch[0], [])).toBe(true);
  });

  it('refuses an empty batch, malformed digests and duplicates', () => {
    expect(() => buildBatchTree([])).toThrow(/at least one/);
    expect(() => buildBatchTree(['0x1234'])).toThrow(/bytes32/);
    expect(() => buildBatchTree([batch[0], batch[1], batch[0].toUpperCase().replace('0X', '0x')])).toThrow(
      /twice/,
    );
    expect(() => tree.proofFor(id('not in the batch'))).toThrow(/not in the batch/);
  });

  it('builds a 10,000-receipt batch whose proofs are 14 hashes long', () => {
    const big = digests(10_000, 'big');
    const bigTree = buildBatchTree(big);
    const { leafIndex, proof } = bigTree.proofFor(big[9_999]);
    expect(leafIndex).toBe(9_999);
    expect(proof.length).toBeLessThanOrEqual(14);
    expect(verifyInclusion(bigTree.root, big[9_999], proof)).toBe(true);
  });
});

describe('verifyInclusion', () => {
  const batch = digests(16);
  const tree = buildBatchTree(batch);
  const { proof } = tree.proofFor(batch[4]);
  const flip = (hex: string) => hex.slice(0, -1) + (hex.endsWith('0') ? '1' : '0');

  it('rejects a tampered digest, proof or root', () => {
    expect(verifyInclusion(tree.root, flip(batch[4]), proof)).toBe(false);
    expect(verifyInclusion(tree.root, batch[5], proof)).toBe(false);
    expect(verifyInclusion(tree.root, batch[4], [flip(proof[0]), ...proof.slice(1)])).toBe(false);
    expect(verifyInclusion(tree.root, batch[4], proof.slice(1))).toBe(false);
    expect(verifyInclusion(tree.root, batch[4], [...proof].reverse())).toBe(false);
    expect(verifyInclusion(flip(tree.root), batch[4], proof)).toBe(false);
    expect(verifyInclusion(buildBatchTree(digests(16, 'other')).root, batch[4], proof)).toBe(false);
  });

  it('answers false, not an exception, for malformed input', () => {
    expect(verifyInclusion('0x12', batch[4], proof)).toBe(false);
    expect(verifyInclusion(tree.root, 'not hex', proof)).toBe(false);
    expect(verifyInclusion(tree.root, batch[4], ['0xzz'])).toBe(false);
  });
});
