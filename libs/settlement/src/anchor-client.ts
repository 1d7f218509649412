// `anchor` is idempotent, so a queue job may retry it after any failure, a crash after sending included.
import { ErrorDescription, isError } from 'ethers';
import {
  AnchorReader,
  parseAnchored,
  requireBatchId,
  requireBytes32,
  type AnchorRecord,
} from './anchor-reader';
import { ChainConnection, type ChainConnectionOptions } from './chain-connection';
import { loadArtifact } from './contract-artifact';
import { receiptAnchorInterface } from './receipt-anchor.abi';
import {
  AnchorRevertedError,
  BatchConflictError,
  ContractNotDeployedError,
  InvalidAnchorInputError,
  SettlementError,
  TransactionRejectedError,
} from './settlement.errors';

export interface AnchorClientOptions extends ChainConnectionOptions {
  privateKey: string;
  contractAddress: string;
}

export interface TxInfo {
  txHash: string;
  blockNumber: number;
  gasUsed: number;
}

export interface AnchorResult extends AnchorRecord {
  gasUsed: number;
  /** True when the root was on chain before this call, which then sent nothing. */
  alreadyAnchored: boolean;
}

const MAX_UINT32 = 2 ** 32 - 1;

export class AnchorClient extends AnchorReader {
  deployment?: TxInfo;
  private deployedChecked = false;

  constructor(options: AnchorClientOptions) {
    super(options, new ChainConnection(options));
  }

  static async deploy(options: Omit<AnchorClientOptions, 'contractAddress'>): Promise<AnchorClient> {
    const chain = new ChainConnection(options);
    try {
      const receipt = await chain.send({ data: loadArtifact('ReceiptAnchor').bytecode });
      if (receipt.status !== 1 || !receipt.contractAddress) {
        throw new AnchorRevertedError('deployment failed', receipt.hash);
      }
      const client = new AnchorClient({ ...options, contractAddress: receipt.contractAddress });
      client.deployment = {
        txHash: receipt.hash,
        blockNumber: receipt.blockNumber,
        gasUsed: Number(receipt.gasUsed),
      };
      return client;
    } finally {
      chain.close();
    }
  }

  /** The account that signs anchors; it must be the owner or an allowed anchorer. */
  get signerAddress(): string {
    return this.chain.address;
  }

  /** A root already anchored returns, `alreadyAnchored: true`; a batch id used for another root: BatchConflictError. */
  async anchor(batchId: number, root: string, count: number, uri: string): Promise<AnchorResult> {
    requireBatchId(batchId);
    requireBytes32(root, 'root');
    if (/^0x0+$/.test(root)) throw new InvalidAnchorInputError('root must not be zero');
    if (!Number.isInteger(count) || count < 1 || count > MAX_UINT32) {
      throw new InvalidAnchorInputError(`count must be an integer from 1 to ${MAX_UINT32}, not ${count}`);
    }
    await this.requireDeployed();

    const data = receiptAnchorInterface.encodeFunctionData('anchor', [batchId, root, count, uri]);
    let receipt;
    try {
      // Gas estimation runs the call first, so a root or batch already on chain is caught before anything is sent.
      receipt = await this.chain.send({ to: this.contractAddress, data });
    } catch (error) {
      if (error instanceof SettlementError) throw error;
      return this.settleRefusal(error, batchId, root);
    }
    if (receipt.status !== 1) return this.settleRefusal(undefined, batchId, root, receipt.hash);

    const log = receipt.logs.find((entry) => entry.address === this.contractAddress);
    // Success without our event means no contract at the address (a dev chain restarted empty): not done.
    if (!log) throw new ContractNotDeployedError(this.contractAddress, await this.chainId());
    return { ...parseAnchored(log), gasUsed: Number(receipt.gasUsed), alreadyAnchored: false };
  }

  async setAnchorer(account: string, allowed: boolean): Promise<TxInfo> {
    await this.requireDeployed();
    const data = receiptAnchorInterface.encodeFunctionData('setAnchorer', [account, allowed]);
    try {
      const receipt = await this.chain.send({ to: this.contractAddress, data });
      if (receipt.status !== 1) throw new AnchorRevertedError('setAnchorer reverted', receipt.hash);
      return { txHash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: Number(receipt.gasUsed) };
    } catch (error) {
      if (error instanceof SettlementError) throw error;
      throw refusalError(error);
    }
  }

  private async requireDeployed(): Promise<void> {
    if (this.deployedChecked) return;
    if (!(await this.isDeployed()))
      throw new ContractNotDeployedError(this.contractAddress, await this.chainId());
    this.deployedChecked = true;
  }

  // The chain's state, not the error text, decides: a root already there is success for an idempotent caller.
  private async settleRefusal(
    error: unknown,
    batchId: number,
    root: string,
    txHash?: string,
  ): Promise<AnchorResult> {
    const existing = await this.findAnchor(root);
    if (existing) {
      const original = await this.chain.getReceipt(existing.txHash);
      return { ...existing, gasUsed: Number(original?.gasUsed ?? 0n), alreadyAnchored: true };
    }
    const anchoredRoot = await this.batchRoot(batchId);
    if (anchoredRoot) throw new BatchConflictError(batchId, anchoredRoot, root);
    if (error === undefined) throw new AnchorRevertedError('reverted on chain', txHash);
    throw refusalError(error, txHash);
  }
}

/** A revert becomes AnchorRevertedError with the contract's custom error spelt out; other refusals are retryable. */
function refusalError(error: unknown, txHash?: string): SettlementError {
  if (isError(error, 'CALL_EXCEPTION')) {
    return new AnchorRevertedError(describeRevert(error.data) ?? error.shortMessage, txHash, error);
  }
  return new TransactionRejectedError(error);
}

function describeRevert(data: string | null | undefined): string | undefined {
  if (!data) return undefined;
  let description: ErrorDescription | null = null;
  try {
    description = receiptAnchorInterface.parseError(data);
  } catch {
    return undefined;
  }
  if (!description) return undefined;
  return `${description.name}(${description.args.map((arg) => String(arg)).join(', ')})`;
}
