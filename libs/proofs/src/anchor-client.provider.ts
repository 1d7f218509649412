import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { AnchorClient } from '@app/settlement';

/** One chain client per process, made on first use so a process that never anchors never dials the chain. */
@Injectable()
export class AnchorClientProvider implements OnModuleDestroy {
  private client?: AnchorClient;

  constructor(private readonly config: AppConfig) {}

  get(): AnchorClient {
    const { rpcUrl, privateKey, anchorContract } = this.config.chain;
    this.client ??= new AnchorClient({ rpcUrl, privateKey, contractAddress: anchorContract });
    return this.client;
  }

  onModuleDestroy(): void {
    this.client?.close();
  }
}
