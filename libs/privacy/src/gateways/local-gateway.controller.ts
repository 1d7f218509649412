import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '@app/auth';
import { RateLimit } from '@app/rate-limit';
import type { Request, Response } from 'express';
import { MEDIA } from '../ohttp';
import { LocalGateway } from './local-gateway';

/** The in-process node's OHTTP gateway (docs/privacy.md); a remote node serves the same at POST /ohttp. */
@ApiTags('privacy')
@Controller('v1/privacy')
export class LocalGatewayController {
  constructor(private readonly gateway: LocalGateway) {}

  // No key (the inner request carries its own), and no per-address limit: every request comes from a relay, which
  // limits its clients by address; a private chat also spends a Privacy Pass token, which is its own limit.
  @Public()
  @RateLimit('none')
  @Post('ohttp')
  @HttpCode(200)
  @ApiOkResponse({ description: `${MEDIA.response} or ${MEDIA.chunkedResponse}` })
  handle(@Req() request: Request, @Res() response: Response): Promise<void> {
    return this.gateway.handle(request, response);
  }

  @Public()
  @Get('ohttp-keys')
  @ApiOkResponse({ description: `${MEDIA.keys} (RFC 9458 §3.2); GET /v1/privacy/gateways carries it signed` })
  async keys(@Res() response: Response): Promise<void> {
    const body = await this.gateway.keyConfigs();
    response.setHeader('Content-Type', MEDIA.keys);
    response.setHeader('Cache-Control', 'no-store');
    response.end(Buffer.from(body));
  }
}
