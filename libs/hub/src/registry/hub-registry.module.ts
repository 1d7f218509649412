import { Module } from '@nestjs/common';
import { HubModelsRepository } from './hub-models.repository';
import { HubReadController } from './hub-read.controller';
import { HubReadService } from './hub-read.service';
import { HubSearchService } from './hub-search.service';

/** The hub's public reads and its search index (docs/hub.md). PrismaService and AppConfig come from global modules. */
@Module({
  controllers: [HubReadController],
  providers: [HubModelsRepository, HubSearchService, HubReadService],
  exports: [HubModelsRepository, HubSearchService, HubReadService],
})
export class HubRegistryModule {}
