import { Module } from '@nestjs/common';
import { HubPublishModule } from './publish/hub-publish.module';
import { HubRegistryModule } from './registry/hub-registry.module';

/** The model hub (docs/hub.md): public reads and search, publishing and artifacts. */
@Module({ imports: [HubRegistryModule, HubPublishModule] })
export class HubModule {}
