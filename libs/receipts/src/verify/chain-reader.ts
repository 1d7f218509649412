import { Contract, JsonRpcProvider } from 'ethers';
import { RECEIPT_ANCHOR_ABI } from '@app/settlement';
import type { BundleBatch } from '../bundle';
import { CheckResult, fail, pass } from './verification.types';

/** Asks a chain, over plain JSON-RPC, whether a batch's root was anchored where the bundle says. */
export class ChainReader {
  private readonly provider: JsonRpcProvider;

  constructor(readonly rpcUrl: string) {
    this.provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: false });
  }

  async checkAnchor(batch: BundleBatch): Promise<CheckResult> {
    try {
      const network = await this.provider.getNetwork();
      if (Number(network.chainId) !== batch.chainId)
        return fail(
          'anchored-on-chain',
          `${this.rpcUrl} is chain ${network.chainId}, the bundle says ${batch.chainId}`,
        );
      const contract = new Contract(batch.contract, RECEIPT_ANCHOR_ABI, this.provider);
      const anchoredAt = Number(await contract.getFunction('anchoredAt').staticCall(batch.root));
      if (anchoredAt === 0)
        return fail('anchored-on-chain', `contract ${batch.contract} has no record of root ${batch.root}`);
      if (anchoredAt !== batch.blockNumber)
        return fail(
          'anchored-on-chain',
          `the root was anchored in block ${anchoredAt}, the bundle says ${batch.blockNumber}`,
        );
      return pass(
        'anchored-on-chain',
        `root anchored by ${batch.contract} in block ${anchoredAt} of chain ${batch.chainId}`,
      );
    } catch (error) {
      return fail('anchored-on-chain', `could not read the chain at ${this.rpcUrl}: ${String(error)}`);
    }
  }

  close(): void {
    this.provider.destroy();
  }
}
