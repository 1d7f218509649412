import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { forwardToApi } from '@app/privacy/gateway/api-forwarder';
import { GatewayKeyring } from '@app/privacy/gateway/gateway-keyring';
import type { SignedGatewayKeys } from '@app/privacy/gateway/key-binding';
import { OhttpGateway } from '@app/privacy/gateway/ohttp-gateway';
import { SeenRequests } from '@app/privacy/gateway/seen-requests';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { nodeError } from './node-http-errors';
import { NodeIdentity } from './node-identity';
import type { NodeOptions } from './node-options';
import { NODE_OPTIONS } from './node.tokens';

// An encapsulated request is one chat request (its history included) or one proof read.
const MAX_ENCAPSULATED_BYTES = 1024 * 1024;

/**
 * This node's Oblivious HTTP gateway (docs/privacy.md): its keys are made here and never leave the process; they are
 * published signed by the node's attested key, through the heartbeat, so a client seals only to an attested node.
 */
@Injectable()
export class NodeGateway {
  private keyring?: GatewayKeyring;
  private gateway?: OhttpGateway;

  constructor(
    @Inject(NODE_OPTIONS) private readonly options: NodeOptions,
    private readonly identity: NodeIdentity,
  ) {}

  /** What the heartbeat carries; rotates the key first when it is due. */
  published(): Promise<SignedGatewayKeys> {
    return this.ring().published();
  }

  async keyConfigs(): Promise<Uint8Array> {
    return Buffer.from((await this.published()).keyConfig, 'base64');
  }

  handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const registration = this.identity.registration;
    if (!registration)
      throw nodeError(HttpStatus.SERVICE_UNAVAILABLE, 'UNAVAILABLE', 'This node has not registered yet.');
    this.gateway ??= new OhttpGateway({
      keyring: this.ring(),
      seen: new SeenRequests(),
      maxBodyBytes: MAX_ENCAPSULATED_BYTES,
      forward: (inner, context) =>
        forwardToApi(
          this.options.apiUrl,
          { nodeId: registration.nodeId, key: this.identity.wallet },
          inner,
          context,
        ),
    });
    return this.gateway.handle(request, response);
  }

  private ring(): GatewayKeyring {
    this.keyring ??= new GatewayKeyring(this.identity.wallet, this.options.ohttpKeys);
    return this.keyring;
  }
}
