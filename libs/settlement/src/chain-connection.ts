// Tuned for anchoring: requests go out at once (no batching timer), receipts are read directly (ethers' wait() polls
// every 4 s), and transport failures become ChainUnreachableError so a queue can retry.
import {
  FetchRequest,
  Network,
  Transaction,
  Wallet,
  type Filter,
  type Log,
  type TransactionReceipt,
} from 'ethers';
import { asChainError, fetchChainId } from './chain-rpc';
import { DirectJsonRpcProvider } from './direct-json-rpc-provider';
import { ConfirmationTimeoutError } from './settlement.errors';

export interface ChainConnectionOptions {
  rpcUrl: string;
  privateKey?: string;
  /** Blocks a transaction must be under before it counts as done; 1 means mined. */
  confirmations?: number;
  confirmationTimeoutMs?: number;
  requestTimeoutMs?: number;
}

interface Connected {
  provider: DirectJsonRpcProvider;
  chainId: number;
}

// Polling starts at once (automining has the receipt before the send returns), backing off to a gentle cap.
const MAX_POLL_INTERVAL_MS = 500;
// Unused gas is not charged, and some chains estimate slightly low.
const GAS_MARGIN_PERCENT = 120n;

export class ChainConnection {
  readonly rpcUrl: string;
  readonly confirmations: number;
  private readonly confirmationTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly signer?: Wallet;
  private connecting?: Promise<Connected>;
  // One transaction is prepared and broadcast at a time, so concurrent anchors never pick the same nonce.
  private sendTail: Promise<unknown> = Promise.resolve();

  constructor(options: ChainConnectionOptions) {
    this.rpcUrl = options.rpcUrl;
    this.confirmations = options.confirmations ?? 1;
    if (!Number.isInteger(this.confirmations) || this.confirmations < 1) {
      throw new Error(`confirmations must be a positive integer, not ${options.confirmations}`);
    }
    this.confirmationTimeoutMs = options.confirmationTimeoutMs ?? 120_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.signer = options.privateKey ? new Wallet(options.privateKey) : undefined;
  }

  get address(): string {
    return this.requireSigner().address;
  }

  async chainId(): Promise<number> {
    return (await this.connect()).chainId;
  }

  call(to: string, data: string): Promise<string> {
    return this.rpc((provider) => provider.call({ to, data }));
  }

  getCode(address: string): Promise<string> {
    return this.rpc((provider) => provider.getCode(address));
  }

  request(method: string, params: unknown[]): Promise<unknown> {
    return this.rpc((provider) => provider.send(method, params));
  }

  getLogs(filter: Filter): Promise<Log[]> {
    return this.rpc((provider) => provider.getLogs(filter));
  }

  getReceipt(txHash: string): Promise<TransactionReceipt | null> {
    return this.rpc((provider) => provider.getTransactionReceipt(txHash));
  }

  /** A revert found while estimating gas throws as ethers reports it; a mined revert returns with status 0. */
  async send(tx: { to?: string; data: string }): Promise<TransactionReceipt> {
    const signer = this.requireSigner();
    const { provider, chainId } = await this.connect();
    const txHash = await this.serialize(() =>
      this.rpc(async () => {
        const [nonce, gasEstimate, fees] = await Promise.all([
          provider.getTransactionCount(signer.address, 'pending'),
          provider.estimateGas({ ...tx, from: signer.address }),
          provider.getFeeData(),
        ]);
        const signed = await signer.signTransaction({
          ...tx,
          chainId,
          nonce,
          gasLimit: (gasEstimate * GAS_MARGIN_PERCENT) / 100n,
          ...(fees.maxFeePerGas !== null
            ? { type: 2, maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas }
            : { type: 0, gasPrice: fees.gasPrice }),
        });
        // Known before broadcasting: a node that mines but answers with an error (Hardhat, reverts) leaves a receipt.
        const hash = Transaction.from(signed).hash as string;
        try {
          await provider.send('eth_sendRawTransaction', [signed]);
        } catch (error) {
          if ((await provider.getTransactionReceipt(hash).catch(() => null)) === null) throw error;
        }
        return hash;
      }),
    );
    return this.confirm(txHash);
  }

  /** Polls the receipt (and the head, for more than one confirmation) until the transaction is deep enough. */
  async confirm(txHash: string): Promise<TransactionReceipt> {
    const deadline = Date.now() + this.confirmationTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const receipt = await this.getReceipt(txHash);
      if (receipt) {
        if (this.confirmations === 1) return receipt;
        const head = await this.rpc((provider) => provider.getBlockNumber());
        if (head - receipt.blockNumber + 1 >= this.confirmations) return receipt;
      }
      if (Date.now() >= deadline) throw new ConfirmationTimeoutError(txHash, this.confirmationTimeoutMs);
      await sleep(Math.min(2 ** attempt, MAX_POLL_INTERVAL_MS));
    }
  }

  close(): void {
    void this.connecting?.then(({ provider }) => provider.destroy()).catch(() => undefined);
    this.connecting = undefined;
  }

  private requireSigner(): Wallet {
    if (!this.signer) throw new Error('This connection has no private key and cannot send transactions');
    return this.signer;
  }

  private async rpc<T>(operation: (provider: DirectJsonRpcProvider) => Promise<T>): Promise<T> {
    const { provider } = await this.connect();
    try {
      return await operation(provider);
    } catch (error) {
      throw asChainError(error, this.rpcUrl);
    }
  }

  private connect(): Promise<Connected> {
    this.connecting ??= this.open().catch((error: unknown) => {
      // Forget the failure so the next call tries again: the chain may be back by then.
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  private async open(): Promise<Connected> {
    const chainId = await fetchChainId(this.rpcUrl, this.requestTimeoutMs);
    const network = Network.from(chainId);
    const request = new FetchRequest(this.rpcUrl);
    request.timeout = this.requestTimeoutMs;
    // Static network: no chain-id check per call. No cache: ethers answers a repeated request from the last 250 ms, so
    // a second anchor right after the first would reuse its nonce and gas estimate.
    const provider = new DirectJsonRpcProvider(request, network, {
      staticNetwork: network,
      cacheTimeout: -1,
    });
    return { provider, chainId };
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.sendTail.then(task, task);
    this.sendTail = run.catch(() => undefined);
    return run;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
