import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '@app/auth';
import {
  HubLineageResponse,
  HubLocationsResponse,
  HubModelDetail,
  HubModelsPageResponse,
  HubVersionsResponse,
} from './dto/hub-model.response';
import { SearchHubModelsQuery } from './dto/search-hub-models.query';
import { HubReadService } from './hub-read.service';

@ApiTags('hub')
@Controller('v1/hub')
export class HubReadController {
  constructor(private readonly hub: HubReadService) {}

  @Public()
  @Get('models')
  @ApiOkResponse({ type: HubModelsPageResponse, description: 'Best first; hidden models left out' })
  search(@Query() query: SearchHubModelsQuery): Promise<HubModelsPageResponse> {
    return this.hub.search(query);
  }

  @Public()
  @Get('models/:slug')
  @ApiOkResponse({ type: HubModelDetail, description: 'Hidden models too, with hidden: true and a note' })
  get(@Param('slug') slug: string): Promise<HubModelDetail> {
    return this.hub.get(slug);
  }

  @Public()
  @Get('models/:slug/versions')
  @ApiOkResponse({
    type: HubVersionsResponse,
    description: 'Newest first: signed manifests and their digests',
  })
  versions(@Param('slug') slug: string): Promise<HubVersionsResponse> {
    return this.hub.versions(slug);
  }

  @Public()
  @Get('models/:slug/lineage')
  @ApiOkResponse({ type: HubLineageResponse })
  lineage(@Param('slug') slug: string): Promise<HubLineageResponse> {
    return this.hub.lineage(slug);
  }

  @Public()
  @Get('artifacts/:sha256/locations')
  @ApiOkResponse({ type: HubLocationsResponse, description: 'Healthy nodes that pin the artifact' })
  locations(@Param('sha256') sha256: string): Promise<HubLocationsResponse> {
    return this.hub.locations(sha256);
  }
}
