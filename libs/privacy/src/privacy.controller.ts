import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Public, Roles } from '@app/auth';
import { GatewayListResponse } from './gateways/gateway.response';
import { GatewaysService } from './gateways/gateways.service';
import { CreateRelayDto } from './relays/dto/create-relay.dto';
import { RelayListResponse, RelayResponse } from './relays/dto/relay.response';
import { RelaysService } from './relays/relays.service';

/** The directory a private-chat client reads before it seals anything (docs/privacy.md). */
@ApiTags('privacy')
@Controller('v1/privacy')
export class PrivacyController {
  constructor(
    private readonly gateways: GatewaysService,
    private readonly relays: RelaysService,
  ) {}

  @Public()
  @Get('gateways')
  @ApiOkResponse({ type: GatewayListResponse, description: 'Attested nodes’ OHTTP key configurations' })
  async listGateways(): Promise<GatewayListResponse> {
    return { data: await this.gateways.list() };
  }

  @Public()
  @Get('relays')
  @ApiOkResponse({ type: RelayListResponse, description: 'OHTTP relays and who runs them' })
  async listRelays(): Promise<RelayListResponse> {
    return { data: await this.relays.list() };
  }

  @ApiBearerAuth()
  @Roles('operator')
  @Post('relays')
  @ApiCreatedResponse({ type: RelayResponse })
  registerRelay(@CurrentUser() user: AuthUser, @Body() dto: CreateRelayDto): Promise<RelayResponse> {
    return this.relays.register(user, dto.url, dto.name);
  }

  @ApiBearerAuth()
  @Delete('relays/:id')
  @HttpCode(204)
  removeRelay(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.relays.remove(user, id);
  }
}
