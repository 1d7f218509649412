import { Injectable, Logger } from '@nestjs/common';
import type { PrivateSessions } from '@app/auth';
import { RelayTrafficRepository } from '@app/network';
import { GATEWAY_HEADER } from './gateway/api-forwarder';
import { RELAY_HEADER } from './gateway/ohttp-gateway';
import { PrivacyTokensService } from './tokens/privacy-tokens.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What the auth guard calls for `Authorization: PrivateToken` (docs/privacy.md): spends the token, and counts the
 * request for the relay that carried it. The count is what the gateway says, not proven: a client could name another
 * relay, but each count costs it a token, and the figures are labelled as reported.
 */
@Injectable()
export class PrivateSessionsService implements PrivateSessions {
  private readonly logger = new Logger(PrivateSessionsService.name);

  constructor(
    private readonly tokens: PrivacyTokensService,
    private readonly relayTraffic: RelayTrafficRepository,
  ) {}

  async redeem(authorization: string, header: (name: string) => string | undefined): Promise<void> {
    await this.tokens.redeem(authorization);
    const relayId = header(RELAY_HEADER);
    const nodeId = header(GATEWAY_HEADER);
    if (relayId && nodeId && UUID.test(relayId) && UUID.test(nodeId))
      this.relayTraffic.record(relayId, nodeId, new Date()).catch((error: unknown) => {
        this.logger.warn(`Private traffic not counted: ${String(error)}`);
      });
  }
}
