import { Module } from '@nestjs/common';
import { RateLimitModule } from '@app/rate-limit';
import { ArtifactStore } from './artifact-store';
import { HubArtifactsService } from './hub-artifacts.service';
import { HubModerationController } from './hub-moderation.controller';
import { HubPublishController } from './hub-publish.controller';
import { HubPublishRepository } from './hub-publish.repository';
import { HubPublishService } from './hub-publish.service';

/** Publishing, artifact upload and download, and takedowns (docs/hub.md). Needs the global config and database. */
@Module({
  imports: [RateLimitModule],
  controllers: [HubPublishController, HubModerationController],
  providers: [HubPublishRepository, HubPublishService, HubArtifactsService, ArtifactStore],
  exports: [ArtifactStore, HubPublishService],
})
export class HubPublishModule {}
