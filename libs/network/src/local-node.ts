import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DevAttestationAuthority } from '@app/attestation';
import { AppConfig } from '@app/config';
import { Receipt, receiptDigest, signReceipt } from '@app/receipts';
import { keccak256, toUtf8Bytes, Wallet } from 'ethers';
import { loadOrCreateKey } from './key-file';
import { NodesRepository } from './nodes.repository';

export interface SignedReceipt {
  nodeId: string;
  receipt: Receipt;
  digest: string;
  signature: string;
  signer: string;
}

// What a dev attestation vouches for: this build of the in-process node. Real TEEs measure the enclave image.
const LOCAL_NODE_MEASUREMENT = keccak256(toUtf8Bytes('twinproof/local-node/v1'));
const DEV_ATTESTATION_VALIDITY_MS = 365 * 24 * 3_600_000;

/**
 * The inference node that runs inside the api process (docs/architecture.md: `npm start` embeds one). It has its own
 * persisted key, registers itself with a development attestation, and signs one receipt per reply.
 */
@Injectable()
export class LocalNode implements OnModuleInit {
  private readonly logger = new Logger(LocalNode.name);
  private wallet?: Wallet;
  private nodeId?: string;

  constructor(
    private readonly config: AppConfig,
    private readonly nodes: NodesRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    const { name, privateKey, keyFile, devCaFile } = this.config.node;
    const wallet = privateKey ? new Wallet(privateKey) : await loadOrCreateKey(keyFile);
    const authority = await DevAttestationAuthority.loadOrCreate(devCaFile);
    const document = await authority.issue({
      nodeAddress: wallet.address,
      measurement: LOCAL_NODE_MEASUREMENT,
      validForMs: DEV_ATTESTATION_VALIDITY_MS,
    });
    const node = await this.nodes.register({
      address: wallet.address,
      name,
      url: 'in-process',
      modelIds: [],
      attestationKind: 'dev',
      attestation: { kind: 'dev', document },
      measurement: LOCAL_NODE_MEASUREMENT,
    });
    this.wallet = wallet;
    this.nodeId = node.id;
    this.logger.log(
      `Inference node ${name} ${wallet.address} registered (dev attestation by ${authority.address})`,
    );
  }

  async sign(fields: Omit<Receipt, 'node'>): Promise<SignedReceipt> {
    if (!this.wallet || !this.nodeId) throw new Error('The local inference node has not started.');
    const receipt: Receipt = { ...fields, node: this.wallet.address };
    const signature = await signReceipt(this.wallet, receipt);
    return {
      nodeId: this.nodeId,
      receipt,
      digest: receiptDigest(receipt),
      signature,
      signer: this.wallet.address,
    };
  }
}
