import { getAddress, JsonRpcProvider, keccak256, Network } from 'ethers';
import {
  fetchChainId,
  loadArtifact,
  receiptAnchorInterface,
  redactRpcUrl,
  redactRpcUrlIn,
} from '@app/settlement';
import type { BundleBatch } from '../bundle';
import { CheckResult, fail, pass } from './verification.types';

/**
 * Trusts nothing the bundle claims: the contract must run ReceiptAnchor's exact code (or be the pinned one), and the
 * transaction must be a successful call in the stated block emitting Anchored for this root, as the contract records.
 */
export class ChainReader {
  private provider?: JsonRpcProvider;
  private readonly anchorCodeHash = keccak256(loadArtifact('ReceiptAnchor').deployedBytecode);

  constructor(
    readonly rpcUrl: string,
    /** A contract address the verifier trusts; when given, the bundle must name exactly this one. */
    private readonly pinnedContract?: string,
  ) {}

  async checkAnchor(batch: BundleBatch): Promise<CheckResult> {
    try {
      const chainId = await fetchChainId(this.rpcUrl, 10_000);
      if (chainId !== batch.chainId)
        return fail(
          'anchored-on-chain',
          `${redactRpcUrl(this.rpcUrl)} is chain ${chainId}, the bundle says ${batch.chainId}`,
        );
      this.provider ??= new JsonRpcProvider(this.rpcUrl, Network.from(chainId), { staticNetwork: true });
      const contract = getAddress(batch.contract);
      if (this.pinnedContract && contract !== getAddress(this.pinnedContract))
        return fail(
          'anchored-on-chain',
          `the bundle names contract ${contract}, not the trusted ${this.pinnedContract}`,
        );
      const code = await this.provider.getCode(contract);
      if (keccak256(code) !== this.anchorCodeHash)
        return fail('anchored-on-chain', `${contract} does not run the ReceiptAnchor contract`);
      const [recorded] = receiptAnchorInterface.decodeFunctionResult(
        'anchoredAt',
        await this.provider.call({
          to: contract,
          data: receiptAnchorInterface.encodeFunctionData('anchoredAt', [batch.root]),
        }),
      );
      if (Number(recorded) === 0)
        return fail('anchored-on-chain', `ReceiptAnchor has no record of root ${batch.root}`);
      if (Number(recorded) !== batch.blockNumber)
        return fail(
          'anchored-on-chain',
          `the root was anchored in block ${recorded}, the bundle says ${batch.blockNumber}`,
        );
      const tx = await this.provider.getTransactionReceipt(batch.txHash);
      if (
        !tx ||
        tx.status !== 1 ||
        tx.blockNumber !== batch.blockNumber ||
        !tx.to ||
        getAddress(tx.to) !== contract
      )
        return fail(
          'anchored-on-chain',
          `transaction ${batch.txHash} is not the successful anchoring call in block ${batch.blockNumber}`,
        );
      const event = tx.logs
        .filter((log) => getAddress(log.address) === contract)
        .map((log) => receiptAnchorInterface.parseLog(log))
        .find(
          (parsed) =>
            parsed?.name === 'Anchored' &&
            String(parsed.args.root).toLowerCase() === batch.root.toLowerCase(),
        );
      if (!event)
        return fail('anchored-on-chain', `transaction ${batch.txHash} did not anchor root ${batch.root}`);
      const count = Number(event.args.count);
      if (batch.leafIndex < 0 || batch.leafIndex >= count)
        return fail(
          'anchored-on-chain',
          `leaf index ${batch.leafIndex} is outside the anchored batch of ${count}`,
        );
      return pass(
        'anchored-on-chain',
        `root anchored by ReceiptAnchor ${contract} in block ${batch.blockNumber} of chain ${chainId} (batch ${event.args.batchId}, ${count} receipts)`,
      );
    } catch (error) {
      return fail(
        'anchored-on-chain',
        `could not read the chain at ${redactRpcUrl(this.rpcUrl)}: ${redactRpcUrlIn(String(error), this.rpcUrl)}`,
      );
    }
  }

  close(): void {
    this.provider?.destroy();
  }
}
