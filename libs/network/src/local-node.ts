import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DevAttestationAuthority } from '@app/attestation';
import { AppConfig } from '@app/config';
import { estimateTokens, ModelRegistry } from '@app/inference';
import { countPromptTokens } from '@app/prompt/token-budget';
import {
  contentHashes,
  deliveredText,
  newReceiptSalt,
  prefixFields,
  Receipt,
  RECEIPT_VERSION,
  signReceiptWithKey,
} from '@app/receipts';
import { keccak256, toUtf8Bytes, Wallet } from 'ethers';
import { loadOrCreateKey } from './key-file';
import type { NodeInferenceRequest, NodeReceipt, NodeStream } from './inference-node';
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
export class LocalNode implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(LocalNode.name);
  private wallet?: Wallet;
  private nodeId?: string;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly nodes: NodesRepository,
    private readonly models: ModelRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    // Off, it is no node at all: not registered, so GET /v1/nodes does not list a healthy node that serves nothing.
    if (!this.config.network.inProcessNode) return;
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
    // Listed as healthy like any node: GET /v1/nodes and the network's figures read heartbeats.
    this.heartbeat = setInterval(() => {
      this.nodes.recordHeartbeat(node.id, 'active').catch((error: unknown) => {
        this.logger.warn(`Heartbeat of the in-process node not recorded: ${String(error)}`);
      });
    }, this.config.network.heartbeatMs);
    this.heartbeat.unref();
    this.logger.log(
      `Inference node ${name} ${wallet.address} registered (dev attestation by ${authority.address})`,
    );
  }

  /** Its signing address once started (the router names it in takeovers and spot checks). */
  get address(): string {
    return this.started().wallet.address;
  }

  /**
   * Its id and key, for what the node vouches for besides receipts: its OHTTP gateway keys (docs/privacy.md).
   * Undefined when there is no in-process node.
   */
  get gatewayIdentity(): { nodeId: string; signer: Wallet } | undefined {
    if (!this.wallet || !this.nodeId) return undefined;
    return { nodeId: this.nodeId, signer: this.wallet };
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
  }

  /** Runs the model in this process and, once the stream has ended, signs a receipt over exactly what it streamed. */
  stream(request: NodeInferenceRequest, signal: AbortSignal): NodeStream {
    const { wallet, nodeId } = this.started();
    const { continuation } = request;
    // A takeover: the model continues the delivered prefix, and only what follows it is streamed.
    const model = continuation ? { ...request.model, continuation: continuation.prefix } : request.model;
    const inner = this.models.resolve(model.modelId).stream(model, signal);
    const startedAt = Date.now();
    let text = '';
    let finishedAt: number | undefined;
    const sign = (): NodeReceipt => {
      if (finishedAt === undefined) throw new Error('The reply has not finished; it has no receipt.');
      const salt = newReceiptSalt();
      // Receipt v3, as a node process signs it (apps/node): the whole delivered reply, the prefix named and committed.
      const whole = deliveredText(continuation, text);
      const { inputHash, outputHash } = contentHashes(RECEIPT_VERSION, {
        input: model.messages,
        output: whole,
        salt,
      });
      const signed = this.sign({
        ...request.receipt,
        modelId: model.modelId,
        inputHash,
        outputHash,
        promptTokens: countPromptTokens(model.messages),
        completionTokens: estimateTokens(whole),
        startedAt,
        finishedAt,
        ...prefixFields(salt, continuation),
      });
      return { ...signed, salt };
    };
    return {
      nodeId,
      nodeAddress: wallet.address,
      inProcess: true,
      get finishReason() {
        return inner.finishReason;
      },
      async *[Symbol.asyncIterator]() {
        for await (const delta of inner) {
          text += delta;
          yield delta;
        }
        finishedAt = Date.now();
      },
      // Signed in this process, synchronously; a promise as the interface has it for nodes reached over HTTP.
      receipt: () => Promise.resolve().then(sign),
    };
  }

  sign(fields: Omit<Receipt, 'node'>): SignedReceipt {
    const { wallet, nodeId } = this.started();
    const receipt: Receipt = { ...fields, node: wallet.address };
    const { signature, digest } = signReceiptWithKey(wallet, receipt);
    return { nodeId, receipt, digest, signature, signer: wallet.address };
  }

  private started(): { wallet: Wallet; nodeId: string } {
    if (!this.wallet || !this.nodeId) throw new Error('The local inference node has not started.');
    return { wallet: this.wallet, nodeId: this.nodeId };
  }
}
