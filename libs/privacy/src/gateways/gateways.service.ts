import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { NodesRepository, type NodeWithOperator } from '@app/network';
import { isHealthy } from '@app/network/router/node-health';
import type { SignedGatewayKeys } from '../gateway/key-binding';
import type { GatewayResponse } from './gateway.response';

/** Where the in-process node's gateway listens, relative to the api (docs/privacy.md). */
export const LOCAL_GATEWAY_PATH = '/v1/privacy/ohttp';

/** The gateways a client may seal to: healthy nodes that published signed OHTTP keys. */
@Injectable()
export class GatewaysService {
  /** The read in flight: a burst of public calls shares one (as GET /v1/nodes does). */
  private listing?: Promise<GatewayResponse[]>;

  constructor(
    private readonly config: AppConfig,
    private readonly nodes: NodesRepository,
  ) {}

  list(): Promise<GatewayResponse[]> {
    this.listing ??= this.read().finally(() => (this.listing = undefined));
    return this.listing;
  }

  private async read(): Promise<GatewayResponse[]> {
    const now = Date.now();
    const nodes = await this.nodes.listWithOperators();
    return nodes
      .filter((node) => node.ohttpKeys !== null && isHealthy(node, this.config.network.heartbeatMs, now))
      .flatMap((node) => {
        const keys = node.ohttpKeys as unknown as SignedGatewayKeys;
        if (new Date(keys.expiresAt).getTime() <= now) return [];
        return [
          {
            nodeId: node.id,
            nodeAddress: node.address,
            operatorId: node.operatorId,
            gatewayUrl: gatewayUrlOf(node),
            keyConfig: keys.keyConfig,
            keySignature: keys.signature,
            keysExpireAt: keys.expiresAt,
            attestation: node.attestation as unknown as GatewayResponse['attestation'],
          },
        ];
      });
  }
}

function gatewayUrlOf(node: NodeWithOperator): string {
  if (node.operatorId === null) return LOCAL_GATEWAY_PATH;
  // Origin and path only: a query or fragment in a registered URL would carry '/ohttp' anywhere on that host.
  const url = new URL(node.url);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}/ohttp`;
}
