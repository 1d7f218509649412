import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { MEDIA } from '@app/privacy/ohttp/constants';
import type { Request, Response } from 'express';
import { NodeGateway } from './node-gateway';

/** The node's OHTTP gateway (docs/privacy.md): a relay forwards here, never a client directly (it could, uselessly). */
@Controller()
export class OhttpController {
  constructor(private readonly gateway: NodeGateway) {}

  @Post('ohttp')
  @HttpCode(200)
  handle(@Req() request: Request, @Res() response: Response): Promise<void> {
    return this.gateway.handle(request, response);
  }

  @Get('ohttp-keys')
  async keys(@Res() response: Response): Promise<void> {
    const body = await this.gateway.keyConfigs();
    response.setHeader('Content-Type', MEDIA.keys);
    response.setHeader('Cache-Control', 'no-store');
    response.end(Buffer.from(body));
  }
}
