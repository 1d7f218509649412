import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { LocalNode, NodesRepository } from '@app/network';
import { RedisService } from '@app/redis';
import { getBytes } from 'ethers';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { forwardToApi } from '../gateway/api-forwarder';
import { GatewayKeyring } from '../gateway/gateway-keyring';
import { OhttpGateway } from '../gateway/ohttp-gateway';
import { RedisSeenRequests } from './redis-seen-requests';
import { GatewayUnavailableError } from './gateway.errors';

// How often the keys are checked for rotation and published again (at most; a shorter rotation checks sooner).
const PUBLISH_EVERY_MS = 60_000;

/**
 * The OHTTP gateway of the in-process node (`npm start`): it lives in the api process because that node does, and
 * its keys stay in this process like a remote node's stay in its own. It forwards inner requests to this same api
 * over loopback, so they go through the api exactly as a remote gateway's would.
 */
@Injectable()
export class LocalGateway implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LocalGateway.name);
  private gateway?: OhttpGateway;
  private keyring?: GatewayKeyring;
  private published?: string;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly localNode: LocalNode,
    private readonly nodes: NodesRepository,
    private readonly redis: RedisService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const identity = this.localNode.gatewayIdentity;
    if (!identity) return;
    const { keyRotateMs, keyGraceMs } = this.config.privacy;
    const keyring = new GatewayKeyring(identity.signer, {
      rotateMs: keyRotateMs,
      graceMs: keyGraceMs,
      // Several api processes must hold the same key (a request reaches whichever process it reaches): derived from
      // the node key then, which costs forward secrecy (whoever later holds the node key opens recorded traffic).
      // One process draws its keys at random, as a node does.
      deriveFrom: this.config.apiProcesses > 1 ? getBytes(identity.signer.privateKey) : undefined,
    });
    this.keyring = keyring;
    this.gateway = new OhttpGateway({
      keyring,
      seen: new RedisSeenRequests(this.redis, keyRotateMs + 2 * keyGraceMs),
      maxBodyBytes: this.config.limits.bodyBytes,
      forward: (request, context) =>
        forwardToApi(
          selfUrl(context.origin),
          { nodeId: identity.nodeId, key: identity.signer },
          request,
          context,
        ),
    });
    await this.publish(identity.nodeId);
    this.timer = setInterval(
      () =>
        void this.publish(identity.nodeId).catch((error: unknown) =>
          this.logger.warn(`Gateway keys not published: ${String(error)}`),
        ),
      Math.min(PUBLISH_EVERY_MS, Math.max(1_000, Math.floor(keyRotateMs / 4))),
    );
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!this.gateway) throw new GatewayUnavailableError();
    return this.gateway.handle(request, response);
  }

  async keyConfigs(): Promise<Uint8Array> {
    if (!this.keyring) throw new GatewayUnavailableError();
    return Buffer.from((await this.keyring.published()).keyConfig, 'base64');
  }

  /** Rotates when due, and stores what clients read from GET /v1/privacy/gateways when it changed. */
  private async publish(nodeId: string): Promise<void> {
    const signed = await this.keyring!.published();
    if (signed.signature === this.published) return;
    await this.nodes.setOhttpKeys(nodeId, signed);
    this.published = signed.signature;
  }
}

/** This api as the request reached it: the gateway's loopback call goes to the same listener. */
function selfUrl(origin: IncomingMessage): string {
  const { localAddress, localPort } = origin.socket;
  const host =
    !localAddress || localAddress === '::' || localAddress === '0.0.0.0' ? '127.0.0.1' : localAddress;
  const bare = host.replace(/^::ffff:/, '');
  return `http://${bare.includes(':') ? `[${bare}]` : bare}:${localPort}`;
}
