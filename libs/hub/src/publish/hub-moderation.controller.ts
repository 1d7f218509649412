import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/auth';
import { HubPublishRepository } from './hub-publish.repository';

export interface HiddenState {
  slug: string;
  hidden: boolean;
  hiddenAt: Date | null;
}

/**
 * The hub operator's takedown: out of search only. The model stays fetchable by slug and hash and verifiable, and
 * nodes that pin it keep serving it.
 */
@ApiTags('hub')
@ApiBearerAuth()
@Controller('v1/hub/models')
export class HubModerationController {
  constructor(private readonly repository: HubPublishRepository) {}

  @Roles('admin')
  @Post(':slug/hide')
  @HttpCode(200)
  @ApiOkResponse({ description: 'Hidden from search (admin)' })
  async hide(@Param('slug') slug: string): Promise<HiddenState> {
    const model = await this.repository.setHidden(slug, true);
    return { ...model, hidden: true };
  }

  @Roles('admin')
  @Post(':slug/unhide')
  @HttpCode(200)
  @ApiOkResponse({ description: 'Back in search (admin)' })
  async unhide(@Param('slug') slug: string): Promise<HiddenState> {
    const model = await this.repository.setHidden(slug, false);
    return { ...model, hidden: false };
  }
}
