// Read-only access to a deployed ReceiptAnchor: what the api and an offline verifier need, with no key.
import { getAddress, ZeroHash, type Log } from 'ethers';
import { ChainConnection } from './chain-connection';
import { receiptAnchorInterface } from './receipt-anchor.abi';
import { ContractNotDeployedError, InvalidAnchorInputError } from './settlement.errors';
import { readChainIdentity, type ChainIdentity } from './chain-identity';

export interface AnchorRecord {
  batchId: number;
  root: string;
  txHash: string;
  blockNumber: number;
  count: number;
  uri: string;
}

export interface AnchorReaderOptions {
  rpcUrl: string;
  contractAddress: string;
  requestTimeoutMs?: number;
}

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const ANCHORED_TOPIC = receiptAnchorInterface.getEvent('Anchored')!.topicHash;

export class AnchorReader {
  readonly contractAddress: string;

  constructor(
    options: AnchorReaderOptions,
    protected readonly chain: ChainConnection = new ChainConnection(options),
  ) {
    this.contractAddress = getAddress(options.contractAddress);
  }

  get rpcUrl(): string {
    return this.chain.rpcUrl;
  }

  chainId(): Promise<number> {
    return this.chain.chainId();
  }

  identity(): Promise<ChainIdentity> {
    return readChainIdentity(this.chain, this.contractAddress);
  }

  async isDeployed(): Promise<boolean> {
    return (await this.chain.getCode(this.contractAddress)) !== '0x';
  }

  /** The block the root was anchored in, or 0 if it never was. */
  async anchoredAt(root: string): Promise<number> {
    const blockNumber = (await this.read('anchoredAt', [requireBytes32(root, 'root')])) as bigint;
    return Number(blockNumber);
  }

  /** The root anchored for a batch id, or null if the id is unused. */
  async batchRoot(batchId: number): Promise<string | null> {
    const root = (await this.read('batchRoot', [requireBatchId(batchId)])) as string;
    return root === ZeroHash ? null : root;
  }

  /** Where and how a root was anchored, from its Anchored event, or null if it never was. */
  async findAnchor(root: string): Promise<AnchorRecord | null> {
    const blockNumber = await this.anchoredAt(root);
    if (blockNumber === 0) return null;
    // anchoredAt names the block, so the log query spans one block: cheap, and within any provider's range limit.
    const logs = await this.chain.getLogs({
      address: this.contractAddress,
      topics: [ANCHORED_TOPIC, null, root.toLowerCase()],
      fromBlock: blockNumber,
      toBlock: blockNumber,
    });
    const log = logs.find((entry) => !entry.removed);
    if (!log)
      throw new Error(`Root ${root} is anchored at block ${blockNumber} but its Anchored event is missing`);
    return parseAnchored(log);
  }

  close(): void {
    this.chain.close();
  }

  private async read(name: 'anchoredAt' | 'batchRoot', args: unknown[]): Promise<unknown> {
    const data = await this.chain.call(
      this.contractAddress,
      receiptAnchorInterface.encodeFunctionData(name, args),
    );
    if (data === '0x' && !(await this.isDeployed())) {
      throw new ContractNotDeployedError(this.contractAddress, await this.chainId());
    }
    return receiptAnchorInterface.decodeFunctionResult(name, data)[0];
  }
}

export function parseAnchored(log: Log): AnchorRecord {
  const parsed = receiptAnchorInterface.parseLog(log);
  if (!parsed || parsed.name !== 'Anchored')
    throw new Error(`Log ${log.index} of ${log.transactionHash} is not Anchored`);
  return {
    batchId: toSafeNumber(parsed.args.getValue('batchId') as bigint),
    root: parsed.args.getValue('root') as string,
    count: Number(parsed.args.getValue('count') as bigint),
    uri: parsed.args.getValue('uri') as string,
    txHash: log.transactionHash,
    blockNumber: log.blockNumber,
  };
}

export function requireBytes32(value: string, what: string): string {
  if (!BYTES32.test(value))
    throw new InvalidAnchorInputError(`${what} must be a 0x-prefixed bytes32, not ${value}`);
  return value.toLowerCase();
}

export function requireBatchId(batchId: number): number {
  if (!Number.isSafeInteger(batchId) || batchId < 0) {
    throw new InvalidAnchorInputError(`batchId must be a non-negative safe integer, not ${batchId}`);
  }
  return batchId;
}

function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new Error(`Batch id ${value} exceeds Number.MAX_SAFE_INTEGER`);
  return Number(value);
}
