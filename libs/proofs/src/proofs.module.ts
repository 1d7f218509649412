import { Module } from '@nestjs/common';
import { QueueModule } from '@app/queue';
import { AnchorClientProvider } from './anchor-client.provider';
import { InferencesController } from './inferences.controller';
import { InferencesRepository } from './inferences.repository';
import { InferencesService } from './inferences.service';

/** The api's side of verification: reading inferences, their bundles, the chain they are anchored on. */
@Module({
  imports: [QueueModule],
  controllers: [InferencesController],
  providers: [InferencesRepository, InferencesService, AnchorClientProvider],
})
export class ProofsModule {}
