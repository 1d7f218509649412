// Merkle batches of receipts, as docs/receipts.md fixes them: OpenZeppelin's StandardMerkleTree with leaf encoding
// ['bytes32'] over each receipt's EIP-712 digest, so proofs also verify on chain with OpenZeppelin's MerkleProof.
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';

export const LEAF_ENCODING = ['bytes32'];

// The package does not export its dump type; it is this: { format: 'standard-v1', leafEncoding, tree, values }.
export type BatchTreeDump = ReturnType<StandardMerkleTree<[string]>['dump']>;

export interface InclusionProof {
  /** The digest's position in the list the tree was built from (not its position among the sorted leaves). */
  leafIndex: number;
  proof: string[];
}

export interface BatchTree {
  root: string;
  count: number;
  proofFor(digest: string): InclusionProof;
  proofAt(leafIndex: number): InclusionProof & { digest: string };
  dump(): BatchTreeDump;
}

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** Builds the tree for one batch. Digests are 0x-hex bytes32, compared case-insensitively, and must be distinct. */
export function buildBatchTree(digests: readonly string[]): BatchTree {
  if (digests.length === 0) throw new Error('A batch needs at least one receipt digest');
  const values = digests.map((digest, index): [string] => {
    if (!BYTES32.test(digest)) throw new Error(`Digest ${index} is not a 0x-prefixed bytes32: ${digest}`);
    return [digest.toLowerCase()];
  });
  // The library would build a tree with duplicates, but could then prove only one of them: refuse instead.
  const seen = new Set<string>();
  for (const [digest] of values) {
    if (seen.has(digest)) throw new Error(`Digest ${digest} appears twice in the batch`);
    seen.add(digest);
  }
  return wrap(StandardMerkleTree.of(values, LEAF_ENCODING));
}

export function loadBatchTree(dump: BatchTreeDump): BatchTree {
  return wrap(StandardMerkleTree.load(dump));
}

/** True when `proof` links `digest` to `root`; false (never a throw) for anything malformed. */
export function verifyInclusion(root: string, digest: string, proof: readonly string[]): boolean {
  if (!BYTES32.test(root) || !BYTES32.test(digest) || !proof.every((node) => BYTES32.test(node)))
    return false;
  // The library compares the root as text, so it is lower-cased to match the hashes it computes.
  return StandardMerkleTree.verify(root.toLowerCase(), LEAF_ENCODING, [digest.toLowerCase()], [...proof]);
}

function wrap(tree: StandardMerkleTree<[string]>): BatchTree {
  // Proofs are read straight off the tree's node array: the library's getProof re-hashes the leaf and re-verifies
  // the proof every time, ~0.8 ms a proof, which is 8 s for a batch of 10,000. merkle.spec.ts checks the two agree.
  const { tree: nodes, values } = tree.dump();
  const indexByDigest = new Map(values.map(({ value }, index) => [value[0].toLowerCase(), index]));
  const proofAt = (leafIndex: number) => {
    const entry = values[leafIndex];
    if (!Number.isInteger(leafIndex) || !entry)
      throw new Error(`No leaf ${leafIndex} in a batch of ${values.length}`);
    const proof: string[] = [];
    // The tree is an array with the root at 0 and the children of i at 2i+1 and 2i+2.
    for (let node = entry.treeIndex; node > 0; node = (node - 1) >> 1) {
      proof.push(nodes[node % 2 === 1 ? node + 1 : node - 1]);
    }
    return { leafIndex, digest: entry.value[0], proof };
  };
  return {
    root: tree.root,
    count: tree.length,
    proofFor(digest) {
      if (!BYTES32.test(digest)) throw new Error(`Not a 0x-prefixed bytes32: ${digest}`);
      const leafIndex = indexByDigest.get(digest.toLowerCase());
      if (leafIndex === undefined) throw new Error(`Digest ${digest} is not in the batch`);
      const { proof } = proofAt(leafIndex);
      return { leafIndex, proof };
    },
    proofAt,
    dump: () => tree.dump(),
  };
}
