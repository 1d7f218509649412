import { Injectable, Logger } from '@nestjs/common';
import { buildBatchTree } from '@app/settlement';
import { AnchorClientProvider } from './anchor-client.provider';
import { ChainResetRecovery } from './chain-reset-recovery.service';
import { ProofEvents } from './proof-events';
import { ProofsRepository } from './proofs.repository';

export type AnchorOutcome = 'anchored' | 'already-anchored' | 'unknown-batch' | 'empty';

/**
 * Seal, build the tree, anchor, record proofs. Safe to rerun after a crash at any line: the root is stored before the
 * transaction is sent, and the chain client treats a root already on chain as anchored.
 */
@Injectable()
export class BatchSettlementService {
  private readonly logger = new Logger(BatchSettlementService.name);

  constructor(
    private readonly proofs: ProofsRepository,
    private readonly chain: AnchorClientProvider,
    private readonly events: ProofEvents,
    private readonly recovery: ChainResetRecovery,
  ) {}

  async anchor(batchId: string): Promise<AnchorOutcome> {
    const sealed = await this.proofs.sealBatch(batchId);
    if (!sealed) return 'unknown-batch';
    const { batch, leaves, manifests } = sealed;
    if (batch.status === 'anchored') return 'already-anchored';
    if (leaves.length === 0) return 'empty';
    // Receipts and hub manifest digests (docs/hub.md) under one root: the registry's history is anchored with them.
    const tree = buildBatchTree([...leaves.map((leaf) => leaf.digest), ...manifests.map((m) => m.digest)]);
    if (batch.root && batch.root !== tree.root)
      throw new Error(`Batch ${batch.number} changed after its root was recorded; refusing to anchor it.`);
    const chainId = await this.chain.assertSafeKey();
    // The chain must be the one the earlier roots are on (a restarted dev chain gets them back first).
    await this.recovery.ensureAnchorsKept();
    const client = this.chain.get();
    await this.proofs.setRoot(batchId, tree.root, chainId, client.contractAddress);
    // `count` is every leaf's, manifests too: a verifier checks a proof's leaf index against it (a receipt sorted after
    // a manifest has an index past the receipts' count). The batch row keeps it for a re-anchoring after a chain reset.
    const count = leaves.length + manifests.length;
    const tx = await client.anchor(batch.number, tree.root, count, `twinproof:batch:${batch.id}`);
    const proved = leaves.map((leaf) => ({ leaf, inferenceId: leaf.id, ...tree.proofFor(leaf.digest) }));
    await this.proofs.markAnchored(
      batchId,
      { txHash: tx.txHash, blockNumber: tx.blockNumber, root: tree.root, count },
      proved,
      manifests.map((manifest) => ({ ...manifest, ...tree.proofFor(manifest.digest) })),
    );
    this.logger.log(
      `Batch ${batch.number} anchored: ${leaves.length} receipts, ${manifests.length} manifests, block ${tx.blockNumber}`,
    );
    for (const { leaf, leafIndex } of proved) {
      this.events.update({
        inferenceId: leaf.id,
        messageId: leaf.messageId,
        conversationId: leaf.conversationId,
        // A reply a spot check disputed stays disputed when its batch anchors (the record does too): the client
        // learns where it is anchored without being told it is fine.
        status: leaf.status === 'disputed' ? 'disputed' : 'anchored',
        batch: {
          root: tree.root,
          leafIndex,
          chainId,
          txHash: tx.txHash,
          blockNumber: tx.blockNumber,
        },
      });
    }
    return 'anchored';
  }
}
