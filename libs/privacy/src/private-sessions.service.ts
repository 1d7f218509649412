import { Injectable, Logger } from '@nestjs/common';
import type { PrivateSessions } from '@app/auth';
import { NodesRepository, RelayTrafficRepository } from '@app/network';
import { GATEWAY_HEADER } from './gateway/api-forwarder';
import { checkGatewayProof, GATEWAY_PROOF_HEADER } from './gateway/gateway-proof';
import { RELAY_HEADER } from './gateway/ohttp-gateway';
import { PrivacyTokensService } from './tokens/privacy-tokens.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What the auth guard calls for `Authorization: PrivateToken` (docs/privacy.md): spends the token, and counts the
 * request for the relay that carried it when the gateway's node signed that it did (so nobody can credit, or frame,
 * a relay and a gateway with headers alone). The count is the gateway's word for the relay: the relay names itself.
 */
@Injectable()
export class PrivateSessionsService implements PrivateSessions {
  private readonly logger = new Logger(PrivateSessionsService.name);

  constructor(
    private readonly tokens: PrivacyTokensService,
    private readonly relayTraffic: RelayTrafficRepository,
    private readonly nodes: NodesRepository,
  ) {}

  async redeem(authorization: string, header: (name: string) => string | undefined): Promise<void> {
    await this.tokens.redeem(authorization);
    const relayId = header(RELAY_HEADER);
    const nodeId = header(GATEWAY_HEADER);
    const proof = header(GATEWAY_PROOF_HEADER);
    if (relayId && nodeId && proof && UUID.test(relayId) && UUID.test(nodeId))
      // Off the reply's path: a figure, not a gate.
      this.count({ relayId, nodeId, proof, authorization }).catch((error: unknown) => {
        this.logger.warn(`Private traffic not counted: ${String(error)}`);
      });
  }

  private async count(fields: {
    relayId: string;
    nodeId: string;
    proof: string;
    authorization: string;
  }): Promise<void> {
    const node = await this.nodes.findById(fields.nodeId);
    if (!node || !checkGatewayProof(fields.proof, node.address, fields)) return;
    await this.relayTraffic.record(fields.relayId, fields.nodeId, new Date());
  }
}
