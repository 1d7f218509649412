import { Module } from '@nestjs/common';
import { InferenceModule } from '@app/inference';
import { PersonaCardsController } from './persona-cards.controller';
import { PersonaCardsService } from './persona-cards.service';
import { PersonasController } from './personas.controller';
import { PersonasRepository } from './personas.repository';
import { PersonasService } from './personas.service';

@Module({
  imports: [InferenceModule],
  controllers: [PersonasController, PersonaCardsController],
  providers: [PersonasRepository, PersonasService, PersonaCardsService],
  exports: [PersonasService],
})
export class PersonasModule {}
