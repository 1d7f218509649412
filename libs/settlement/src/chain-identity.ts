// What a settlement worker checks before each batch: that the chain is the one its recorded anchors are on.
import { keccak256 } from 'ethers';
import type { ChainConnection } from './chain-connection';
import { loadArtifact } from './contract-artifact';
import { redactRpcUrl } from './redact-rpc-url';
import { SettlementError, SettlementErrorCode } from './settlement.errors';

export interface ChainIdentity {
  chainId: number;
  /** Changes when a dev chain restarts: its genesis block carries the start time. */
  genesisHash: string;
  codeHash: string | null;
}

let receiptAnchorCodeHash: string | undefined;

export function expectedAnchorCodeHash(): string {
  receiptAnchorCodeHash ??= keccak256(loadArtifact('ReceiptAnchor').deployedBytecode);
  return receiptAnchorCodeHash;
}

export async function readChainIdentity(
  chain: ChainConnection,
  contractAddress: string,
): Promise<ChainIdentity> {
  const [chainId, genesis, code] = await Promise.all([
    chain.request('eth_chainId', []),
    chain.request('eth_getBlockByNumber', ['0x0', false]),
    chain.getCode(contractAddress),
  ]);
  const genesisHash = (genesis as { hash?: unknown } | null)?.hash;
  if (typeof chainId !== 'string' || typeof genesisHash !== 'string')
    throw new Error(
      `The chain at ${redactRpcUrl(chain.rpcUrl)} did not report its chain id and genesis block`,
    );
  return {
    chainId: Number(BigInt(chainId)),
    genesisHash,
    codeHash: code === '0x' ? null : keccak256(code),
  };
}

/** The anchor address holds something other than ReceiptAnchor, or the RPC URL now serves another chain. */
export class WrongChainError extends SettlementError {
  readonly code = SettlementErrorCode.WRONG_CHAIN;
  // An operator's mistake, or a dev chain coming back: worth retrying with backoff rather than failing the batch.
  readonly retryable = true;
}
