import { Module } from '@nestjs/common';
import { PRIVATE_SESSIONS } from '@app/auth';
import { NetworkModule } from '@app/network';
import { GatewaysService } from './gateways/gateways.service';
import { LocalGateway } from './gateways/local-gateway';
import { LocalGatewayController } from './gateways/local-gateway.controller';
import { PrivacyController } from './privacy.controller';
import { PrivateSessionsService } from './private-sessions.service';
import { RelaysRepository } from './relays/relays.repository';
import { RelaysService } from './relays/relays.service';
import { PrivacyTokensModule } from './tokens/tokens.module';

/** Private chat through Oblivious HTTP, the api's side (docs/privacy.md). */
@Module({
  imports: [NetworkModule, PrivacyTokensModule],
  controllers: [PrivacyController, LocalGatewayController],
  providers: [
    GatewaysService,
    LocalGateway,
    RelaysRepository,
    RelaysService,
    PrivateSessionsService,
    // The auth guard finds it by this token at run time (it cannot import this module: this one imports auth's).
    { provide: PRIVATE_SESSIONS, useExisting: PrivateSessionsService },
  ],
})
export class PrivacyModule {}
