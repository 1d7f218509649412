import { Injectable, Logger } from '@nestjs/common';
import {
  ContractNotDeployedError,
  DEV_CHAIN_ID,
  expectedAnchorCodeHash,
  WrongChainError,
  type AnchorClient,
  redactRpcUrl,
} from '@app/settlement';
import { AnchorClientProvider } from './anchor-client.provider';
import { AnchoredBatchesRepository } from './anchored-batches.repository';

/**
 * A restarted dev chain has forgotten every root anchored before. Before each batch and on the sweep, when the chain's
 * identity changed and the newest recorded root is gone, every recorded root is anchored again, in batch order.
 */
@Injectable()
export class ChainResetRecovery {
  private readonly logger = new Logger(ChainResetRecovery.name);
  /** The chain incarnation whose anchors were last found complete. */
  private checked?: string;
  private running?: Promise<number>;

  constructor(
    private readonly chain: AnchorClientProvider,
    private readonly batches: AnchoredBatchesRepository,
  ) {}

  /** Throws WrongChainError when the chain is not one to anchor on; returns how many roots it anchored again. */
  ensureAnchorsKept(): Promise<number> {
    // One check at a time: the sweep and a settlement job may ask together.
    this.running ??= this.check().finally(() => (this.running = undefined));
    return this.running;
  }

  private async check(): Promise<number> {
    const client = this.chain.get();
    const [identity, connectedChainId] = await Promise.all([client.identity(), client.chainId()]);
    if (identity.chainId !== connectedChainId)
      throw new WrongChainError(
        `The chain at ${redactRpcUrl(client.rpcUrl)} is now chain ${identity.chainId}, not ${connectedChainId}; restart the worker.`,
      );
    if (identity.codeHash === null)
      throw new ContractNotDeployedError(client.contractAddress, identity.chainId);
    if (identity.codeHash !== expectedAnchorCodeHash())
      throw new WrongChainError(
        `${client.contractAddress} on chain ${identity.chainId} is not ReceiptAnchor (its code differs).`,
      );
    const incarnation = `${identity.chainId}:${identity.genesisHash}`;
    if (incarnation === this.checked || identity.chainId !== DEV_CHAIN_ID) {
      this.checked = incarnation;
      return 0;
    }
    const replayed = await this.reanchorIfForgotten(client, identity.chainId);
    if (replayed > 0)
      this.logger.warn(
        `The dev chain restarted (genesis ${identity.genesisHash}): anchored ${replayed} earlier batch root(s) again`,
      );
    this.checked = incarnation;
    return replayed;
  }

  private async reanchorIfForgotten(client: AnchorClient, chainId: number): Promise<number> {
    const latest = await this.batches.latest(chainId, client.contractAddress);
    // A reset forgets everything, so the newest root answers for all of them.
    if (!latest || (await client.anchoredAt(latest.root)) !== 0) return 0;
    let replayed = 0;
    for (const batch of await this.batches.all(chainId, client.contractAddress)) {
      const anchored = await client.anchor(
        batch.number,
        batch.root,
        batch.count,
        `twinproof:batch:${batch.id}`,
      );
      if (anchored.blockNumber === batch.blockNumber) continue;
      await this.batches.moveAnchoring(batch.id, anchored.txHash, anchored.blockNumber);
      replayed++;
    }
    return replayed;
  }
}
