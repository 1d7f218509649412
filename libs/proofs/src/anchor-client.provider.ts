import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { AnchorClient, DEV_ACCOUNTS, DEV_CHAIN_ID } from '@app/settlement';

/** One chain client per process, made on first use so a process that never anchors never dials the chain. */
@Injectable()
export class AnchorClientProvider implements OnModuleDestroy {
  private client?: AnchorClient;

  constructor(private readonly config: AppConfig) {}

  get(): AnchorClient {
    const { rpcUrl, privateKey, anchorContract, confirmations } = this.config.chain;
    this.client ??= new AnchorClient({ rpcUrl, privateKey, contractAddress: anchorContract, confirmations });
    return this.client;
  }

  /** Hardhat's dev keys are public: on any chain but the dev chain, anchoring with one would hand it to anyone. */
  async assertSafeKey(): Promise<number> {
    const chainId = await this.get().chainId();
    if (
      chainId !== DEV_CHAIN_ID &&
      DEV_ACCOUNTS.some((account) => account.privateKey === this.config.chain.privateKey)
    )
      throw new Error(`Chain ${chainId} is not the dev chain: set CHAIN_PRIVATE_KEY to a key of your own.`);
    return chainId;
  }

  onModuleDestroy(): void {
    this.client?.close();
  }
}
