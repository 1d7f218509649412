import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { loadOrCreateKey } from '@app/network/key-file';
import type { Wallet } from 'ethers';
import { join } from 'node:path';
import type { NodeOptions } from './node-options';
import { NODE_OPTIONS } from './node.tokens';

export interface Registration {
  nodeId: string;
  routerAddress: string;
}

/** The node's own key (kept in its data dir) and what the api told it when it registered. */
@Injectable()
export class NodeIdentity implements OnModuleInit {
  private key?: Wallet;
  private registered?: Registration;
  /** Set once the api answers that this node was revoked: it gets no more traffic. */
  revoked = false;

  constructor(@Inject(NODE_OPTIONS) private readonly options: NodeOptions) {}

  async onModuleInit(): Promise<void> {
    this.key = await loadOrCreateKey(join(this.options.dataDir, 'node-key.json'));
  }

  get wallet(): Wallet {
    if (!this.key) throw new Error('The node key has not been loaded.');
    return this.key;
  }

  get registration(): Registration | undefined {
    return this.registered;
  }

  register(registration: Registration): void {
    this.registered = registration;
  }
}
