import { Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { parseLatencyProfile } from './latency-profile';
import { ModelRegistry } from './model-registry';

/** One ModelRegistry per process: chat streams from it, and saving a persona checks its modelId against it. */
@Module({
  providers: [
    {
      provide: ModelRegistry,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new ModelRegistry({
          embedded: { defaultLatency: parseLatencyProfile(config.models.embeddedLatency) },
          openAiCompatible: config.models.openAiCompatible,
        }),
    },
  ],
  exports: [ModelRegistry],
})
export class InferenceModule {}
