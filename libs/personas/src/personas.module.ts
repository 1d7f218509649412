import { Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { ModelRegistry, parseLatencyProfile } from '@app/inference';
import { PersonaCardsController } from './persona-cards.controller';
import { PersonaCardsService } from './persona-cards.service';
import { PersonasController } from './personas.controller';
import { PersonasRepository } from './personas.repository';
import { PersonasService } from './personas.service';

@Module({
  controllers: [PersonasController, PersonaCardsController],
  providers: [
    PersonasRepository,
    PersonasService,
    PersonaCardsService,
    // Built as ChatModule builds its own: saving a persona checks its modelId against the models chat can run.
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
  exports: [PersonasService],
})
export class PersonasModule {}
