import { Body, Controller, Get, Param, Post, Put, Query, Req, Res, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { AuthUser, CurrentUser, Public } from '@app/auth';
import type { Request, Response } from 'express';
import { ArtifactVersionQuery } from './dto/artifact-version.query';
import { PublishModelDto } from './dto/publish-model.dto';
import { VersionParams } from './dto/version-params';
import { HubArtifactsService, type UploadResult } from './hub-artifacts.service';
import { NotOctetStreamError } from './hub-publish.errors';
import type { PublishedVersion } from './hub-publish.repository';
import { HubPublishService } from './hub-publish.service';

@ApiTags('hub')
@ApiBearerAuth()
@Controller('v1/hub/models')
export class HubPublishController {
  constructor(
    private readonly publishing: HubPublishService,
    private readonly artifacts: HubArtifactsService,
  ) {}

  @Post()
  @ApiCreatedResponse({ description: 'The new version; upload its artifact next' })
  publish(@CurrentUser() user: AuthUser, @Body() dto: PublishModelDto): Promise<PublishedVersion> {
    return this.publishing.publish(user, dto);
  }

  @Put(':slug/versions/:version/artifact')
  @ApiConsumes('application/octet-stream')
  @ApiCreatedResponse({ description: 'Stored (200 when the hub already held these bytes)' })
  async upload(
    @CurrentUser() user: AuthUser,
    @Param() params: VersionParams,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<UploadResult> {
    if (!request.is('application/octet-stream')) {
      response.setHeader('Connection', 'close');
      throw new NotOctetStreamError();
    }
    const length = request.header('content-length');
    const result = await this.artifacts.upload(user, {
      slug: params.slug,
      version: params.version,
      body: request,
      declaredLength: length === undefined ? undefined : Number(length),
      closeAfterResponse: () => response.setHeader('Connection', 'close'),
    });
    response.status(result.alreadyHeld ? 200 : 201);
    return result;
  }

  @Public()
  @Get(':slug/artifact')
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The bytes; Digest and ETag carry their SHA-256' })
  async download(
    @Param('slug') slug: string,
    @Query() query: ArtifactVersionQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile> {
    const artifact = await this.artifacts.download(slug, query.version);
    response.setHeader('Digest', `sha-256=${Buffer.from(artifact.sha256, 'hex').toString('base64')}`);
    response.setHeader('ETag', `"${artifact.sha256}"`);
    response.setHeader('X-Hub-Model-Version', String(artifact.version));
    return new StreamableFile(artifact.stream, { type: 'application/octet-stream', length: artifact.bytes });
  }
}
