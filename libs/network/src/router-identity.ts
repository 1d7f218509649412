import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { Wallet } from 'ethers';
import { loadOrCreateKey } from './key-file';

/** The api's router key: nodes accept inference calls signed by it and by nothing else (docs/network.md). */
@Injectable()
export class RouterIdentity implements OnModuleInit {
  private wallet?: Wallet;

  constructor(private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    const { routerPrivateKey, routerKeyFile } = this.config.network;
    this.wallet = routerPrivateKey ? new Wallet(routerPrivateKey) : await loadOrCreateKey(routerKeyFile);
  }

  get address(): string {
    return this.signer.address;
  }

  signMessage(message: string): Promise<string> {
    return this.signer.signMessage(message);
  }

  private get signer(): Wallet {
    if (!this.wallet) throw new Error('The router key has not been loaded.');
    return this.wallet;
  }
}
